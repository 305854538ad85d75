package dev.sluice.spi.testing;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The host's side of an executor in its unit tests: what {@code start} gets, and a count of the
 * executor's {@link #statusChanged()} calls that a test can wait on instead of sleeping. Each
 * {@code with...} returns a new context with a count of its own.
 *
 * <p>For plugin authors' tests as well as the host's.
 */
public final class TestExecutorContext implements ExecutorContext {
    private final String executor;
    private final Path workRoot;
    private final String runId;
    private final String pipelineName;
    private final Map<String, String> configValues;
    private final TimeSource time;
    private final Optional<CallbackEndpoint> endpoint;
    private final Map<String, String> secrets;
    private final Semaphore changes = new Semaphore(0);

    private TestExecutorContext(String executor, Path workRoot, String runId, String pipelineName,
            Map<String, String> configValues, TimeSource time, Optional<CallbackEndpoint> endpoint,
            Map<String, String> secrets) {
        this.executor = executor;
        this.workRoot = workRoot;
        this.runId = runId;
        this.pipelineName = pipelineName;
        this.configValues = Map.copyOf(configValues);
        this.time = time;
        this.endpoint = endpoint;
        this.secrets = Map.copyOf(secrets);
    }

    /**
     * The context of executor {@code executor} (its name, as in {@code executors.<name>}) for a run
     * whose work goes under {@code workRoot}: run id {@code test-run}, no pipeline name, empty config,
     * a new {@link FakeTimeSource}, no callback endpoint, no secrets.
     */
    public static TestExecutorContext of(String executor, Path workRoot) {
        return new TestExecutorContext(executor, workRoot, "test-run", "", Map.of(), new FakeTimeSource(),
                Optional.empty(), Map.of());
    }

    /**
     * A context whose {@link #config()} holds {@code values}, described as the host does
     * ({@code executors.<name> of the config}), so setting errors read as they will for operators.
     */
    public TestExecutorContext withConfig(Map<String, String> values) {
        return new TestExecutorContext(executor, workRoot, runId, pipelineName, values, time, endpoint, secrets);
    }

    /** A context whose {@link #time()} is {@code clock} (e.g. {@link TimeSource#system()}). */
    public TestExecutorContext withTime(TimeSource clock) {
        return new TestExecutorContext(executor, workRoot, runId, pipelineName, configValues, clock, endpoint, secrets);
    }

    public TestExecutorContext withRunId(String value) {
        return new TestExecutorContext(executor, workRoot, value, pipelineName, configValues, time, endpoint, secrets);
    }

    public TestExecutorContext withPipelineName(String value) {
        return new TestExecutorContext(executor, workRoot, runId, value, configValues, time, endpoint, secrets);
    }

    /** A context whose {@link #callbackEndpoint()} is {@code value}, as with {@code sluice run --http-port}. */
    public TestExecutorContext withCallbackEndpoint(CallbackEndpoint value) {
        return new TestExecutorContext(executor, workRoot, runId, pipelineName, configValues, time,
                Optional.of(value), secrets);
    }

    /** A context whose {@link #secretEnvironment()} is {@code values}, as with the config's {@code secretEnv}. */
    public TestExecutorContext withSecretEnvironment(Map<String, String> values) {
        return new TestExecutorContext(executor, workRoot, runId, pipelineName, configValues, time, endpoint, values);
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public String pipelineName() {
        return pipelineName;
    }

    @Override
    public Path workRoot() {
        return workRoot;
    }

    @Override
    public Settings config() {
        return Settings.of(configValues, "executors." + executor + " of the config");
    }

    @Override
    public TimeSource time() {
        return time;
    }

    @Override
    public Optional<CallbackEndpoint> callbackEndpoint() {
        return endpoint;
    }

    @Override
    public Map<String, String> secretEnvironment() {
        return secrets;
    }

    @Override
    public void statusChanged() {
        changes.release();
    }

    /** How many {@link #statusChanged()} calls have not been waited for yet. */
    public int statusChanges() {
        return changes.availablePermits();
    }

    /** Waits, in real time up to {@code timeout}, for one more {@link #statusChanged()} call, and takes it. */
    public boolean awaitStatusChange(Duration timeout) throws InterruptedException {
        return changes.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
