package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.OperatorConfig;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.progress.ProgressDisplay;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TimeSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The progress display, in plain mode, fed by a real monitor running a hand-written executor. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProgressDisplayRunTest {
    @TempDir
    Path dir;

    @Test
    void plainLinesCountDoneRunningRetriesAndFailures() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                processes:
                  a:
                    command: [true]
                    matrix: {n: [1, 2]}
                    errorStrategy: retry
                    maxRetries: 1
                    retryBackoff: {initial: 1ms, max: 1ms, multiplier: 1}
                """);
        Pipeline pipeline = PipelineLoader.load(file);
        List<ProcessPlan> plans = new ArrayList<>();
        for (String name : pipeline.processOrder()) {
            EffectiveProcess p = OperatorConfig.empty().resolve(pipeline.processes().get(name));
            plans.add(new ProcessPlan(p, p.expand(dir)));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        TaskPollingMonitor monitor = TaskPollingMonitor.builder(
                new RunOptions("t", dir.resolve("work"), Duration.ZERO, false), plans)
                .executors(List.of(new ExecutorSetup(ex, 0, null, Duration.ofMillis(50), Settings.of(Map.of(), "test"))))
                .preparer(new WorkDirs(dir.resolve("work"), "t"))
                .listener(new ProgressDisplay(out, false, TimeSource.system())).build();
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return monitor.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        ex.nextSubmission();
        ex.nextSubmission();
        ex.complete("a (n=1)", 0);
        ex.complete("a (n=2)", 1);
        ex.nextSubmission();
        ex.complete("a (n=2)", 1);
        RunResult result = run.get(10, TimeUnit.SECONDS);
        assertThat(result.succeeded()).isFalse();
        String text = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        // Plain lines are throttled to one a second per process, so only the last one is certain.
        assertThat(lines.getLast()).as(text).isEqualTo("[100%] a 1/2 done | 1 retry, 1 failed");
        assertThat(lines).as("no line is printed twice in a row").doesNotHaveDuplicates();
    }

    /** Regression: "waiting for a seat" stayed on the process's line while the task ran. */
    @Test
    void aGatesWordOnTheWaitLeavesTheLineWhenTheTaskPassesTheGate() throws Exception {
        SteppedLoop loop = new SteppedLoop();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.clock = loop.clock;
        java.util.concurrent.atomic.AtomicReference<TaskPollingMonitor> monitor =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch statusSent = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch seatFree = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch secondSeatFree = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch secondGated = new java.util.concurrent.CountDownLatch(1);
        TaskPollingMonitor m = TaskPollingMonitor.builder(
                new RunOptions("t", dir.resolve("work"), Duration.ZERO, false), MonitorRuns.plans(dir, """
                        processes:
                          a: {command: [true], matrix: {n: [1, 2]}}
                        """))
                .executors(List.of(new ExecutorSetup(ex, 0, null, Duration.ofMillis(50), Settings.of(Map.of(), "test"))))
                .gates(List.of(LambdaGate.of("seat", task -> {
                    if (task.name().equals("a (n=1)")) {
                        monitor.get().reportStatus(task, "waiting for a seat");
                        statusSent.countDown();
                        seatFree.await();
                    } else {
                        secondGated.countDown();
                        secondSeatFree.await(); // still gated, so the line still shows gates and running
                    }
                })))
                .preparer(new WorkDirs(dir.resolve("work"), "t"))
                .listener(new ProgressDisplay(out, false, loop.clock)).time(loop.clock).wakeups(loop).build();
        monitor.set(m);
        CompletableFuture<RunResult> run = MonitorRuns.start(m);
        assertThat(statusSent.await(10, TimeUnit.SECONDS)).isTrue();
        // Task 2 counts in "seat: 2" only once its gate has started (reported before prepare() runs).
        assertThat(secondGated.await(10, TimeUnit.SECONDS)).isTrue();
        loop.advance(Duration.ofSeconds(1)); // plain lines come at most once a second
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList().getLast())
                .isEqualTo("[  0%] a 0/2 done | 2 gated (seat: 2) | task 1: waiting for a seat");

        seatFree.countDown();
        TaskLaunch launch = ex.nextSubmission();
        loop.advance(Duration.ofSeconds(1));
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList().getLast())
                .as(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("[  0%] a 0/2 done | 1 running, 1 gated (seat: 1)");

        ex.complete(launch.task().name(), 0);
        secondSeatFree.countDown();
        ex.complete(ex.nextSubmission().task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }
}
