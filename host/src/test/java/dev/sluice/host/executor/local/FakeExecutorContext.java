package dev.sluice.host.executor.local;

import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * An {@link ExecutorContext} for tests that counts {@link #statusChanged()} calls as permits, so a
 * test can block until the executor reports a change instead of sleeping.
 */
final class FakeExecutorContext implements ExecutorContext {
    private final TimeSource time;
    private final Settings config;
    private final Path workRoot;
    private final Semaphore changes = new Semaphore(0);

    FakeExecutorContext(TimeSource time, Settings config, Path workRoot) {
        this.time = time;
        this.config = config;
        this.workRoot = workRoot;
    }

    @Override
    public String runId() {
        return "test-run";
    }

    @Override
    public Path workRoot() {
        return workRoot;
    }

    @Override
    public Settings config() {
        return config;
    }

    @Override
    public TimeSource time() {
        return time;
    }

    @Override
    public void statusChanged() {
        changes.release();
    }

    /** Waits, in real time up to {@code timeout}, for one more {@link #statusChanged()} call. */
    boolean awaitChange(Duration timeout) throws InterruptedException {
        return changes.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
