package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks that join a run already going through an {@link Intake} ({@code sluice serve}), on a fake clock:
 * they wake an idle loop, run through the same dispatch, can be cancelled in any state, and the run ends
 * only once the intake is closed and they all ended.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ArrivalsTest {
    @TempDir
    Path dir;

    private final SteppedLoop loop = new SteppedLoop();
    private final Intake intake = new Intake();
    /** What the listener heard, in order: "added:ID" and "ID:state". */
    private final List<String> heard = new CopyOnWriteArrayList<>();
    /** Distinct task specs, one per arrival (their keys name their work directories). */
    private List<TaskSpec> specs;

    /** A run whose one process, {@code cls}, starts with no tasks: everything comes through the intake. */
    private TaskPollingMonitor monitor(FakeExecutor executor, int queueSize) throws Exception {
        executor.clock = loop.clock;
        List<ProcessPlan> plans = MonitorRuns.plans(dir, """
                processes:
                  cls: {command: [true], matrix: {i: [1, 2, 3, 4, 5, 6, 7, 8]}}
                """);
        specs = plans.get(0).tasks();
        RunListener recorder = new RunListener() {
            @Override
            public void tasksAdded(List<TaskProgress> tasks) {
                tasks.forEach(t -> heard.add("added:" + t.id()));
            }

            @Override
            public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
                heard.add(task.id() + ":" + to.label());
            }
        };
        return TaskPollingMonitor.builder(new RunOptions("t", dir.resolve("work"), Duration.ZERO, false),
                        List.of(new ProcessPlan(plans.get(0).process(), List.of())))
                .executors(List.of(new ExecutorSetup(executor, queueSize, null, Duration.ofMillis(50),
                        Settings.of(Map.of(), "test"))))
                .preparer(new WorkDirs(dir.resolve("work"), "t")).listener(recorder).intake(intake)
                .time(loop.clock).wakeups(loop).build();
    }

    private Intake.Arrival arrival(String id, int spec) {
        return new Intake.Arrival(id, "cls", specs.get(spec));
    }

    private static TaskState stateOf(RunResult r, String id) {
        return r.tasks().stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow().state();
    }

    @Test
    void anArrivalWakesTheIdleLoopAndTheRunEndsOnlyOnceTheIntakeIsClosed() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, 0));
        loop.awaitIdle();
        assertThat(run).as("no task yet, but the intake is open").isNotDone();

        assertThat(intake.offer(arrival("t-a", 0))).isTrue();
        // No clock move: the offer itself wakes the loop.
        assertThat(ex.nextSubmission().task().id()).isEqualTo("t-a");
        ex.complete(ex.nameOf("t-a"), 0);
        loop.awaitIdle();
        assertThat(run).as("every task ended, the intake still open").isNotDone();

        assertThat(intake.offer(arrival("t-b", 1))).isTrue();
        assertThat(ex.nextSubmission().task().id()).isEqualTo("t-b");
        intake.close();
        loop.awaitIdle();
        assertThat(run).as("closed, with t-b still running").isNotDone();
        assertThat(intake.offer(arrival("t-c", 2))).as("a closed intake takes nothing").isFalse();

        ex.complete(ex.nameOf("t-b"), 3);
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.tasks()).extracting(TaskProgress::id).containsExactly("t-a", "t-b");
        assertThat(stateOf(r, "t-a")).isEqualTo(TaskState.SUCCEEDED);
        assertThat(stateOf(r, "t-b")).isEqualTo(TaskState.FAILED);
        assertThat(heard.indexOf("added:t-a")).isLessThan(heard.indexOf("t-a:queued"));
    }

    @Test
    void aCancelEndsATaskInEachStateAndTheRunGoesOn() throws Exception {
        // One task at a time: t-1 runs, t-2 and t-3 wait their turn.
        FakeExecutor ex = new FakeExecutor(new ExecutorCapacity(1, 0, 0));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, 1));
        intake.offer(arrival("t-1", 0));
        intake.offer(arrival("t-2", 1));
        intake.offer(arrival("t-3", 2));
        assertThat(ex.nextSubmission().task().id()).isEqualTo("t-1");
        loop.awaitIdle();

        intake.cancel("t-2", "cancelled by the API");
        intake.cancel("t-1", "cancelled by the API");
        intake.cancel("t-unknown", "ignored");
        // t-1 is asked to stop (the fake ends it at once), which frees the slot for t-3, not t-2.
        assertThat(ex.nextSubmission().task().id()).isEqualTo("t-3");
        assertThat(ex.killed).containsExactly("t-1");
        ex.complete(ex.nameOf("t-3"), 0);
        loop.awaitIdle();
        intake.cancel("t-3", "too late: it ended");
        intake.close();

        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "t-1")).isEqualTo(TaskState.CANCELLED);
        assertThat(stateOf(r, "t-2")).isEqualTo(TaskState.CANCELLED);
        assertThat(stateOf(r, "t-3")).isEqualTo(TaskState.SUCCEEDED);
        assertThat(r.tasks()).filteredOn(t -> t.id().equals("t-2")).singleElement()
                .satisfies(t -> assertThat(t.error()).isEqualTo("cancelled by the API"));
        assertThat(r.succeeded()).as("a cancelled task fails no run").isTrue();
    }

    @Test
    void aTaskCancelledBeforeTheLoopTookItNeverStartsYetListenersHearOfItFirst() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        TaskPollingMonitor monitor = monitor(ex, 0);
        // Both before the loop runs: taken in one turn.
        intake.offer(arrival("t-x", 0));
        intake.cancel("t-x", "changed my mind");
        intake.offer(arrival("t-y", 1));
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        assertThat(ex.nextSubmission().task().id()).isEqualTo("t-y");
        ex.complete(ex.nameOf("t-y"), 0);
        loop.awaitIdle();
        intake.close();
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(stateOf(r, "t-x")).isEqualTo(TaskState.CANCELLED);
        assertThat(ex.submissions).isEmpty();
        assertThat(heard).containsSubsequence("added:t-x", "t-x:cancelled");
    }

    @Test
    void aStoppedRunEndsWithItsTasksThoughItsIntakeIsOpen() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        TaskPollingMonitor monitor = monitor(ex, 0);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        intake.offer(arrival("t-1", 0));
        assertThat(ex.nextSubmission().task().id()).isEqualTo("t-1");
        monitor.cancel("SIGTERM");
        RunResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(stateOf(r, "t-1")).isEqualTo(TaskState.CANCELLED);
        assertThat(intake.isOpen()).isFalse();
        assertThat(intake.offer(arrival("t-2", 1))).isFalse();
    }

    @Test
    void anArrivalForAProcessInTheDagOrWithATakenIdIsRefusedByTheGraph() throws Exception {
        RunGraph graph = new RunGraph(MonitorRuns.plans(dir, """
                processes:
                  a: {command: [true]}
                  b: {command: [true], dependsOn: [a]}
                  c: {command: [true]}
                """));
        TaskSpec spec = graph.tasks().get(0).spec;
        assertThatThrownBy(() -> graph.add(graph.process("b"), "x", spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("part of a DAG");
        assertThatThrownBy(() -> graph.add(graph.process("c"), "1", spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("taken");
        TaskProgress added = graph.add(graph.process("c"), "x", spec);
        assertThat(graph.task("x")).isSameAs(added);
        assertThat(graph.finished()).isFalse();
        assertThat(graph.process("c").tasks()).hasSize(2);
    }

    @Test
    void aRunWithAnIntakeLetsGoOfTasksThatEndedAWhileAgoAndStillCountsThem() throws Exception {
        RunGraph graph = new RunGraph(MonitorRuns.plans(dir, """
                processes:
                  c: {command: [true]}
                """));
        graph.letGoOfSettledTasks();
        ProcessRuntime c = graph.process("c");
        TaskSpec spec = graph.tasks().get(0).spec;
        int n = RunGraph.LET_GO_BATCH + 100;
        for (int i = 0; i < n; i++) {
            graph.add(c, "t-" + i, spec);
        }
        long minute = RunGraph.LET_GO_AFTER.toNanos();
        // The dispatcher has taken up all but the last 10; all but the first task and the last 10 end at 0.
        c.takenUp = c.tasks().size() - 10;
        for (TaskProgress t : c.tasks().subList(1, c.tasks().size() - 10)) {
            t.state = t.id().equals("t-5") ? TaskState.FAILED : TaskState.SUCCEEDED;
            graph.taskEnded(t, 0);
        }
        assertThat(graph.letGoOfSettled(minute - 1)).as("not a minute yet").isEmpty();
        assertThat(graph.letGoOfSettled(minute)).containsExactly(Map.entry(TaskState.SUCCEEDED, n - 11),
                Map.entry(TaskState.FAILED, 1));
        assertThat(graph.task("t-5")).isNull();
        assertThat(graph.task("1")).as("not ended: kept").isNotNull();
        assertThat(c.tasks()).extracting(TaskProgress::id).first().isEqualTo("1");
        assertThat(c.tasks()).hasSize(11);
        assertThat(graph.tasks()).hasSize(11);
        assertThat(c.takenUp).as("the dispatcher's mark moved back by the tasks before it that left").isEqualTo(1);
        assertThat(c.tasks().get(c.takenUp).id()).isEqualTo("t-" + (n - 10));
        assertThat(graph.letGo()).containsEntry(TaskState.FAILED, 1).containsEntry(TaskState.SUCCEEDED, n - 11);
        assertThat(graph.finished()).isFalse();
        // Fewer than a batch waiting: nothing is let go, however old.
        c.tasks().get(1).state = TaskState.SUCCEEDED;
        graph.taskEnded(c.tasks().get(1), minute);
        assertThat(graph.letGoOfSettled(10 * minute)).isEmpty();
    }

    @Test
    void aPipelineLetsGoOfNothing() throws Exception {
        RunGraph graph = new RunGraph(MonitorRuns.plans(dir, """
                processes:
                  c: {command: [true], matrix: {i: [1, 2]}}
                """));
        for (TaskProgress t : graph.tasks()) {
            t.state = TaskState.SUCCEEDED;
            graph.taskEnded(t, 0);
        }
        assertThat(graph.letGoOfSettled(Long.MAX_VALUE / 2)).isEmpty();
        assertThat(graph.tasks()).hasSize(2);
        assertThat(graph.finished()).isTrue();
    }
}
