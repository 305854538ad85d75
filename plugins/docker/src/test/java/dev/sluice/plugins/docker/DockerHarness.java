package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestExecutorContext;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** The host's side of the docker executor in unit tests: its contexts, a fake engine, a fake clock, tasks. */
final class DockerHarness {
    static final String RUN_ID = "20261203-120000-ab12";
    static final String IMAGE = "sluice-test/busybox:1";

    final Path workRoot;
    final FakeTimeSource time = new FakeTimeSource();
    /** The clock the executor sees: {@link #time}, telling the test how long each sleep asks for. */
    private final BlockingQueue<Duration> sleeps = new LinkedBlockingQueue<>();
    private final TimeSource clock = new TimeSource() {
        @Override
        public Instant now() {
            return time.now();
        }

        @Override
        public long nanoTime() {
            return time.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            sleeps.add(duration);
            time.sleep(duration);
        }
    };
    final FakeEngine engine = new FakeEngine();
    private TestExecutorContext context;
    final List<String> connectedTo = new ArrayList<>();
    String pipeline = "pipe";
    /** The operator's secret variables the executor is started with. */
    Map<String, String> secrets = Map.of();
    TestPluginContext plugin;

    DockerHarness(Path dir) throws IOException {
        this.workRoot = Files.createDirectories(dir.resolve("work"));
    }

    /** An executor with the plugin settings {@code plugins.docker} (network none and a fixed user unless given). */
    DockerExecutor executor(Map<String, String> pluginConfig) {
        Map<String, String> config = new HashMap<>(Map.of("network", "none", "user", "1000:1000"));
        config.putAll(pluginConfig);
        plugin = TestPluginContext.of("docker").withConfig(config).withTime(clock);
        // Signals are sent on the caller's thread, so a test sees them sent when terminate or force returns.
        return new DockerExecutor(plugin, host -> {
            connectedTo.add(host);
            return engine;
        }, Runnable::run);
    }

    DockerExecutor started(Map<String, String> pluginConfig, Map<String, String> executorConfig)
            throws ExecutorException {
        DockerExecutor executor = executor(pluginConfig);
        executor.start(context(executorConfig));
        return executor;
    }

    DockerExecutor started() throws ExecutorException {
        return started(Map.of(), Map.of("cpus", "4", "memory", "2GB"));
    }

    ExecutorContext context(Map<String, String> executorConfig) {
        context = TestExecutorContext.of("docker", workRoot).withRunId(RUN_ID).withPipelineName(pipeline)
                .withConfig(executorConfig).withTime(clock).withSecretEnvironment(secrets);
        return context;
    }

    /** How often the executor last started said a status changed. */
    int statusChanges() {
        return context == null ? 0 : context.statusChanges();
    }

    /** A task of the docker executor with the test image, its work directory under the work root. */
    TestTaskHandle task(String id, Map<String, String> hints) throws IOException {
        Map<String, String> all = new HashMap<>(Map.of(TaskOptions.IMAGE, IMAGE));
        all.putAll(hints);
        Path work = Files.createDirectories(workRoot.resolve(id));
        return TestTaskHandle.of(id).withHints(all).withWorkDir(work).withExecutor(DockerExecutor.NAME);
    }

    TaskLaunch launch(TestTaskHandle task, List<String> argv, Map<String, String> environment) {
        return new TaskLaunch(task, new LaunchCommand(argv, environment, task.workDir()), TaskFiles.in(task.workDir()));
    }

    TaskLaunch launch(String id, Map<String, String> hints) throws IOException {
        return launch(task(id, hints), List.of("sh", "-c", "echo hi"), Map.of("A", "b"));
    }

    static TaskStatus status(DockerExecutor executor, SubmittedTask task) {
        return executor.poll(List.of(task)).get(task);
    }

    /** A stream's end delivered on a thread of its own, as the engine's client delivers it. */
    static final class StreamThread {
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        StreamThread(Runnable end) {
            thread = Thread.ofPlatform().name("fake-stream").start(() -> {
                try {
                    end.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        /** Waits for the end to be handled; fails with what the thread threw. */
        void join() throws InterruptedException {
            thread.join(Duration.ofSeconds(20));
            assertThat(thread.isAlive()).as("the stream's thread ends").isFalse();
            assertThat(failure.get()).as("what the stream's thread threw").isNull();
        }
    }

    /**
     * Runs {@code end} on a thread of its own, moving the fake clock by exactly as much as that thread
     * sleeps on it each time; returns how much fake time passed.
     */
    Duration onStreamThread(Runnable end) throws InterruptedException, TimeoutException {
        long start = time.nanoTime();
        StreamThread thread = new StreamThread(end);
        long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (thread.isAlive()) {
            assertThat(System.nanoTime()).as("the stream's thread ends").isLessThan(giveUp);
            Duration sleep = sleeps.poll(5, TimeUnit.MILLISECONDS);
            if (sleep != null) {
                time.awaitSleepers(1, Duration.ofSeconds(10));
                time.advance(sleep);
            }
        }
        thread.join();
        return Duration.ofNanos(time.nanoTime() - start);
    }
}
