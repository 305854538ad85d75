package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.run.Journals;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskLaunch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} after a host was killed, on an executor whose tasks outlive their host: what still
 * runs is taken up (adopted) instead of launched again, what ended with exit code 0 is reused, what
 * this run never reaches is ended when it ends, and only then is the killed run settled.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LeftoverAdoptionTest {
    private static final String PIPELINE = """
            processes:
              a: {command: [true], matrix: {i: [1, 2, 3]}}
              b: {command: [true], cache: off}
            """;

    @TempDir
    Path dir;

    private final SteppedLoop loop = new SteppedLoop();
    private final List<String> settled = new CopyOnWriteArrayList<>();
    private Path work;
    private List<ProcessPlan> plans;

    @BeforeEach
    void killedRun() throws Exception {
        work = dir.resolve("work");
        plans = MonitorRuns.plans(dir, PIPELINE);
        // Run "r0" launched a (i=1), which still runs, and a (i=2), which ended with exit code 0 while no
        // host was there to see it; and a task this pipeline no longer has. It never launched a (i=3).
        Journals.launched(work, "r0", key("a (i=1)"), 1, "local", "job-1");
        Journals.launched(work, "r0", key("a (i=2)"), 1, "local", "job-2");
        Journals.launched(work, "r0", "0123456789abcdef", 1, "local", "job-9");
        Journals.launched(work, "r0", key("b"), 1, "local", "job-b");
        Path ended = Files.createDirectories(Journals.attemptDir(work, "r0", key("a (i=2)"), 1));
        Files.writeString(ended.resolve(".exitcode"), "0\n");
    }

    private String key(String name) {
        return plans.stream().flatMap(p -> p.tasks().stream()).filter(t -> t.name().equals(name))
                .map(TaskSpec::key).findFirst().orElseThrow();
    }

    private TaskPollingMonitor monitor(FakeExecutor executor, boolean adopt) {
        executor.clock = loop.clock;
        return TaskPollingMonitor.builder(new RunOptions("r1", work, Duration.ZERO, true), plans)
                .executors(List.of(new ExecutorSetup(executor, 0, null, Duration.ofMillis(50),
                        Settings.of(Map.of(), "test"), adopt)))
                .preparer(new WorkDirs(work, "r1", List.of("r0"), null)).killedRuns(List.of("r0"), settled::add)
                .time(loop.clock).wakeups(loop).build();
    }

    private static TaskState stateOf(RunResult r, String name) {
        return r.tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().state();
    }

    /**
     * A service taken back at a restart: its tasks are in its intake, not its plans, when the killed run's
     * leftovers are dealt with; a batch job still running is spared and taken up, not ended.
     */
    @Test
    void tasksOfAnIntakeAreSparedAndTakenUpAsAPlansTasksAre() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.adopts = true;
        ex.clock = loop.clock;
        TaskSpec carried = plans.get(0).tasks().get(0); // a (i=1), still running as job-1
        Intake intake = new Intake();
        intake.offer(new Intake.Arrival("t-1", "a", carried));
        List<ProcessPlan> empty = plans.stream().map(p -> new ProcessPlan(p.process(), List.of())).toList();
        TaskPollingMonitor monitor = TaskPollingMonitor.builder(new RunOptions("r1", work, Duration.ZERO, true), empty)
                .executors(List.of(new ExecutorSetup(ex, 0, null, Duration.ofMillis(50), Settings.of(Map.of(), "test"),
                        true)))
                .preparer(new WorkDirs(work, "r1", List.of("r0"), null)).killedRuns(List.of("r0"), settled::add)
                .intake(intake).time(loop.clock).wakeups(loop).build();
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        TaskLaunch adopted = ex.adoptions.poll(10, TimeUnit.SECONDS);
        assertThat(adopted).as("taken up, not launched again").isNotNull();
        assertThat(adopted.task().id()).isEqualTo("t-1");
        assertThat(ex.leftoversSpared).first().isEqualTo("r0 sparing [job-1]");
        assertThat(ex.submissions).isEmpty();
        ex.complete(adopted.task().name(), 0);
        loop.awaitIdle();
        intake.close();
        assertThat(run.get(10, TimeUnit.SECONDS).tasks()).singleElement()
                .satisfies(t -> assertThat(t.state()).isEqualTo(TaskState.SUCCEEDED));
    }

    @Test
    void whatStillRunsIsTakenUpWhatEndedIsReusedAndTheRestEndsWithTheRun() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.adopts = true;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, true));

        List<String> fresh = List.of(ex.nextSubmission().task().name(), ex.nextSubmission().task().name());
        assertThat(fresh).as("b has cache: off, so its leftover is not taken up").containsExactlyInAnyOrder(
                "a (i=3)", "b");
        TaskLaunch adopted = ex.adoptions.poll(10, TimeUnit.SECONDS);
        assertThat(adopted).isNotNull();
        assertThat(adopted.task().name()).isEqualTo("a (i=1)");
        assertThat(adopted.task().attempt()).isEqualTo(1);
        assertThat(adopted.files().workDir()).as("the killed run's attempt, where it writes its exit code")
                .isEqualTo(Journals.attemptDir(work, "r0", key("a (i=1)"), 1));
        loop.awaitIdle();
        assertThat(ex.leftoversSpared).as("at the start, sparing this run's tasks only (not job-9); then b's, declined,"
                + " is ended").containsExactly("r0 sparing [job-1, job-b]", "r0 sparing [job-1]");
        assertThat(ex.order.indexOf("r0 sparing [job-1]")).as("b's leftover is ended before b is launched again: "
                + ex.order).isLessThan(ex.order.indexOf("submit b"));
        assertThat(ex.submissions).as("a (i=1) is not launched again, a (i=2) is reused").isEmpty();
        assertThat(settled).as("not settled while what it left may still be taken up").isEmpty();
        assertThat(Journals.launchesWithIds(work, "r1")).as("each id on disk once its submit or take-up answered,"
                + " not when the run ends").containsExactlyInAnyOrder(
                key("a (i=1)") + " 1 job-1 r0",
                key("a (i=3)") + " 1 " + ex.nativeIdOf("a (i=3)") + " r1",
                key("b") + " 1 " + ex.nativeIdOf("b") + " r1");

        ex.complete("a (i=1)", 0);
        ex.complete("a (i=3)", 0);
        ex.complete("b", 0);
        RunResult result = run.get(10, TimeUnit.SECONDS);

        assertThat(result.succeeded()).isTrue();
        assertThat(stateOf(result, "a (i=1)")).isEqualTo(TaskState.SUCCEEDED);
        assertThat(stateOf(result, "a (i=2)")).isEqualTo(TaskState.CACHED);
        assertThat(ex.leftoversSpared).as("once the run finished, the killed run's name ends what is left")
                .containsExactly("r0 sparing [job-1, job-b]", "r0 sparing [job-1]", "r0 sparing []");
        assertThat(settled).containsExactly("r0");
        assertThat(Journals.successes(work)).as("the adopted attempt's success names the run it belongs to")
                .contains(key("a (i=1)") + " 1 r0", key("a (i=3)") + " 1 r1");
    }

    @Test
    void leftoversEndMeansNothingIsTakenUp() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.adopts = true;
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor(ex, false));

        List<String> launched = List.of(ex.nextSubmission().task().name(), ex.nextSubmission().task().name(),
                ex.nextSubmission().task().name());
        assertThat(launched).containsExactlyInAnyOrder("a (i=1)", "a (i=3)", "b");
        assertThat(ex.leftoversEnded).containsExactly("r0");
        assertThat(ex.leftoversSpared).isEmpty();
        assertThat(ex.adoptions).isEmpty();
        assertThat(settled).containsExactly("r0");
        ex.complete("a (i=1)", 0);
        ex.complete("a (i=3)", 0);
        ex.complete("b", 0);
        assertThat(run.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }

    @Test
    void aRunStoppedEarlyLeavesWhatItDidNotReachForTheNextResume() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.adopts = true;
        TaskPollingMonitor monitor = monitor(ex, true);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor);
        ex.nextSubmission();
        monitor.cancel("stopped by the test");
        run.get(10, TimeUnit.SECONDS);

        assertThat(ex.leftoversSpared).as("no end by name after the start").doesNotContain("r0 sparing []");
        assertThat(settled).as("the killed run stays to be resumed").isEmpty();
    }
}
