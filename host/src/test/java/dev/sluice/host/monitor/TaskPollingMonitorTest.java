package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.task.TaskState;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.kit.HealthProbeLoop;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Health;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.WrappedTask;
import dev.sluice.spi.TaskReadinessGate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's rules on a hand-written executor: DAG, capacity, error strategies, retries, gates,
 * health. The loop runs on a fake clock ({@link SteppedLoop}): time moves only when a test moves it,
 * and "nothing happened" is checked once the loop is idle, never by waiting.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TaskPollingMonitorTest {
    @TempDir
    Path dir;

    private final SteppedLoop loop = new SteppedLoop();

    private final List<String> transitions = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The tasks that reported a status, by name, for tests that look at it. */
    private final Map<String, TaskProgress> statuses = new ConcurrentHashMap<>();
    /** Each task's native id as the monitor gave it when the task went running, by name. */
    private final Map<String, String> runningAs = new ConcurrentHashMap<>();

    private TaskPollingMonitor monitor(String yaml, FakeExecutor executor, int queueSize,
            List<TaskReadinessGate> gates, List<TaskHealthMonitor> health) throws Exception {
        return monitor(yaml, executor, queueSize, gates, List.of(), health);
    }

    /** Runs the monitor of {@link #monitor} is built with as killed, and those whose leftovers were ended. */
    private List<String> killedRuns = List.of();
    private final List<String> settled = new java.util.concurrent.CopyOnWriteArrayList<>();

    private TaskPollingMonitor monitor(String yaml, FakeExecutor executor, int queueSize,
            List<TaskReadinessGate> gates, List<TaskWrapper> wrappers, List<TaskHealthMonitor> health)
            throws Exception {
        executor.clock = loop.clock;
        RunListener recorder = new RunListener() {
            @Override
            public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
                transitions.add(task.name() + ":" + to.label());
                if (to == TaskState.RUNNING) {
                    runningAs.put(task.name(), task.nativeId());
                }
            }

            @Override
            public void statusChanged(TaskProgress task) {
                statuses.put(task.name(), task);
            }

            @Override
            public void loopEnded() {
                transitions.add("(run):loop-ended");
            }

            @Override
            public void gateStarted(TaskProgress task, String gateId, java.time.Instant at) {
                transitions.add(task.name() + ":gate-started:" + gateId);
            }

            @Override
            public void gateFinished(TaskProgress task, String gateId, java.time.Instant at, Throwable failure) {
                transitions.add(task.name() + ":gate-finished:" + gateId + ":" + (failure == null ? "passed"
                        : failure instanceof InterruptedException ? "interrupted" : failure.getMessage()));
            }
        };
        return TaskPollingMonitor.builder(new RunOptions("t", dir.resolve("work"), Duration.ZERO,
                false), MonitorRuns.plans(dir, yaml)).executors(List.of(new ExecutorSetup(executor, queueSize, null,
                        Duration.ofMillis(50), Settings.of(Map.of(), "test"))))
                .gates(gates).wrappers(wrappers).healthMonitors(health)
                .preparer(new WorkDirs(dir.resolve("work"), "t")).listener(recorder).killedRuns(killedRuns, settled::add)
                .time(loop.clock).wakeups(loop).build();
    }

    private static FakeExecutor unlimited() {
        return new FakeExecutor(ExecutorCapacity.unlimited());
    }

    private static TaskState stateOf(RunResult r, String name) {
        return r.tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().state();
    }

    @Test
    void dependentProcessStartsOnlyAfterEveryUpstreamTaskSucceeded() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}}
                  b: {command: [true], dependsOn: [a]}
                """, ex, 0, List.of(), List.of()));
        List<String> first = List.of(ex.nextSubmission().task().name(), ex.nextSubmission().task().name());
        assertThat(first).containsExactlyInAnyOrder("a (i=1)", "a (i=2)");
        ex.complete("a (i=1)", 0);
        loop.awaitIdle();
        assertThat(ex.submissions.poll()).as("b waits for a (i=2)").isNull();
        ex.complete("a (i=2)", 0);
        assertThat(ex.nextSubmission().task().name()).isEqualTo("b");
        ex.complete("b", 0);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.counts()).containsEntry(TaskState.SUCCEEDED, 3);
    }

    @Test
    void theLoopsEndIsHeardBeforeTheExecutorsShutDown() throws Exception {
        // Files written in batches (trace, events) write the run's last lines there, not after a slow shutdown.
        FakeExecutor ex = unlimited();
        ex.onClose = () -> transitions.add("(executor):closed");
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        ex.complete("a", 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(transitions).containsSubsequence("a:succeeded", "(run):loop-ended", "(executor):closed");
    }

    private static String matrixOf(int n) {
        return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /** The most tasks ever prepared (gated or queued) and not yet submitted, replayed from the transitions. */
    private int mostAhead() {
        int ahead = 0;
        int most = 0;
        java.util.Map<String, String> last = new java.util.HashMap<>();
        for (String t : transitions) {
            String name = t.substring(0, t.lastIndexOf(':'));
            String to = t.substring(t.lastIndexOf(':') + 1);
            String from = last.put(name, to);
            if ("gated".equals(from) || "queued".equals(from)) {
                ahead--;
            }
            if ("gated".equals(to) || "queued".equals(to)) {
                ahead++;
            }
            most = Math.max(most, ahead);
        }
        return most;
    }

    @Test
    void anExecutorThatLaunchesAheadIsHandedThatManyTasksBeyondItsCapacityAndNoMore() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(2, 0, 0));
        ex.ahead = 3;
        int n = 12;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(
                "processes:\n  a: {command: [true], matrix: {i: " + matrixOf(n) + "}}\n", ex, 0, List.of(), List.of()));
        List<String> handed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            handed.add(ex.nextSubmission().task().name());
        }
        loop.awaitIdle();
        assertThat(ex.submissions).as("two that fit the capacity and three ahead, no sixth").isEmpty();

        ex.complete(handed.get(0), 0);
        handed.add(ex.nextSubmission().task().name());
        loop.awaitIdle();
        assertThat(ex.submissions).as("an end frees room for one more, not two").isEmpty();

        for (int done = 1; done < n; done++) {
            ex.complete(handed.get(done), 0);
            if (handed.size() < n) {
                handed.add(ex.nextSubmission().task().name());
            }
        }
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.counts()).containsEntry(TaskState.SUCCEEDED, n);
        assertThat(ex.peakActive.get()).as("never more than the capacity plus the launches ahead").isEqualTo(5);
    }

    @Test
    void withoutLaunchesAheadOnlyWhatFitsIsHandedOver() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(2, 0, 0));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(
                "processes:\n  a: {command: [true], matrix: {i: " + matrixOf(4) + "}}\n", ex, 0, List.of(), List.of()));
        List<String> handed = new ArrayList<>(List.of(ex.nextSubmission().task().name(),
                ex.nextSubmission().task().name()));
        loop.awaitIdle();
        assertThat(ex.submissions).as("the capacity, 2, and nothing ahead").isEmpty();
        for (int done = 0; done < 4; done++) {
            ex.complete(handed.get(done), 0);
            if (handed.size() < 4) {
                handed.add(ex.nextSubmission().task().name());
            }
        }
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(ex.peakActive.get()).isEqualTo(2);
    }

    @Test
    void anIdTheExecutorLearnsAtTheStartIsTheTasksNativeIdFromThen() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(1, 0, 0));
        ex.pendingUntilStarted = true;
        List<SubmittedTask> probed = new java.util.concurrent.CopyOnWriteArrayList<>();
        TaskHealthMonitor watcher = new TaskHealthMonitor() {
            @Override
            public String id() {
                return "watcher";
            }

            @Override
            public Duration period() {
                return HealthProbeLoop.MIN_PERIOD;
            }

            @Override
            public Health probe(TaskHandle task, SubmittedTask submitted) {
                probed.add(submitted);
                return Health.ok();
            }
        };
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("processes:\n  a: {command: [true]}\n", ex, 0,
                List.of(), List.of(), List.of(watcher)));
        ex.nextSubmission();
        String submittedAs = ex.nativeIdOf("a");
        loop.awaitIdle();
        assertThat(transitions).as("pending at the executor").doesNotContain("a:running");

        ex.startAs("a", "4242");
        loop.awaitIdle();
        assertThat(runningAs).as("the id the task went running with").containsEntry("a", "4242");
        assertThat(submittedAs).isNotEqualTo("4242");
        loop.clock.awaitSleepers(1, Duration.ofSeconds(10)); // the probe, waiting for its first period
        loop.clock.advance(HealthProbeLoop.MIN_PERIOD);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (probed.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        ex.complete("a", 0);

        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(probed).as("the health monitor probed with the id learnt at the start").isNotEmpty()
                .allSatisfy(s -> assertThat(s.nativeId()).isEqualTo("4242"));
    }

    @Test
    void tasksArePreparedAFewHundredAheadOfTheirSubmissionNotAllAtTheirRelease() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(2, 0, 0));
        int n = Dispatcher.AHEAD + 40;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(
                "processes:\n  a: {command: [true], matrix: {i: " + matrixOf(n) + "}}\n", ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        ex.nextSubmission();
        loop.awaitIdle();
        assertThat(transitions.stream().filter(t -> t.endsWith(":queued")))
                .as("two submitted, the next %d prepared, the rest not yet", Dispatcher.AHEAD)
                .hasSize(Dispatcher.AHEAD + 2);
        try (var dirs = java.nio.file.Files.walk(dir.resolve("work"), 2)) {
            assertThat(dirs.filter(d -> d.getNameCount() == dir.resolve("work").getNameCount() + 2
                    && d.getParent().getFileName().toString().length() == 2))
                    .as("work directories are made as tasks are taken up").hasSize(Dispatcher.AHEAD + 2);
        }
        for (int done = 0; done < n; done++) {
            TaskLaunch next = done < 2 ? null : ex.nextSubmission();
            ex.complete(next == null ? "a (i=" + (done + 1) + ")" : next.task().name(), 0);
        }
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.counts()).containsEntry(TaskState.SUCCEEDED, n);
        assertThat(mostAhead()).isEqualTo(Dispatcher.AHEAD);
    }

    @Test
    void aProcessWhoseTasksWaitInGatesHoldsUpNoOtherProcessOfItsExecutor() throws Exception {
        FakeExecutor ex = unlimited();
        CountDownLatch open = new CountDownLatch(1);
        TaskReadinessGate waitsForA = gate("held", task -> {
            if (task.processName().equals("a")) {
                open.await();
            }
        });
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("processes:\n  a: {command: [true], matrix: {i: "
                + matrixOf(Dispatcher.AHEAD + 10) + "}}\n  b: {command: [true]}\n", ex, 0, List.of(waitsForA),
                List.of()));
        TaskLaunch first = ex.nextSubmission();
        assertThat(first.task().name()).as("b goes while a's tasks wait in their gate").isEqualTo("b");
        ex.complete("b", 0);
        open.countDown();
        for (int i = 0; i < Dispatcher.AHEAD + 10; i++) {
            ex.complete(ex.nextSubmission().task().name(), 0);
        }
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }

    @Test
    void aStopCancelsTheTasksNotYetTakenUp() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(1, 0, 0));
        int n = Dispatcher.AHEAD + 40;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(
                "processes:\n  a: {command: [true], matrix: {i: " + matrixOf(n) + "}}\n", ex, 0, List.of(), List.of()));
        TaskLaunch first = ex.nextSubmission();
        ex.complete(first.task().name(), 3);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.counts()).containsExactlyInAnyOrderEntriesOf(Map.of(TaskState.FAILED, 1, TaskState.CANCELLED, n - 1));
        assertThat(ex.submissions).as("nothing else was submitted").isEmpty();
    }

    @Test
    void executorsEndWhatKilledRunsLeftBeforeTheFirstSubmitAndARunTheyCouldNotEndStaysMarked() throws Exception {
        killedRuns = List.of("r1", "r2");
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        assertThat(ex.leftoversEnded).as("before the first submit, the newest first").containsExactly("r2", "r1");
        ex.complete("a", 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(settled).containsExactly("r2", "r1");

        settled.clear();
        FakeExecutor down = unlimited();
        down.leftoversFail = true;
        CompletableFuture<RunResult> second = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, down, 0, List.of(), List.of()));
        down.nextSubmission();
        down.complete("a", 0);
        assertThat(second.get(10, TimeUnit.SECONDS).succeeded()).as("the run goes on").isTrue();
        assertThat(settled).as("offered again next time").isEmpty();
    }

    @Test
    void terminateKillsTheOtherRunningTasksAndCancelsTheRest() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}}
                  b: {command: [true], dependsOn: [a]}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        ex.nextSubmission();
        ex.complete("a (i=1)", 2);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isFalse();
        assertThat(stateOf(r, "a (i=1)")).isEqualTo(TaskState.FAILED);
        assertThat(stateOf(r, "a (i=2)")).isEqualTo(TaskState.CANCELLED);
        assertThat(stateOf(r, "b")).isEqualTo(TaskState.CANCELLED);
        assertThat(ex.killed).containsExactly("2");
        assertThat(r.tasks().get(0).error()).isEqualTo("exited with code 2");
    }

    @Test
    void finishLetsRunningTasksEndButStartsNothingNew() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(2, 0, 0));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2, 3]}, errorStrategy: finish}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        ex.nextSubmission();
        ex.complete("a (i=1)", 1);
        loop.awaitIdle();
        assertThat(ex.submissions.poll()).as("a (i=3) never starts").isNull();
        assertThat(run).isNotDone();
        ex.complete("a (i=2)", 0);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(ex.killed).isEmpty();
        assertThat(stateOf(r, "a (i=2)")).isEqualTo(TaskState.SUCCEEDED);
        assertThat(stateOf(r, "a (i=3)")).isEqualTo(TaskState.CANCELLED);
        assertThat(r.succeeded()).isFalse();
    }

    @Test
    void ignoredFailureLetsDependentsRunAndTheRunSucceed() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], errorStrategy: ignore}
                  b: {command: [true], dependsOn: [a]}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        ex.complete("a", 1);
        assertThat(ex.nextSubmission().task().name()).isEqualTo("b");
        ex.complete("b", 0);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.IGNORED);
        assertThat(r.succeeded()).isTrue();
    }

    @Test
    void retryRunsANewAttemptInANewWorkDirAfterTheBackoff() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a:
                    command: [true]
                    errorStrategy: retry
                    maxRetries: 2
                    retryBackoff: {initial: 10ms, max: 10ms, multiplier: 1}
                """, ex, 0, List.of(), List.of()));
        TaskLaunch first = ex.nextSubmission();
        ex.complete("a", 1);
        loop.awaitIdle();
        assertThat(ex.submissions).as("not before the backoff").isEmpty();
        loop.advance(Duration.ofMillis(10));
        TaskLaunch second = ex.nextSubmission();
        assertThat(second.task().attempt()).isEqualTo(2);
        assertThat(second.task().key()).isEqualTo(first.task().key());
        assertThat(second.task().workDir()).isNotEqualTo(first.task().workDir());
        assertThat(second.command().environment()).containsEntry("SLUICE_TASK_ATTEMPT", "2");
        ex.complete("a", 0);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isTrue();
        assertThat(transitions).containsSubsequence("a:submitted", "a:retry-wait", "a:queued", "a:submitted", "a:succeeded");
        // Each try is kept as it ended, the first one's exit code and work directory included.
        List<Attempt> tries = r.tasks().get(0).attempts();
        assertThat(tries).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(tries).extracting(Attempt::exitCode).containsExactly(1, 0);
        assertThat(tries.get(0).task().workDir()).isEqualTo(first.task().workDir());
        assertThat(tries.get(1).times().submittedAt()).isAfter(tries.get(0).times().completedAt());
        // The try that succeeded let go of its handle and files once the task settled; its figures stay.
        assertThat(tries.get(1).task()).isNull();
        assertThat(tries.get(1).files()).isNull();
        assertThat(r.tasks().get(0).submittedAt()).isNotNull();
    }

    @Test
    void retriesRunOutThenTheRunFails() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a:
                    command: [true]
                    errorStrategy: retry
                    maxRetries: 1
                    retryBackoff: {initial: 1ms, max: 1ms, multiplier: 1}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        ex.complete("a", 1);
        loop.advance(Duration.ofMillis(1));
        assertThat(ex.nextSubmission().task().attempt()).isEqualTo(2);
        ex.complete("a", 1);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.FAILED);
        assertThat(r.tasks().get(0).attempt()).isEqualTo(2);
    }

    @Test
    void cpuCapacityBoundsHowManyTasksRunAtOnce() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(4, 0, 0));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2, 3, 4, 5]}, resources: {cpus: 2}}
                """, ex, 0, List.of(), List.of()));
        // Regression (racy test): completing each task as soon as it appeared let the peak be 1.
        List<String> running = new ArrayList<>(List.of(ex.nextSubmission().task().name(),
                ex.nextSubmission().task().name()));
        loop.awaitIdle();
        assertThat(ex.submissions.poll()).as("4 cpus hold two 2-cpu tasks").isNull();
        for (int done = 0; done < 5; done++) {
            ex.complete(running.remove(0), 0);
            if (done < 3) {
                running.add(ex.nextSubmission().task().name());
            }
        }
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(ex.peakActive.get()).isEqualTo(2);
    }

    @Test
    void queueSizeBoundsSubmittedTasks() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2, 3, 4]}}
                """, ex, 3, List.of(), List.of()));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            names.add(ex.nextSubmission().task().name());
        }
        loop.awaitIdle();
        assertThat(ex.submissions.poll()).isNull();
        ex.complete(names.get(0), 0);
        TaskLaunch fourth = ex.nextSubmission();
        names.subList(1, 3).forEach(n -> ex.complete(n, 0));
        ex.complete(fourth.task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(ex.peakActive.get()).isEqualTo(3);
    }

    @Test
    void taskLargerThanTheExecutorFailsAtOnceWithTheNumbers() throws Exception {
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(2, 1L << 30, 0));
        RunResult r = MonitorRuns.start(monitor("""
                processes:
                  big: {command: [true], resources: {memory: 4GB}}
                """, ex, 0, List.of(), List.of())).get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "big")).isEqualTo(TaskState.FAILED);
        assertThat(r.tasks().get(0).error()).contains("asks for 4 GB of memory but the local executor has 1 GB");
        assertThat(ex.submissions).isEmpty();
    }

    @Test
    void tasksPassThroughEveryGateBeforeSubmission() throws Exception {
        FakeExecutor ex = unlimited();
        CountDownLatch open = new CountDownLatch(1);
        Map<String, Boolean> passed = new ConcurrentHashMap<>();
        TaskReadinessGate slow = gate("slow", task -> {
            open.await();
            passed.put(task.name(), true);
        });
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(slow), List.of()));
        loop.awaitIdle();
        assertThat(ex.submissions.poll()).isNull();
        open.countDown();
        TaskLaunch l = ex.nextSubmission();
        assertThat(passed).containsKey("a");
        ex.complete(l.task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(transitions).containsSubsequence("a:gated", "a:queued", "a:submitted");
    }

    @Test
    void withoutGatesTasksGoStraightToTheQueue() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of()));
        ex.complete(ex.nextSubmission().task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(transitions).doesNotContain("a:gated");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("gate-"));
    }

    @Test
    void gateFailureFailsTheTaskThroughItsErrorStrategy() throws Exception {
        FakeExecutor ex = unlimited();
        TaskReadinessGate refusing = gate("licence", task -> {
            throw new TaskException("no licence seat for " + task.name());
        });
        RunResult r = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], errorStrategy: ignore}
                """, ex, 0, List.of(refusing), List.of())).get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.IGNORED);
        assertThat(r.tasks().get(0).error()).isEqualTo("gate 'licence': no licence seat for a");
        assertThat(ex.submissions).isEmpty();
    }

    @Test
    void retryableGateFailureIsRetriedUnderTheDefaultStrategy() throws Exception {
        FakeExecutor ex = unlimited();
        AtomicInteger calls = new AtomicInteger();
        TaskReadinessGate flaky = gate("flaky", task -> {
            if (calls.incrementAndGet() == 1) {
                throw new RetryableTaskException("service busy");
            }
        });
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], retryBackoff: {initial: 1ms, max: 1ms, multiplier: 1}}
                """, ex, 0, List.of(flaky), List.of()));
        awaitTransition("a:retry-wait");
        loop.advance(Duration.ofMillis(1));
        TaskLaunch l = ex.nextSubmission();
        assertThat(l.task().attempt()).isEqualTo(2);
        ex.complete(l.task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }

    @Test
    void listenersHearEachGatesStartAndEndAlsoOfAGateInterruptedByAnothersFailure() throws Exception {
        FakeExecutor ex = unlimited();
        CountDownLatch slowStarted = new CountDownLatch(1);
        TaskReadinessGate refusing = gate("licence", task -> {
            if (task.name().equals("a")) {
                slowStarted.await(10, TimeUnit.SECONDS);
                throw new TaskException("no seat");
            }
        });
        TaskReadinessGate slow = gate("slow", task -> {
            if (task.name().equals("a")) {
                slowStarted.countDown();
                Thread.sleep(60_000);
            }
        });
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], errorStrategy: ignore}
                  b: {command: [true]}
                """, ex, 0, List.of(refusing, slow), List.of()));
        TaskLaunch b = ex.nextSubmission();
        // A gate's end, unlike its verdict, does not wake the loop: it is shown at the next turn.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!transitions.contains("a:gate-finished:slow:interrupted") && System.nanoTime() < deadline) {
            loop.advance(Duration.ofMillis(250));
        }
        ex.complete(b.task().name(), 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(transitions).contains("a:gate-started:licence", "a:gate-started:slow",
                "a:gate-finished:licence:no seat", "a:gate-finished:slow:interrupted",
                "b:gate-started:licence", "b:gate-finished:licence:passed",
                "b:gate-started:slow", "b:gate-finished:slow:passed");
        // The interrupted gate may end before or after the verdict; it is heard either way.
        assertThat(transitions).containsSubsequence("a:gate-started:slow", "a:gate-finished:slow:interrupted");
    }

    @Test
    void uncheckedGateExceptionFailsTheTaskInWordsWithoutItsJavaType() throws Exception {
        FakeExecutor ex = unlimited();
        TaskReadinessGate buggy = gate("buggy", task -> {
            throw new IllegalStateException("index out of whack");
        });
        RunResult r = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(buggy), List.of())).get(10, TimeUnit.SECONDS);
        assertThat(r.tasks().get(0).error()).isEqualTo("gate 'buggy': failed unexpectedly: index out of whack"
                + " (a fault in the gate; the run's log has its stack trace)");
    }

    /** Regression: "gate 'quota': gate 'quota' gave up ..." in the trace, the events and the summary. */
    @Test
    void aGateThatGivesUpIsNamedOnceInTheTasksError() throws Exception {
        FakeExecutor ex = unlimited();
        TaskReadinessGate quota = gate("quota", task -> dev.sluice.spi.GatePolicy.of("quota", task, null)
                .await(loop.clock, Duration.ofSeconds(1), "a free token", () -> false));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], hints: {quota/maxWait: 2s}}
                """, ex, 0, List.of(quota), List.of()));
        for (int i = 0; i < 2; i++) {
            loop.clock.awaitSleepers(1, Duration.ofSeconds(10)); // the gate, between two looks
            loop.clock.advance(Duration.ofSeconds(1));
        }
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.tasks().get(0).error()).isEqualTo("gate 'quota': gave up after 2s waiting for a free token"
                + " (raise the hint quota/maxWait, or set quota/skip: true to opt out)");
        assertThat(transitions).contains("a:gate-finished:quota:gave up after 2s waiting for a free token"
                + " (raise the hint quota/maxWait, or set quota/skip: true to opt out)");
    }

    /** Regression: a gate's "waiting for a seat" stayed the task's status after the gate let it through. */
    @Test
    void aGatesStatusIsClearedWhenTheTaskLeavesItsGates() throws Exception {
        FakeExecutor ex = unlimited();
        java.util.concurrent.atomic.AtomicReference<TaskPollingMonitor> monitor =
                new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch statusSent = new CountDownLatch(2);
        CountDownLatch seatFree = new CountDownLatch(1);
        TaskReadinessGate seat = gate("seat", task -> {
            monitor.get().reportStatus(task, "waiting for a seat");
            statusSent.countDown();
            if (task.name().equals("a")) {
                seatFree.await();
            } else {
                Thread.sleep(60_000); // b is cancelled while it waits
            }
        });
        monitor.set(monitor("""
                processes:
                  a: {command: [true]}
                  b: {command: [true]}
                """, ex, 0, List.of(seat), List.of()));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor.get());
        assertThat(statusSent.await(10, TimeUnit.SECONDS)).isTrue();
        loop.awaitIdle();
        assertThat(statuses.get("a").status()).isEqualTo("waiting for a seat");
        assertThat(statuses.get("b").status()).isEqualTo("waiting for a seat");

        seatFree.countDown();
        TaskLaunch a = ex.nextSubmission();
        loop.awaitIdle();
        assertThat(statuses.get("a").status()).as("a runs").isNull();
        monitor.get().cancel("stop");
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "b")).isEqualTo(TaskState.CANCELLED);
        assertThat(statuses.get("b").status()).as("b was cancelled in its gate").isNull();
        assertThat(a.task().name()).isEqualTo("a");
    }

    /** Regression: a task cancelled while gated showed gate_wait 0ms. */
    @Test
    void aTaskCancelledInItsGatesKeepsTheTimeItWaitedThere() throws Exception {
        FakeExecutor ex = unlimited();
        TaskReadinessGate never = gate("never", task -> Thread.sleep(60_000));
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(never), List.of());
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        awaitTransition("a:gated");
        loop.advance(Duration.ofSeconds(7));
        monitor.cancel("stop");
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.CANCELLED);
        assertThat(r.tasks().get(0).gateWait()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void unhealthyTaskIsKilledAndFailedWithTheMonitorsMessage() throws Exception {
        FakeExecutor ex = unlimited();
        TaskHealthMonitor dead = new TaskHealthMonitor() {
            @Override
            public String id() {
                return "helper";
            }

            @Override
            public Duration period() {
                return Duration.ofMillis(1); // raised to the 1 s floor by the host
            }

            @Override
            public Health probe(TaskHandle task, SubmittedTask submitted) {
                return Health.unhealthy("helper process 4242 is gone");
            }
        };
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of(dead)));
        ex.nextSubmission();
        loop.awaitIdle();
        loop.clock.awaitSleepers(1, Duration.ofSeconds(10)); // the probe, waiting for its first period
        loop.clock.advance(HealthProbeLoop.MIN_PERIOD);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.FAILED);
        assertThat(r.tasks().get(0).error()).isEqualTo("health monitor 'helper': helper process 4242 is gone");
        assertThat(ex.killed).containsExactly("1");
    }

    @Test
    void taskPastItsTimeLimitIsKilledByTheMonitorWhenTheExecutorDoesNotEnforceIt() throws Exception {
        // Regression: the local executor ignored resources.time, so such a task ran for ever.
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  slow: {command: [true], resources: {time: 300ms}}
                """, ex, 0, List.of(), List.of()));
        ex.nextSubmission();
        loop.advance(Duration.ofMillis(299));
        assertThat(ex.killed).as("not before its limit").isEmpty();
        loop.clock.advance(Duration.ofMillis(1));
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "slow")).isEqualTo(TaskState.FAILED);
        assertThat(r.tasks().get(0).error()).startsWith("ran past its time limit of ");
        assertThat(ex.killed).containsExactly("1");
    }

    @Test
    void cancelKillsRunningTasksAndReportsTheRunAsCancelled() throws Exception {
        FakeExecutor ex = unlimited();
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                  b: {command: [true], dependsOn: [a]}
                """, ex, 0, List.of(), List.of());
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        ex.nextSubmission();
        monitor.cancel("stop signal");
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.CANCELLED);
        assertThat(stateOf(r, "b")).isEqualTo(TaskState.CANCELLED);
        assertThat(r.stopReason()).isEqualTo("stop signal");
    }

    @Test
    void killedTaskThatNeverConfirmsIsGivenUpOnAfterTheGrace() throws Exception {
        FakeExecutor ex = unlimited();
        ex.honourKills = false;
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of());
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        ex.nextSubmission();
        monitor.cancel("stop");
        loop.advance(KillSchedule.CONFIRM.minusMillis(1));
        assertThat(run).as("still waiting for the end to be confirmed").isNotDone();
        loop.clock.advance(Duration.ofMillis(1));
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.CANCELLED);
        assertThat(r.tasks().get(0).error()).isEqualTo("stop");
    }

    @Test
    void wrappersComposeInPriorityOrderAndOnlyWhereTheyApply() throws Exception {
        FakeExecutor ex = unlimited();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  plain: {command: [echo, hi]}
                  boxed: {command: [echo, hi], hints: {box/image: alpine}}
                """, ex, 0, List.of(), List.of(prefix("outer", 10, "time"), prefix("box", 0, "in-box")),
                List.of()));
        Map<String, List<String>> argv = new ConcurrentHashMap<>();
        for (int i = 0; i < 2; i++) {
            TaskLaunch l = ex.nextSubmission();
            argv.put(l.task().name(), l.command().argv());
            assertThat(l.task().command()).as("the handle keeps the unwrapped command").containsExactly("echo", "hi");
            ex.complete(l.task().name(), 0);
        }
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(argv.get("boxed")).containsExactly("time", "in-box", "echo", "hi");
        assertThat(argv.get("plain")).containsExactly("time", "echo", "hi");
    }

    @Test
    void wrappersThatOpenedAnAttemptHearItsEndAlsoWhenItNeverRuns() throws Exception {
        FakeExecutor ex = unlimited();
        AtomicInteger ends = new AtomicInteger();
        TaskWrapper listening = opening("listening", command -> new WrappedTask() {
            @Override
            public LaunchCommand command() {
                return command;
            }

            @Override
            public Ending ended() {
                ends.incrementAndGet();
                return Ending.NONE;
            }
        });
        TaskWrapper refusing = new TaskWrapper() {
            @Override
            public String id() {
                return "refusing";
            }

            @Override
            public int priority() {
                return 10;
            }

            @Override
            public boolean appliesTo(TaskHandle task) {
                return task.name().equals("refused");
            }

            @Override
            public LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException {
                throw new TaskException("no room in the box");
            }
        };
        RunResult r = MonitorRuns.start(monitor("""
                processes:
                  refused: {command: [true], errorStrategy: ignore}
                """, ex, 0, List.of(), List.of(listening, refusing), List.of())).get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "refused")).isEqualTo(TaskState.IGNORED);
        assertThat(ends).as("the inner wrapper opened it, the outer one refused it").hasValue(1);

        ex.submitFailure = new IllegalStateException("the backend fell over");
        RunResult failed = MonitorRuns.start(monitor("""
                processes:
                  unsubmitted: {command: [true], errorStrategy: ignore}
                """, ex, 0, List.of(), List.of(listening), List.of())).get(10, TimeUnit.SECONDS);
        assertThat(stateOf(failed, "unsubmitted")).isEqualTo(TaskState.IGNORED);
        assertThat(ends).as("opened, then its submit failed").hasValue(2);
    }

    @Test
    void aWrapperWhoseHooksFailCostsItsOwnSayNotTheRun() throws Exception {
        FakeExecutor ex = unlimited();
        TaskWrapper broken = opening("broken", command -> new WrappedTask() {
            @Override
            public LaunchCommand command() {
                return command;
            }

            @Override
            public java.util.Optional<Duration> killGrace() {
                throw new IllegalStateException("grace unknown");
            }

            @Override
            public void beforeCancel(Duration grace) {
                throw new IllegalStateException("cannot write the notice");
            }

            @Override
            public Ending ended() {
                throw new IllegalStateException("lost the verdict");
            }
        });
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of(broken), List.of());
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        ex.nextSubmission();
        monitor.cancel("stop");
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.CANCELLED);
        assertThat(ex.forced).as("the run's grace (zero here) applies: forced at once").containsExactly("1");
    }

    /** A wrapper of priority 0 that applies to every task and opens each attempt with {@code open}. */
    private static TaskWrapper opening(String id, java.util.function.Function<LaunchCommand, WrappedTask> open) {
        return new TaskWrapper() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public LaunchCommand wrap(TaskHandle task, LaunchCommand command) {
                return open.apply(command).command();
            }

            @Override
            public WrappedTask open(TaskHandle task, LaunchCommand command) {
                return open.apply(command);
            }
        };
    }

    /** A wrapper that puts {@code word} in front of the argv; the "box" one applies only with a box/ hint. */
    private static TaskWrapper prefix(String id, int priority, String word) {
        return new TaskWrapper() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public int priority() {
                return priority;
            }

            @Override
            public boolean appliesTo(TaskHandle task) {
                return !id.equals("box") || task.hints().isSet("box/image");
            }

            @Override
            public LaunchCommand wrap(TaskHandle task, LaunchCommand command) {
                List<String> argv = new ArrayList<>(List.of(word));
                argv.addAll(command.argv());
                return command.withArgv(argv);
            }
        };
    }

    @Test
    void launchesOverlapUpToTheExecutorsSubmitConcurrency() throws Exception {
        FakeExecutor ex = unlimited();
        ex.concurrency = 3;
        CountDownLatch hold = new CountDownLatch(1);
        ex.submitGate = hold;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2, 3, 4, 5, 6]}}
                """, ex, 0, List.of(), List.of()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ex.inSubmit.get() < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(ex.inSubmit.get()).as("three launches in flight at once").isEqualTo(3);
        hold.countDown();
        for (int i = 0; i < 6; i++) {
            ex.complete(ex.nextSubmission().task().name(), 0);
        }
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
        assertThat(ex.peakInSubmit.get()).isEqualTo(3);
    }

    /** Regression: a task whose launch was in flight when the run stopped kept running. */
    @Test
    void launchInFlightWhenTheRunStopsIsKilledWhenItLands() throws Exception {
        FakeExecutor ex = unlimited();
        ex.concurrency = 2;
        CountDownLatch hold = new CountDownLatch(1);
        ex.submitGate = hold;
        TaskPollingMonitor monitor = monitor("""
                processes:
                  a: {command: [true]}
                """, ex, 0, List.of(), List.of());
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ex.inSubmit.get() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        monitor.cancel("stop signal");
        hold.countDown();
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(ex.killed).containsExactly("1");
        assertThat(stateOf(r, "a")).isEqualTo(TaskState.CANCELLED);
    }

    /** Waits for a transition that another thread (a gate) brings about; the timeout only guards. */
    private void awaitTransition(String transition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!transitions.contains(transition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + transition + " within 10 s; saw " + transitions);
            }
            Thread.sleep(1);
        }
    }

    /** A gate from a lambda. */
    private static TaskReadinessGate gate(String id, LambdaGate.Body body) {
        return LambdaGate.of(id, body);
    }
}
