package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.task.TaskState;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.AttemptOutcome.Kind;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.LaunchCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gate that holds something for a task (a licence seat here, a GPU in the gpu plugin) gets it back
 * however the attempt ends: success, failure, retry, time limit, kill, cancel while gated, host shutdown.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AttemptEndedTest {
    @TempDir
    Path dir;

    private final FakeExecutor executor = new FakeExecutor(ExecutorCapacity.unlimited());
    /** The loop on a fake clock: time moves only when a test moves it. */
    private final SteppedLoop loop = new SteppedLoop();

    /** Each task's latest state, by name, as the monitor's listener saw it. */
    private final Map<String, TaskState> states = new ConcurrentHashMap<>();

    private TaskPollingMonitor monitor(String yaml, TaskReadinessGate... gates) throws Exception {
        return monitor(yaml, 0, List.of(), gates);
    }

    private TaskPollingMonitor monitor(String yaml, int queueSize, List<TaskWrapper> wrappers,
            TaskReadinessGate... gates) throws Exception {
        List<ProcessPlan> plans = MonitorRuns.plans(dir, yaml);
        return TaskPollingMonitor.builder(new RunOptions("t", dir.resolve("work"), Duration.ZERO,
                false), plans).executors(List.of(new ExecutorSetup(executor, queueSize, null, Duration.ofMillis(50),
                        Settings.of(Map.of(), "test"))))
                .gates(List.of(gates)).wrappers(wrappers).preparer(new WorkDirs(dir.resolve("work"), "t"))
                .time(loop.clock).wakeups(loop)
                .listener(new RunListener() {
                    @Override
                    public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
                        states.put(task.name(), to);
                    }
                }).build();
    }

    @Test
    void succeededAttemptsGiveTheSeatBackSoTheNextTaskGetsIt() throws Exception {
        SeatGate seat = new SeatGate(1);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}}
                """, seat));
        TaskLaunch first = executor.nextSubmission();
        // What the gate assigned reaches the executor on the task it launches.
        assertThat(first.task().assigned()).isEqualTo(Map.of("seat", List.of("seat-of-" + first.task().id())));
        loop.awaitIdle();
        assertThat(executor.submissions.poll()).as("one seat: the second task waits").isNull();
        executor.complete(first.task().name(), 0);
        TaskLaunch second = executor.nextSubmission();
        executor.complete(second.task().name(), 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(seat.kinds()).containsExactly(Kind.SUCCEEDED, Kind.SUCCEEDED);
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void aFailedAttemptGivesItBackWithItsExitCode() throws Exception {
        SeatGate seat = new SeatGate(1);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [false]}
                """, seat));
        executor.complete(executor.nextSubmission().task().name(), 3);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isFalse();
        assertThat(seat.ended).singleElement().satisfies(e -> {
            assertThat(e.outcome().kind()).isEqualTo(Kind.FAILED);
            assertThat(e.outcome().exitCode()).isEqualTo(3);
            assertThat(e.outcome().willRetry()).isFalse();
            assertThat(e.outcome().reason()).contains("exited with code 3");
        });
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void aRetriedAttemptGivesItBackBeforeTheRetryIsGatedAgain() throws Exception {
        SeatGate seat = new SeatGate(1);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], errorStrategy: retry, maxRetries: 1}
                """, seat));
        executor.complete(executor.nextSubmission().task().name(), 1);
        loop.advance(Backoff.DEFAULT.delayBefore(2));
        TaskLaunch retry = executor.nextSubmission();
        assertThat(retry.task().attempt()).isEqualTo(2);
        executor.complete(retry.task().name(), 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(seat.ended).extracting(SeatGate.Ended::attempt).containsExactly(1, 2);
        assertThat(seat.ended.get(0).outcome().willRetry()).isTrue();
        assertThat(seat.kinds()).containsExactly(Kind.FAILED, Kind.SUCCEEDED);
        assertThat(seat.admitted).containsExactly("a#1", "a#2");
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void anAttemptKilledAtItsTimeLimitGivesItBackAsTimedOut() throws Exception {
        SeatGate seat = new SeatGate(1);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  slow: {command: [true], resources: {time: 300ms}}
                """, seat));
        executor.nextSubmission();
        loop.awaitIdle();
        loop.clock.advance(Duration.ofMillis(300));
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.tasks().get(0).state()).isEqualTo(TaskState.FAILED);
        assertThat(seat.kinds()).containsExactly(Kind.TIMED_OUT);
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void aRunningAttemptKilledBecauseTheRunStoppedGivesItBackAsKilled() throws Exception {
        SeatGate seat = new SeatGate(1);
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, seat);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        executor.nextSubmission();
        monitor.cancel("stop signal");

        assertThat(run.get(10, TimeUnit.SECONDS).cancelled()).isTrue();
        assertThat(seat.kinds()).containsExactly(Kind.KILLED);
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void anAttemptCancelledWhileAnotherOfItsGatesStillWaitsGivesItBackAsCancelled() throws Exception {
        SeatGate seat = new SeatGate(1);
        TaskReadinessGate never = LambdaGate.of("never", task -> Thread.sleep(Long.MAX_VALUE));
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, seat, never);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seat.admitted.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(seat.admitted).containsExactly("a#1");
        monitor.cancel("stop signal");

        assertThat(run.get(10, TimeUnit.SECONDS).cancelled()).isTrue();
        assertThat(seat.kinds()).containsExactly(Kind.CANCELLED);
        assertThat(seat.allReturned()).isTrue();
        assertThat(executor.submissions).isEmpty();
    }

    @Test
    void attemptsStillHeldWhenTheHostShutsDownGiveItBackAsShutdown() throws Exception {
        SeatGate seat = new SeatGate(1);
        executor.honourKills = false; // the kill at shutdown is never confirmed
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, seat);
        Thread host = Thread.ofPlatform().name("host-under-test").unstarted(() -> {
            try {
                monitor.run();
            } catch (InterruptedException e) {
                // the shutdown under test
            }
        });
        host.start();
        executor.nextSubmission();
        host.interrupt(); // the host going down mid-run
        host.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(host.isAlive()).isFalse();
        assertThat(executor.killed).containsExactly("1");
        assertThat(seat.kinds()).containsExactly(Kind.SHUTDOWN);
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void anAttemptStillQueuedWhenTheRunStopsGivesItBackAsCancelled() throws Exception {
        SeatGate seat = new SeatGate(2);
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}}
                """, 1, List.of(), seat);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        TaskLaunch first = executor.nextSubmission();
        String second = first.task().name().equals("a (i=1)") ? "a (i=2)" : "a (i=1)";
        await("the second task passed its gates and waits for the executor's one slot",
                () -> states.get(second) == TaskState.QUEUED);
        monitor.cancel("stop signal");

        assertThat(run.get(10, TimeUnit.SECONDS).cancelled()).isTrue();
        assertThat(seat.ended).extracting(e -> e.taskName() + ":" + e.outcome().kind())
                .containsExactlyInAnyOrder(first.task().name() + ":KILLED", second + ":CANCELLED");
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void anAttemptTheExecutorCouldNotLaunchGivesItBackAsFailed() throws Exception {
        SeatGate seat = new SeatGate(1);
        executor.submitFailure = new IllegalStateException("no slot for you");
        RunResult r = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, seat)).get(10, TimeUnit.SECONDS);

        assertThat(r.tasks().get(0).state()).isEqualTo(TaskState.FAILED);
        assertThat(r.tasks().get(0).error()).isEqualTo("submitting failed: no slot for you");
        assertThat(seat.kinds()).containsExactly(Kind.FAILED);
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void anAttemptAWrapperRefusedGivesItBackAsFailed() throws Exception {
        SeatGate seat = new SeatGate(1);
        TaskWrapper refusing = new TaskWrapper() {
            @Override
            public String id() {
                return "refusing";
            }

            @Override
            public LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException {
                throw new TaskException("the image is gone");
            }
        };
        RunResult r = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, 0, List.of(refusing), seat)).get(10, TimeUnit.SECONDS);

        assertThat(r.tasks().get(0).error()).isEqualTo("the image is gone");
        assertThat(seat.kinds()).containsExactly(Kind.FAILED);
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void anAttemptWhoseGatesPassedJustAsTheRunStoppedGivesItBackAsCancelled() throws Exception {
        // The gate thread has decided "passed" but is still asking the gates what they assigned when the
        // run stops: the monitor has moved the task on by the time the verdict arrives.
        CountDownLatch inAssigned = new CountDownLatch(1);
        CountDownLatch letAssignedReturn = new CountDownLatch(1);
        SeatGate seat = new SeatGate(3) {
            @Override
            public Map<String, List<String>> assigned(TaskHandle task) {
                if (task.name().equals("a")) {
                    inAssigned.countDown();
                    try {
                        letAssignedReturn.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.assigned(task);
            }
        };
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                  b: {command: [true], errorStrategy: finish}
                  c: {command: [true]}
                """, seat));
        assertThat(inAssigned.await(10, TimeUnit.SECONDS)).isTrue();
        Map<String, TaskLaunch> launched = new java.util.HashMap<>();
        for (int i = 0; i < 2; i++) {
            TaskLaunch launch = executor.nextSubmission();
            launched.put(launch.task().name(), launch);
        }
        executor.complete("b", 1); // errorStrategy finish: nothing new starts, c runs on
        await("a cancelled while its verdict is on the way", () -> states.get("a") == TaskState.CANCELLED);
        letAssignedReturn.countDown();
        await("a's seat back", () -> seat.ended.stream().anyMatch(e -> e.taskName().equals("a")));
        executor.complete("c", 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isFalse();
        assertThat(launched).containsOnlyKeys("b", "c");
        assertThat(seat.ended).extracting(e -> e.taskName() + ":" + e.outcome().kind())
                .containsExactlyInAnyOrder("a:CANCELLED", "b:FAILED", "c:SUCCEEDED");
        assertThat(seat.allReturned()).isTrue();
    }

    @Test
    void aKilledAttemptWhoseEndIsNeverConfirmedIsReportedAsAbandoned() throws Exception {
        SeatGate seat = new SeatGate(1);
        executor.honourKills = false;
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, seat);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        executor.nextSubmission();
        monitor.cancel("stop");

        // The monitor gives up on the kill after the grace (zero here) and its confirmation time.
        loop.awaitIdle();
        loop.clock.advance(KillSchedule.CONFIRM);
        assertThat(run.get(10, TimeUnit.SECONDS).cancelled()).isTrue();
        assertThat(seat.kinds()).containsExactly(Kind.ABANDONED);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 10 s for " + what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void withNoGateThatHoldsAnythingTasksCarryNoAssignment() throws Exception {
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, LambdaGate.of("plain", task -> { })));
        TaskLaunch launch = executor.nextSubmission();
        assertThat(launch.task().assigned()).isEmpty();
        executor.complete(launch.task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }
}
