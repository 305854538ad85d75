package dev.sluice.plugins.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor against a Slurm controller written by hand, on a clock that moves only when told. */
class SlurmExecutorTest {
    @TempDir
    Path dir;
    private final SteppingTime time = new SteppingTime();
    private final FakeSlurm slurm = new FakeSlurm();
    private TestContexts contexts;
    private Path bin;

    @BeforeEach
    void commands() throws IOException {
        bin = Files.createDirectories(dir.resolve("bin"));
        for (String c : List.of("sbatch", "squeue", "scancel")) {
            Path p = Files.writeString(bin.resolve(c), "#!/bin/sh\nexit 99\n");
            p.toFile().setExecutable(true);
        }
        contexts = new TestContexts(time, dir.resolve("work"));
    }

    private SlurmExecutor started(Map<String, String> extra) throws ExecutorException {
        Map<String, String> config = new HashMap<>(Map.of("binDir", bin.toString()));
        config.putAll(extra);
        SlurmExecutor executor = new SlurmExecutor(contexts.plugin(), slurm, false);
        executor.start(contexts.executor(config));
        return executor;
    }

    private TaskLaunch launch(String id, Resources resources, Map<String, String> hints) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work").resolve(id));
        TestTaskHandle task = TestTaskHandle.of(id).withWorkDir(work).withResources(resources).withHints(hints)
                .withExecutor("slurm");
        return new TaskLaunch(task, new LaunchCommand(List.of("true"), Map.of(), work), TaskFiles.in(work));
    }

    private List<SubmittedTask> submit(SlurmExecutor executor, int n) throws Exception {
        List<SubmittedTask> submitted = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            submitted.add(executor.submit(launch("t" + i, Resources.DEFAULT, Map.of())));
        }
        return submitted;
    }

    /** Runs the status round that is due next. */
    private void nextRound(SlurmExecutor executor) throws InterruptedException {
        time.advance(executor.untilNextRound());
        executor.statusRound();
    }

    private static Path workOf(SubmittedTask t, Path dir) {
        return dir.resolve("work").resolve(t.taskId());
    }

    @Test
    void oneSqueuePerRoundWhateverTheNumberOfJobs() throws Exception {
        SlurmExecutor executor = started(Map.of());
        List<SubmittedTask> jobs = submit(executor, 50);
        long before = slurm.count("squeue");
        nextRound(executor);
        assertThat(slurm.count("squeue") - before).as("squeue calls for a round over 50 jobs").isEqualTo(1);
        assertThat(slurm.callsOf("squeue").get(1)).contains("--name=20261122-100000-abcd", "--states=all");
        assertThat(executor.poll(jobs)).hasSize(50).allSatisfy((t, s) -> assertThat(s.state())
                .isEqualTo(TaskStatus.State.PENDING));
        assertThat(executor.poll(jobs)).as("only changes are reported").isEmpty();
        assertThat(slurm.count("sbatch")).isEqualTo(50);
    }

    @Test
    void pollIntervalBacksOffWhileNothingChangesAndResetsOnAChange() throws Exception {
        SlurmExecutor executor = started(Map.of("pollInterval", "1s", "maxPollInterval", "10s"));
        List<SubmittedTask> jobs = submit(executor, 3);
        List<Duration> intervals = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            nextRound(executor);
            intervals.add(executor.untilNextRound());
        }
        // The first round sees the jobs for the first time (a change); then nothing moves.
        assertThat(intervals).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8), Duration.ofSeconds(10), Duration.ofSeconds(10));
        assertThat(executor.poll(jobs)).hasSize(3);
        slurm.set(jobs.get(0).nativeId(), "RUNNING", "None");
        nextRound(executor);
        assertThat(executor.untilNextRound()).isEqualTo(Duration.ofSeconds(1));
        assertThat(executor.poll(jobs)).containsOnlyKeys(jobs.get(0));
        assertThat(executor.poll(List.of(jobs.get(0)))).isEmpty();
    }

    @Test
    void aJobsEndIsReadFromItsExitCodeFile() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        slurm.set(job.nativeId(), "RUNNING", "None");
        nextRound(executor);
        assertThat(executor.poll(List.of(job)).get(job).state()).isEqualTo(TaskStatus.State.RUNNING);
        Files.writeString(workOf(job, dir).resolve(".exitcode"), "3\n");
        slurm.set(job.nativeId(), "FAILED", "NonZeroExitCode");
        nextRound(executor);
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(3);
        assertThat(executor.poll(List.of(job))).as("an ended job is forgotten once reported").isEmpty();
    }

    @Test
    void anEndedJobWithoutExitCodeFailsAfterTheGraceWithItsLog() throws Exception {
        SlurmExecutor executor = started(Map.of("exitCodeGrace", "20s"));
        SubmittedTask job = submit(executor, 1).get(0);
        Files.writeString(workOf(job, dir).resolve(".command.log"), "slurmstepd: error: couldn't chdir: denied\n");
        slurm.set(job.nativeId(), "FAILED", "NonZeroExitCode");
        nextRound(executor);
        assertThat(executor.poll(List.of(job)).get(job)).as("no end before the grace ran out")
                .satisfies(s -> assertThat(s == null || !s.state().isTerminal()).isTrue());
        assertThat(executor.untilNextRound()).as("files are looked for at the shortest interval")
                .isEqualTo(Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(20));
        executor.statusRound();
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).contains("Slurm reports job " + job.nativeId() + " FAILED (NonZeroExitCode)")
                .contains("within 20s (executors.slurm.exitCodeGrace)").contains("couldn't chdir: denied");
    }

    @Test
    void anExitCodeThatArrivesWithinTheGraceCounts() throws Exception {
        SlurmExecutor executor = started(Map.of("exitCodeGrace", "20s"));
        SubmittedTask job = submit(executor, 1).get(0);
        slurm.set(job.nativeId(), "COMPLETED", "None");
        nextRound(executor);
        time.advance(Duration.ofSeconds(10));
        Files.writeString(workOf(job, dir).resolve(".exitcode"), "0\n");
        executor.statusRound();
        assertThat(executor.poll(List.of(job)).get(job).isSuccess()).isTrue();
    }

    @Test
    void aJobThatVanishedFromTheQueueFailsAfterTheGrace() throws Exception {
        Files.copy(bin.resolve("squeue"), bin.resolve("sacct"));
        bin.resolve("sacct").toFile().setExecutable(true);
        SlurmExecutor executor = started(Map.of("exitCodeGrace", "5s"));
        SubmittedTask job = submit(executor, 1).get(0);
        nextRound(executor);
        synchronized (slurm) {
            slurm.jobs.remove(job.nativeId());
        }
        nextRound(executor);
        assertThat(slurm.count("sacct")).as("accounting is asked, once").isEqualTo(1);
        time.advance(Duration.ofSeconds(5));
        executor.statusRound();
        assertThat(slurm.count("sacct")).as("not again once it said it is off").isEqualTo(1);
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).contains("job " + job.nativeId() + " left Slurm's queue")
                .contains("no exit code appeared in").contains(".exitcode");
    }

    @Test
    void schedulerStatesMapToTaskStates() throws Exception {
        SlurmExecutor executor = started(Map.of());
        Map<String, TaskStatus.State> expected = Map.of("TIMEOUT", TaskStatus.State.TIMEOUT,
                "OUT_OF_MEMORY", TaskStatus.State.OUT_OF_MEMORY, "NODE_FAIL", TaskStatus.State.NODE_FAILURE,
                "PREEMPTED", TaskStatus.State.NODE_FAILURE, "CANCELLED", TaskStatus.State.CANCELLED,
                "BOOT_FAIL", TaskStatus.State.NODE_FAILURE, "DEADLINE", TaskStatus.State.TIMEOUT,
                "SPECIAL_EXIT", TaskStatus.State.FAILED);
        Map<SubmittedTask, String> byJob = new HashMap<>();
        for (String state : expected.keySet()) {
            SubmittedTask job = executor.submit(launch("s-" + state, Resources.DEFAULT, Map.of()));
            slurm.set(job.nativeId(), state, "None");
            byJob.put(job, state);
        }
        nextRound(executor);
        Map<SubmittedTask, TaskStatus> ends = executor.poll(byJob.keySet());
        assertThat(ends).hasSize(expected.size());
        ends.forEach((job, status) -> assertThat(status.state()).as(byJob.get(job))
                .isEqualTo(expected.get(byJob.get(job))));
        SubmittedTask cancelled = byJob.entrySet().stream().filter(e -> e.getValue().equals("CANCELLED")).findFirst()
                .orElseThrow().getKey();
        assertThat(ends.get(cancelled).reason()).contains("not by sluice");
    }

    @Test
    void aJobSlurmWillNeverStartFailsAndIsCancelled() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = executor.submit(launch("big", Resources.DEFAULT.withCpus(64), Map.of()));
        slurm.set(job.nativeId(), "PENDING", "PartitionConfig");
        nextRound(executor);
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).contains("Slurm will not start job " + job.nativeId())
                .contains("PartitionConfig").contains("cpus=64");
        assertThat(slurm.callsOf("scancel")).anySatisfy(c -> assertThat(c).endsWith(job.nativeId()));
    }

    @Test
    void pendingReasonsReachTheProgressDisplay() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        slurm.set(job.nativeId(), "PENDING", "Resources");
        nextRound(executor);
        slurm.set(job.nativeId(), "RUNNING", "None");
        nextRound(executor);
        assertThat(contexts.plugin().statuses()).containsExactly("t1: job " + job.nativeId() + " pending (Resources)",
                "t1: job " + job.nativeId() + " running on node1");
    }

    @Test
    void terminateSignalsRunningJobsAndCancelsPendingOnesInBatchesAndForceCancelsWhatStillRuns() throws Exception {
        SlurmExecutor executor = started(Map.of());
        List<SubmittedTask> jobs = submit(executor, 5);
        for (SubmittedTask job : jobs.subList(0, 3)) {
            slurm.set(job.nativeId(), "RUNNING", "None");
        }
        nextRound(executor);
        executor.terminate(jobs, Duration.ofSeconds(10));
        List<String> running = jobs.subList(0, 3).stream().map(SubmittedTask::nativeId).toList();
        List<String> pending = jobs.subList(3, 5).stream().map(SubmittedTask::nativeId).toList();
        List<List<String>> scancels = slurm.callsOf("scancel");
        assertThat(scancels).hasSize(2);
        assertThat(scancels.get(0)).containsSubsequence("--batch", "--signal=TERM").containsAll(running);
        assertThat(scancels.get(1).subList(1, 3)).containsExactlyElementsOf(pending);
        time.advance(Duration.ofSeconds(10));
        executor.statusRound();
        assertThat(slurm.callsOf("scancel")).as("the executor forces nothing by itself; the host does").hasSize(2);
        // The host, its grace passed, forces every task it has not seen end: the running ones' batch shells get
        // SIGUSR2 (they kill their task's group, not waiting out Slurm's KillWait); the pending ones' cancel is
        // not repeated.
        executor.force(jobs);
        assertThat(slurm.callsOf("scancel")).hasSize(3);
        assertThat(slurm.callsOf("scancel").get(2).subList(1, 6)).containsExactly("--batch", "--signal=USR2",
                running.get(0), running.get(1), running.get(2));
        nextRound(executor);
        Map<SubmittedTask, TaskStatus> ends = executor.poll(jobs);
        assertThat(ends).hasSize(5);
        for (SubmittedTask job : jobs) {
            TaskStatus end = ends.get(job);
            if (running.contains(job.nativeId())) {
                assertThat(end.exitCode()).as("killed by its batch shell").isEqualTo(137);
            } else {
                assertThat(end.state()).isEqualTo(TaskStatus.State.CANCELLED);
                assertThat(end.reason()).doesNotContain("not by sluice");
            }
        }
    }

    @Test
    void aRunningJobWhoseBatchShellCannotBeSignalledIsCancelledWhenForced() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        slurm.set(job.nativeId(), "RUNNING", "None");
        nextRound(executor);
        slurm.signalsRefused = true;
        executor.force(List.of(job));
        assertThat(slurm.callsOf("scancel")).hasSize(2);
        assertThat(slurm.callsOf("scancel").get(1)).containsExactly(bin.resolve("scancel").toString(), job.nativeId());
        synchronized (slurm) {
            assertThat(slurm.jobs.get(job.nativeId()).state).isEqualTo("CANCELLED");
        }
    }

    @Test
    void forcingAJobThatNeverStartedCancelsIt() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        executor.force(List.of(job));
        assertThat(slurm.callsOf("scancel")).containsExactly(List.of(bin.resolve("scancel").toString(),
                job.nativeId()));
        executor.force(List.of(job));
        assertThat(slurm.callsOf("scancel")).as("an accepted cancel is not repeated").hasSize(1);
    }

    @Test
    void aCallbackEndsTheTaskAtOnceWithoutAskingSlurm() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        long squeues = slurm.count("squeue");
        Files.writeString(workOf(job, dir).resolve(".exitcode"), "0\n");
        String key = job.taskId() + "." + job.attempt();
        assertThat(executor.callback(key, "0\n")).isTrue();
        assertThat(contexts.statusChanges()).isEqualTo(1);
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.isSuccess()).isTrue();
        assertThat(slurm.count("squeue")).isEqualTo(squeues);
        assertThat(executor.callback(key, "0")).as("a forgotten job is no longer known").isFalse();
        assertThat(executor.callback("999999", "0")).isFalse();
    }

    @Test
    void aTransientSubmissionFailureIsRetriedWithBackoff() throws Exception {
        SlurmExecutor executor = started(Map.of("submitRetries", "3"));
        String down = "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)";
        slurm.sbatchFailures.add(CommandRunner.Result.failed(1, "", down));
        slurm.sbatchFailures.add(CommandRunner.Result.failed(1, "", down));
        SubmittedTask job = executor.submit(launch("t1", Resources.DEFAULT, Map.of()));
        assertThat(job.nativeId()).matches("\\d+");
        assertThat(slurm.count("sbatch")).isEqualTo(3);
        assertThat(time.sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void aControllerThatStaysDownFailsTheSubmissionAsRetryableWithSlurmsMessage() throws Exception {
        SlurmExecutor executor = started(Map.of("submitRetries", "1"));
        String down = "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)";
        slurm.sbatchFailures.add(CommandRunner.Result.failed(1, "", down));
        slurm.sbatchFailures.add(CommandRunner.Result.failed(1, "", down));
        assertThatThrownBy(() -> executor.submit(launch("t1", Resources.DEFAULT, Map.of())))
                .isInstanceOf(TaskException.class).satisfies(e -> assertThat(((TaskException) e).isRetryable()).isTrue())
                .hasMessageContaining("Unable to contact slurm controller").hasMessageContaining("tried 2 times");
    }

    @Test
    void aPermanentSubmissionFailureFailsTheTaskWithSlurmsMessage() throws Exception {
        SlurmExecutor executor = started(Map.of("partition", "nope"));
        slurm.sbatchFailures.add(CommandRunner.Result.failed(1, "", "sbatch: error: invalid partition specified: nope\n"
                + "sbatch: error: Batch job submission failed: Invalid partition name specified\n"));
        assertThatThrownBy(() -> executor.submit(launch("t1", Resources.DEFAULT, Map.of())))
                .isInstanceOf(TaskException.class).satisfies(e -> assertThat(((TaskException) e).isRetryable()).isFalse())
                .hasMessageContaining("invalid partition specified: nope; sbatch: error: Batch job submission failed")
                .hasMessageContaining("partition 'nope' comes from the slurm/partition hint or executors.slurm.partition");
        assertThat(slurm.count("sbatch")).as("not retried").isEqualTo(1);
    }

    @Test
    void sbatchMissingStopsTheExecutorWithTheFix() throws IOException {
        Files.delete(bin.resolve("sbatch"));
        SlurmExecutor executor = new SlurmExecutor(contexts.plugin(), slurm, false);
        assertThatThrownBy(() -> executor.start(contexts.executor(Map.of("binDir", bin.toString()))))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("sbatch is not installed here (not in executors.slurm.binDir " + bin)
                .hasMessageContaining("install Slurm's client commands");
    }

    @Test
    void aControllerDownAtStartStopsTheExecutorWithSlurmsMessage() {
        slurm.squeueAnswer = CommandRunner.Result.failed(1, "",
                "squeue: error: Unable to contact slurm controller (connect failure)\n");
        SlurmExecutor executor = new SlurmExecutor(contexts.plugin(), slurm, false);
        assertThatThrownBy(() -> executor.start(contexts.executor(Map.of("binDir", bin.toString()))))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("the Slurm controller does not answer: squeue: error: Unable to contact slurm "
                        + "controller (connect failure)").hasMessageContaining("start slurmctld");
        assertThat(slurm.count("squeue")).as("tried, and tried again").isEqualTo(3);
    }

    @Test
    void aCommandKilledAtItsTimeoutIsNamedAsSuch() {
        slurm.squeueAnswer = CommandRunner.Result.timeout(); // what the runner gives, with no words of Slurm's
        SlurmExecutor executor = new SlurmExecutor(contexts.plugin(), slurm, false);
        assertThatThrownBy(() -> executor.start(contexts.executor(Map.of("binDir", bin.toString()))))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("the Slurm controller does not answer: did not answer within 30s");
    }

    @Test
    void squeueFailuresKeepTheJobsAndTryAgainSoon() throws Exception {
        SlurmExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        slurm.squeueAnswer = new CommandRunner.Result(-1, true, "", "did not answer within 30s");
        nextRound(executor);
        assertThat(executor.poll(List.of(job))).isEmpty();
        assertThat(executor.untilNextRound()).isEqualTo(Duration.ofSeconds(1));
        slurm.squeueAnswer = null;
        slurm.set(job.nativeId(), "RUNNING", "None");
        nextRound(executor);
        assertThat(executor.poll(List.of(job)).get(job).state()).isEqualTo(TaskStatus.State.RUNNING);
    }

    @Test
    void closeCancelsWhatIsLeftOfTheRunByName() throws Exception {
        SlurmExecutor executor = started(Map.of());
        submit(executor, 2);
        executor.close();
        assertThat(slurm.callsOf("scancel")).last().satisfies(c -> assertThat(c)
                .contains("--name=20261122-100000-abcd"));
        synchronized (slurm) {
            assertThat(slurm.jobs.values()).allSatisfy(j -> assertThat(j.state).isEqualTo("CANCELLED"));
        }
    }

    @Test
    void theJobsOfARunWhoseHostWasKilledAreCancelledByThatRunsNameAndNoOther() throws Exception {
        Path script = bin.resolve("job.sh");
        java.nio.file.Files.writeString(script, "#SBATCH --job-name=20261122-090000-dead\n");
        String leftover = slurm.run(dev.sluice.kit.CommandRunner.Command.of(List.of("sbatch", "--parsable",
                script.toString()), Duration.ofSeconds(1))).stdout().strip();
        slurm.set(leftover, "RUNNING", "None");
        SlurmExecutor executor = started(Map.of());
        SubmittedTask ours = submit(executor, 1).get(0);

        executor.endLeftovers("20261122-090000-dead");

        assertThat(slurm.callsOf("scancel")).last().satisfies(c -> assertThat(c)
                .contains("--name=20261122-090000-dead"));
        synchronized (slurm) {
            assertThat(slurm.jobs.get(leftover).state).isEqualTo("CANCELLED");
            assertThat(slurm.jobs.get(ours.nativeId()).state).as("this run's job").isEqualTo("PENDING");
        }
    }

    /** A job submitted by a run whose host was killed, named for that run, in {@code state}. */
    private String leftoverJob(String run, String state) throws Exception {
        Path script = Files.createDirectories(bin.resolve(run + "-" + slurm.jobs.size())).resolve("job.sh");
        Files.writeString(script, "#SBATCH --job-name=" + run + "\n");
        String id = slurm.run(dev.sluice.kit.CommandRunner.Command.of(List.of("sbatch", "--parsable",
                script.toString()), Duration.ofSeconds(1))).stdout().strip();
        slurm.set(id, state, "None");
        return id;
    }

    @Test
    void leftoversToBeAdoptedAreSparedAndTheOthersCancelledByJobId() throws Exception {
        String kept = leftoverJob("20261122-090000-dead", "RUNNING");
        String other = leftoverJob("20261122-090000-dead", "RUNNING");
        String queued = leftoverJob("20261122-090000-dead", "PENDING");
        String done = leftoverJob("20261122-090000-dead", "COMPLETED");
        SlurmExecutor executor = started(Map.of());
        assertThat(executor.adoptsLeftovers()).isTrue();

        executor.endLeftovers("20261122-090000-dead", java.util.Set.of(kept));

        synchronized (slurm) {
            assertThat(slurm.jobs.get(kept).state).as("spared").isEqualTo("RUNNING");
            assertThat(slurm.jobs.get(other).state).isEqualTo("CANCELLED");
            assertThat(slurm.jobs.get(queued).state).isEqualTo("CANCELLED");
            assertThat(slurm.jobs.get(done).state).isEqualTo("COMPLETED");
        }
        assertThat(slurm.callsOf("scancel")).last().as("by id, not by the run's name")
                .satisfies(c -> assertThat(c).contains(other, queued).doesNotContain(kept)
                        .noneMatch(a -> a.startsWith("--name=")));

        executor.endLeftovers("20261122-090000-dead", java.util.Set.of());
        synchronized (slurm) {
            assertThat(slurm.jobs.get(kept).state).as("nothing spared: the run's name").isEqualTo("CANCELLED");
        }
    }

    @Test
    void anAdoptedJobIsFollowedByItsRunsNameUntilItsExitCodeArrives() throws Exception {
        String leftover = leftoverJob("20261122-090000-dead", "RUNNING");
        SlurmExecutor executor = started(Map.of());
        SubmittedTask ours = submit(executor, 1).get(0);
        TaskLaunch earlier = launch("t9", Resources.DEFAULT, Map.of());
        long sbatchBefore = slurm.count("sbatch");

        SubmittedTask adopted = executor.adopt(earlier, "20261122-090000-dead", leftover);

        assertThat(adopted.nativeId()).isEqualTo(leftover);
        assertThat(slurm.count("sbatch")).as("nothing submitted").isEqualTo(sbatchBefore);
        long squeueBefore = slurm.count("squeue");
        nextRound(executor);
        assertThat(slurm.callsOf("squeue").subList((int) squeueBefore, (int) slurm.count("squeue")))
                .as("one query per run name").hasSize(2)
                .anySatisfy(c -> assertThat(c).contains("--name=20261122-090000-dead"))
                .anySatisfy(c -> assertThat(c).contains("--name=20261122-100000-abcd"));
        assertThat(executor.poll(List.of(adopted, ours)).get(adopted).state()).isEqualTo(TaskStatus.State.RUNNING);

        Files.writeString(workOf(adopted, dir).resolve(".exitcode"), "0\n");
        slurm.set(leftover, "COMPLETED", "None");
        nextRound(executor);
        assertThat(executor.poll(List.of(adopted)).get(adopted).isSuccess()).isTrue();

        executor.terminate(List.of(ours), Duration.ofSeconds(10));
        executor.close();
        assertThat(slurm.callsOf("scancel")).noneSatisfy(c -> assertThat(c).contains("--name=20261122-090000-dead"));
    }

    @Test
    void unknownSettingsAndHintsAreRefusedByName() {
        SlurmExecutor executor = new SlurmExecutor(contexts.plugin(), slurm, false);
        assertThatThrownBy(() -> executor.start(contexts.executor(Map.of("binDir", bin.toString(), "partiton", "x"))))
                .isInstanceOf(ExecutorException.class).hasMessageContaining("partiton")
                .hasMessageContaining("partition");
        assertThatThrownBy(() -> executor.validateHints(Hints.of(Map.of("slurm/acount", "x"), "process p")))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("slurm/acount")
                .hasMessageContaining("slurm/account");
        assertThatThrownBy(() -> executor.validateHints(Hints.of(Map.of("slurm/options", "--exclusive -J other"),
                "process p"))).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'-J' is set by the slurm executor itself");
    }

    @Test
    void hintsOverrideTheOperatorsDefaultsInTheScript() throws Exception {
        SlurmExecutor executor = started(Map.of("partition", "short", "account", "lab", "options", "--exclusive"));
        SubmittedTask job = executor.submit(launch("t1", Resources.DEFAULT, Map.of("slurm/partition", "long",
                "slurm/options", "--constraint=avx2")));
        String script = Files.readString(workOf(job, dir).resolve(".command.run"));
        assertThat(script).contains("#SBATCH --partition=long\n", "#SBATCH --account=lab\n",
                "#SBATCH --exclusive\n#SBATCH --constraint=avx2\n").doesNotContain("--partition=short");
        assertThat(Files.getPosixFilePermissions(workOf(job, dir).resolve(".command.run")))
                .as("the script holds the run's token: its owner's alone").extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "OWNER_EXECUTE");
    }
}
