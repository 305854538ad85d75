package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the submit threads' answers reach the loop: a quick launch waits for the loop's next wake-up
 * (which the loop bounds by itself), a failure or a late answer wakes it. On the real clock: on a test's
 * clock every answer wakes the loop, as {@link TaskPollingMonitorTest} relies on.
 */
class SubmitAnswersTest {
    @TempDir
    Path dir;

    private static final SubmittedTask LAUNCHED = new SubmittedTask("1", 1, "42");
    private static final long NOW = 1_000_000_000L;

    @Test
    void aLaunchAnsweredBeforeTheBoundWaitsForTheLoop() {
        assertThat(Launcher.quiet(new Launcher.Submitted(LAUNCHED, null), NOW + 1, NOW)).isTrue();
    }

    @Test
    void aLaunchAnsweredAtOrAfterTheBoundWakesTheLoop() {
        assertThat(Launcher.quiet(new Launcher.Submitted(LAUNCHED, null), NOW, NOW)).isFalse();
        assertThat(Launcher.quiet(new Launcher.Submitted(LAUNCHED, null), NOW - 1, NOW)).isFalse();
    }

    @Test
    void aFailedLaunchWakesTheLoopHoweverQuickly() {
        assertThat(Launcher.quiet(new Launcher.Submitted(null, new IllegalStateException("no")), NOW + 1, NOW))
                .isFalse();
    }

    @Test
    void withoutABoundEveryAnswerWakesTheLoop() {
        assertThat(Launcher.quiet(new Launcher.Submitted(LAUNCHED, null), Long.MIN_VALUE, NOW)).isFalse();
        assertThat(Launcher.quiet(new Launcher.Submitted(LAUNCHED, null), Long.MIN_VALUE, Long.MIN_VALUE + 1))
                .isFalse();
    }

    /** Each wait of the loop: how far ahead it asked to wake, and whether it was woken before that. */
    private record Wait(long askedNanos, boolean woken) {
    }

    private final List<Wait> waits = new CopyOnWriteArrayList<>();

    private final Wakeups recorded = (signal, wakeNanos) -> {
        long asked = wakeNanos - System.nanoTime();
        Wakeups.on(TimeSource.system()).awaitUntil(signal, wakeNanos);
        waits.add(new Wait(asked, System.nanoTime() < wakeNanos));
    };

    private List<Wait> since(int first) {
        List<Wait> all = List.copyOf(waits);
        return all.subList(first, all.size());
    }

    private TaskPollingMonitor monitor(FakeExecutor executor) throws Exception {
        return monitor(executor, """
                processes:
                  a: {command: [true]}
                """);
    }

    private TaskPollingMonitor monitor(FakeExecutor executor, String yaml) throws Exception {
        return TaskPollingMonitor.builder(new RunOptions("t", dir.resolve("work"), Duration.ZERO, false),
                MonitorRuns.plans(dir, yaml)).executors(List.of(new ExecutorSetup(executor, 0, null, Duration.ofSeconds(10),
                        Settings.of(Map.of(), "test"))))
                .preparer(new WorkDirs(dir.resolve("work"), "t")).time(TimeSource.system()).wakeups(recorded)
                .build();
    }

    @Test
    void afterAHandOverTheLoopLooksAgainWithinTwiceTheBoundAndTakesTheAnswers() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.concurrency = 2;
        // Twenty hand-overs, two at a time: a turn that runs past the bound (a cold start's class loading)
        // looks at its inbox instead, so not every one ends in a bounded wait, but a warm one does.
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, """
                processes:
                  a: {command: [true], matrix: {i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}}
                """));
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            names.add(ex.nextSubmission().task().name());
        }
        for (String name : names) {
            ex.complete(name, 0);
        }

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        // The executor's poll interval (10 s) and the loop's tick (250 ms) are far off: only the bound on
        // quiet answers has the loop wait this briefly.
        assertThat(waits).as("a wait bounded by the quiet answers' bound")
                .anyMatch(w -> w.askedNanos() > 0 && w.askedNanos() <= TimeUnit.MILLISECONDS.toNanos(2));
    }

    @Test
    void anAnswerThatComesAfterTheBoundWakesTheLoop() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.concurrency = 2;
        CountDownLatch hold = new CountDownLatch(1);
        ex.submitGate = hold;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ex.inSubmit.get() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        // Past the bound: the loop now waits a whole tick, unless the answer wakes it.
        Thread.sleep(20);
        int before = waits.size();
        hold.countDown();
        ex.nextSubmission();
        // A tick may end meanwhile; the wait the answer ends comes at the latest after it.
        while (since(before).stream().noneMatch(Wait::woken) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(since(before)).as("the late answer woke the loop").anyMatch(Wait::woken);
        ex.complete("a", 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }
}
