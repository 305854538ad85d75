package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

    private static final Launcher.Submitted LAUNCHED = new Launcher.Submitted(new SubmittedTask("1", 1, "42"), null);
    private static final long BOUND = 1_000_000_000L;

    /** What a delivery did, in order: "post", "enqueue", "wake". */
    private final List<String> calls = new ArrayList<>();

    private final Launcher.Answers recording = new Launcher.Answers() {
        @Override
        public void post(Runnable event) {
            calls.add("post");
        }

        @Override
        public void enqueue(Runnable event) {
            calls.add("enqueue");
        }

        @Override
        public void wake() {
            calls.add("wake");
        }
    };

    @Test
    void aLaunchQueuedBeforeItsBoundDoesNotWakeTheLoop() {
        Launcher.deliver(recording, LAUNCHED, () -> { }, BOUND, () -> BOUND - 1);

        assertThat(calls).containsExactly("enqueue");
    }

    @Test
    void aLaunchQueuedAtOrAfterItsBoundWakesTheLoopOnceQueued() {
        Launcher.deliver(recording, LAUNCHED, () -> { }, BOUND, () -> BOUND);
        Launcher.deliver(recording, LAUNCHED, () -> { }, BOUND, () -> BOUND + 1);

        assertThat(calls).containsExactly("enqueue", "wake", "enqueue", "wake");
    }

    @Test
    void theClockIsReadAfterTheAnswerIsQueued() {
        // The loop, past its own bound, looks at its inbox before sleeping: an answer queued after that look
        // must find the clock past the bound, so the clock is read only once the answer is in the inbox.
        Launcher.deliver(recording, LAUNCHED, () -> { }, BOUND, () -> {
            assertThat(calls).as("queued before the clock is read").containsExactly("enqueue");
            return BOUND + 1;
        });

        assertThat(calls).containsExactly("enqueue", "wake");
    }

    @Test
    void aFailedLaunchIsPostedHoweverQuickly() {
        Launcher.deliver(recording, new Launcher.Submitted(null, new IllegalStateException("no")), () -> { }, BOUND,
                () -> BOUND - 1);

        assertThat(calls).containsExactly("post");
    }

    @Test
    void withoutABoundEveryAnswerIsPosted() {
        Launcher.deliver(recording, LAUNCHED, () -> { }, Long.MIN_VALUE, () -> Long.MIN_VALUE + 1);

        assertThat(calls).containsExactly("post");
    }

    /** Each wait of the loop: how far ahead it asked to wake, and whether a signal ended it. */
    private record Wait(long askedNanos, boolean signalled) {
    }

    private final List<Wait> waits = new CopyOnWriteArrayList<>();

    private final Wakeups recorded = (signal, wakeNanos) -> {
        long asked = wakeNanos - System.nanoTime();
        waits.add(new Wait(asked, signal.await(asked)));
    };

    private List<Wait> since(int first) {
        List<Wait> all = List.copyOf(waits);
        return all.subList(first, all.size());
    }

    private TaskPollingMonitor monitor(FakeExecutor executor, Duration quietAnswers) throws Exception {
        return monitor(executor, quietAnswers, 1);
    }

    /** A monitor of {@code tasks} tasks of one process, on the real clock, its waits recorded. */
    private TaskPollingMonitor monitor(FakeExecutor executor, Duration quietAnswers, int tasks) throws Exception {
        StringBuilder matrix = new StringBuilder();
        for (int i = 1; i <= tasks; i++) {
            matrix.append(i == 1 ? "" : ", ").append(i);
        }
        return TaskPollingMonitor.builder(new RunOptions("t", dir.resolve("work"), Duration.ZERO, false),
                MonitorRuns.plans(dir, "processes:\n  a: {command: [true], matrix: {i: [" + matrix + "]}}\n"))
                .executors(List.of(new ExecutorSetup(executor, 0, null, Duration.ofSeconds(10),
                        Settings.of(Map.of(), "test"))))
                .preparer(new WorkDirs(dir.resolve("work"), "t")).time(TimeSource.system()).wakeups(recorded)
                .quietAnswers(quietAnswers).build();
    }

    /** Ends each task as it is submitted, until {@code n} have been. */
    private static void completeAsSubmitted(FakeExecutor ex, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            ex.complete(ex.nextSubmission().task().name(), 0);
        }
    }

    @Test
    void afterAHandOverTheLoopBoundsItsSleepByItself() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        // Four submit threads, so that three hand-overs of every four may be answered quietly.
        ex.concurrency = 4;
        // A bound of 100 ms: the loop's sleeps after a hand-over ask for at most 200 ms, while its tick is
        // 250 ms and the executor's poll interval 10 s. Twenty hand-overs: one turn slowed past the bound
        // (a collection, a starved thread) does not decide the test.
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, Duration.ofMillis(100), 20));
        completeAsSubmitted(ex, 20);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(waits).as("a sleep bounded by the quiet answers' bound").anyMatch(SubmitAnswersTest::bounded);
    }

    private static boolean bounded(Wait w) {
        return w.askedNanos() > 0 && w.askedNanos() <= TimeUnit.MILLISECONDS.toNanos(200);
    }

    @Test
    void theAnswerToTheLaunchThatTookTheLastSubmitThreadWakesTheLoop() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.concurrency = 2;
        // A bound far longer than the test waits: only the rule for the last thread wakes the loop.
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, Duration.ofSeconds(30), 2));
        ex.nextSubmission();
        ex.nextSubmission();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (waits.stream().noneMatch(Wait::signalled) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(waits).as("the second answer woke the loop").anyMatch(Wait::signalled);
        ex.complete("a (i=1)", 0);
        ex.complete("a (i=2)", 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }

    @Test
    void anAnswerThatComesAfterTheBoundWakesTheLoop() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.concurrency = 2;
        CountDownLatch hold = new CountDownLatch(1);
        ex.submitGate = hold;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, Duration.ofMillis(1)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ex.inSubmit.get() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        // Past the bound: the loop now sleeps a whole tick, unless the answer wakes it.
        Thread.sleep(20);
        int before = waits.size();
        hold.countDown();
        String name = ex.nextSubmission().task().name();
        while (since(before).stream().noneMatch(Wait::signalled) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(since(before)).as("the late answer woke the loop").anyMatch(Wait::signalled);
        ex.complete(name, 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }
}
