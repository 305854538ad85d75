package dev.sluice.kit.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.kit.ExecutorConfig;
import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.testing.TestExecutorContext;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch executor driving a toy scheduler of a few hooks, against its server by hand, on a fake clock. */
class BatchExecutorTest {
    private static final String RUN = "run-1";
    @TempDir
    Path dir;
    private final FakeTimeSource time = new FakeTimeSource();
    private final FakeToy toy = new FakeToy();
    private final TestPluginContext plugin = TestPluginContext.of("toy").withTime(time);
    /** The context the executor was last started with. */
    private TestExecutorContext context;
    private Path bin;

    /** The toy's executor: a name and its settings, the rest is the base's. */
    private static final class ToyExecutor extends BatchExecutor {
        ToyExecutor(TestPluginContext plugin, CommandRunner runner) {
            super(plugin, runner, false);
        }

        @Override
        public String name() {
            return "toy";
        }

        @Override
        protected Configured configure(Settings config) {
            ExecutorConfig executor = new ExecutorConfig(name(), config);
            executor.requireKnown(BatchSettings.KEYS);
            return new Configured(BatchSettings.from(executor), new ToyScheduler());
        }
    }

    @BeforeEach
    void programs() throws IOException {
        bin = Files.createDirectories(dir.resolve("bin"));
        for (String program : List.of("tsub", "tstat", "tdel")) {
            Path p = Files.writeString(bin.resolve(program), "#!/bin/sh\nexit 99\n");
            p.toFile().setExecutable(true);
        }
    }

    private ExecutorContext context(Map<String, String> config, Optional<CallbackEndpoint> endpoint) {
        TestExecutorContext made = TestExecutorContext.of("toy", dir.resolve("work")).withRunId(RUN).withConfig(config)
                .withTime(time);
        context = endpoint.map(made::withCallbackEndpoint).orElse(made);
        return context;
    }

    private ToyExecutor started(Map<String, String> extra) throws ExecutorException {
        Map<String, String> config = new HashMap<>(Map.of("binDir", bin.toString()));
        config.putAll(extra);
        ToyExecutor executor = new ToyExecutor(plugin, toy);
        executor.start(context(config, Optional.empty()));
        return executor;
    }

    private List<SubmittedTask> submit(ToyExecutor executor, int n) throws Exception {
        List<SubmittedTask> submitted = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Path work = Files.createDirectories(dir.resolve("work").resolve("t" + i));
            TestTaskHandle task = TestTaskHandle.of("t" + i).withWorkDir(work).withExecutor("toy");
            submitted.add(executor.submit(new TaskLaunch(task, new LaunchCommand(List.of("true"), Map.of(), work),
                    TaskFiles.in(work))));
        }
        return submitted;
    }

    private Path workOf(SubmittedTask task) {
        return dir.resolve("work").resolve(task.taskId());
    }

    private void nextRound(ToyExecutor executor) throws InterruptedException {
        time.advance(executor.untilNextRound());
        executor.statusRound();
    }

    @Test
    void aJobIsQueuedThenRunsThenEndsWithTheExitCodeItsScriptWrote() throws Exception {
        ToyExecutor executor = started(Map.of());
        List<SubmittedTask> jobs = submit(executor, 3);
        assertThat(jobs).extracting(SubmittedTask::nativeId).containsExactly("7", "8", "9");
        assertThat(Files.readString(workOf(jobs.get(0)).resolve(JobScript.FILE)))
                .startsWith("#!/bin/bash\n#TOY -N " + RUN + "\n#TOY -o " + workOf(jobs.get(0)).resolve(JobScript.LOG));
        assertThat(executor.poll(jobs)).as("nothing is known before the first round").isEmpty();

        nextRound(executor);
        assertThat(toy.callsOf("tstat")).as("the check at start, then one query for all jobs").hasSize(2);
        assertThat(executor.poll(jobs)).hasSize(3).allSatisfy((t, s) -> assertThat(s.state())
                .isEqualTo(TaskStatus.State.PENDING));
        assertThat(executor.poll(jobs)).as("only changes are reported").isEmpty();

        toy.set("7", "R");
        nextRound(executor);
        assertThat(executor.poll(jobs)).containsOnlyKeys(jobs.get(0));
        assertThat(plugin.statuses()).contains("t1: job 7 q", "t1: job 7 running on node1");

        Files.writeString(workOf(jobs.get(0)).resolve(".exitcode"), "3\n");
        toy.set("7", "C");
        nextRound(executor);
        TaskStatus end = executor.poll(jobs).get(jobs.get(0));
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(3);
        assertThat(executor.poll(jobs)).as("an end is reported once, then forgotten").isEmpty();
        assertThat(plugin.metrics().counterTotal("commands_total", "command", "tstat")).isEqualTo(4);
    }

    @Test
    void anEndWithoutAnExitCodeFailsAfterTheGraceWithTheSchedulersWordAndTheLog() throws Exception {
        ToyExecutor executor = started(Map.of("exitCodeGrace", "20s"));
        SubmittedTask job = submit(executor, 1).get(0);
        Files.writeString(workOf(job).resolve(JobScript.LOG), "toyd: cannot chdir\n");
        toy.set(job.nativeId(), "C Exit_status");
        nextRound(executor);
        assertThat(executor.poll(List.of(job)).get(job)).as("within the grace").isNull();
        assertThat(executor.untilNextRound()).as("files are looked for at the shortest interval")
                .isEqualTo(Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(20));
        executor.statusRound();
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).contains("Toy reports job 7 C (Exit_status) but no exit code appeared in")
                .contains("within 20s (executors.toy.exitCodeGrace)").contains("toyd: cannot chdir");
    }

    @Test
    void aJobThatLeftTheQueueIsJudgedByItsExitCodeFile() throws Exception {
        ToyExecutor executor = started(Map.of("exitCodeGrace", "5s"));
        List<SubmittedTask> jobs = submit(executor, 2);
        nextRound(executor);
        assertThat(executor.poll(jobs)).hasSize(2);
        synchronized (toy) {
            toy.jobs.clear();
        }
        Files.writeString(workOf(jobs.get(0)).resolve(".exitcode"), "0\n");
        nextRound(executor);
        assertThat(executor.poll(jobs)).containsOnlyKeys(jobs.get(0));
        time.advance(Duration.ofSeconds(5));
        executor.statusRound();
        TaskStatus lost = executor.poll(jobs).get(jobs.get(1));
        assertThat(lost.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(lost.reason()).contains("job 8 left Toy's queue").contains("no exit code appeared");
    }

    @Test
    void schedulerEndsMapToTaskStatesAndNameWhoCancelled() throws Exception {
        ToyExecutor executor = started(Map.of());
        List<SubmittedTask> jobs = submit(executor, 3);
        toy.set("7", "T");
        toy.set("8", "K");
        toy.set("9", "Z Weird");
        nextRound(executor);
        Map<SubmittedTask, TaskStatus> ends = executor.poll(jobs);
        assertThat(ends.get(jobs.get(0)).state()).isEqualTo(TaskStatus.State.TIMEOUT);
        assertThat(ends.get(jobs.get(1)).state()).isEqualTo(TaskStatus.State.CANCELLED);
        assertThat(ends.get(jobs.get(1)).reason()).isEqualTo("job 8 was cancelled in Toy (not by sluice: tdel?)");
        assertThat(ends.get(jobs.get(2)).reason()).isEqualTo("Toy ended job 9: Z (Weird)");
    }

    @Test
    void aJobTheSchedulerWillNeverStartFailsAndIsCancelled() throws Exception {
        ToyExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        toy.set(job.nativeId(), "Q NoSuchQueue");
        nextRound(executor);
        TaskStatus end = executor.poll(List.of(job)).get(job);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).startsWith("Toy will not start job 7: it is pending with reason NoSuchQueue (the "
                + "queue does not exist); the job was cancelled");
        assertThat(toy.callsOf("tdel")).containsExactly(List.of(bin.resolve("tdel").toString(), "7"));
    }

    @Test
    void terminateSignalsRunningJobsAndCancelsQueuedOnesThenForceCancelsWhatStillRuns() throws Exception {
        ToyExecutor executor = started(Map.of());
        List<SubmittedTask> jobs = submit(executor, 3);
        toy.set("7", "R");
        nextRound(executor);
        executor.poll(jobs);

        executor.terminate(jobs, Duration.ofSeconds(30));
        assertThat(toy.signalled).containsExactly("7");
        assertThat(toy.callsOf("tdel")).hasSize(2);
        assertThat(toy.callsOf("tdel").get(1)).endsWith("8", "9");

        executor.force(jobs);
        assertThat(toy.callsOf("tdel")).as("the queued jobs' cancel is not repeated").hasSize(3);
        assertThat(toy.callsOf("tdel").get(2)).containsExactly(bin.resolve("tdel").toString(), "7");
        nextRound(executor);
        assertThat(executor.poll(jobs)).hasSize(3).allSatisfy((t, s) -> {
            assertThat(s.state()).isEqualTo(TaskStatus.State.CANCELLED);
            assertThat(s.reason()).doesNotContain("not by sluice");
        });
        executor.force(jobs);
        assertThat(toy.callsOf("tdel")).as("ended jobs are left alone").hasSize(3);
    }

    @Test
    void aCallbackEndsTheJobWithoutAskingTheScheduler() throws Exception {
        ToyExecutor executor = started(Map.of());
        SubmittedTask job = submit(executor, 1).get(0);
        String key = job.taskId() + "." + job.attempt();
        assertThat(executor.callback(job.nativeId(), "0\n")).as("keyed by attempt, not job id").isFalse();
        assertThat(executor.callback(key, "0\n")).isTrue();
        assertThat(context.statusChanges()).isEqualTo(1);
        assertThat(executor.poll(List.of(job)).get(job).isSuccess()).isTrue();
        assertThat(toy.callsOf("tstat")).as("only the check at start").hasSize(1);
        assertThat(executor.callback(key, "0")).as("a reported job is no longer known").isFalse();
        assertThat(executor.callback("not-a-job", "0")).isFalse();
    }

    @Test
    void aSchedulerThatDoesNotAnswerAtStartStopsTheExecutorInItsOwnWords() {
        toy.tstatAnswer = CommandRunner.Result.failed(1, "", "tstat: cannot connect to toyd\n");
        ToyExecutor executor = new ToyExecutor(plugin, toy);
        assertThatThrownBy(() -> executor.start(context(Map.of("binDir", bin.toString()), Optional.empty())))
                .isInstanceOf(ExecutorException.class)
                .hasMessage("the toy server does not answer: tstat: cannot connect to toyd; start toyd");
    }

    @Test
    void aMissingProgramOrAnUnknownSettingStopsTheExecutorWithTheFix() throws IOException {
        Files.delete(bin.resolve("tdel"));
        ToyExecutor executor = new ToyExecutor(plugin, toy);
        assertThatThrownBy(() -> executor.start(context(Map.of("binDir", bin.toString()), Optional.empty())))
                .hasMessage("tdel is not installed here (not in executors.toy.binDir " + bin + "); install the toy's "
                        + "tools or point executors.toy.binDir at the directory that has them");
        assertThatThrownBy(() -> executor.start(context(Map.of("pollInterval", "1s", "maxPollInterval", "0s"),
                Optional.empty()))).hasMessageContaining("'maxPollInterval' = '0s'")
                .hasMessageContaining("shorter than pollInterval (1s)");
    }

    @Test
    void aSubmitAnswerWithoutAJobIdFailsTheTask() throws Exception {
        CommandRunner garbled = command -> command.argv().get(0).endsWith("tsub") ? CommandRunner.Result.ok("ok\n")
                : toy.run(command);
        ToyExecutor confused = new ToyExecutor(plugin, garbled);
        confused.start(context(Map.of("binDir", bin.toString()), Optional.empty()));
        assertThatThrownBy(() -> submit(confused, 1)).isInstanceOf(TaskException.class)
                .hasMessage("tsub answered 'ok' instead of a job id for task test (t1)");
    }

    @Test
    void closeCancelsWhatIsLeftOfTheRunByName() throws Exception {
        ToyExecutor executor = started(Map.of());
        submit(executor, 2);
        executor.close();
        assertThat(toy.callsOf("tdel")).containsExactly(List.of(bin.resolve("tdel").toString(), "-N", RUN));
        synchronized (toy) {
            assertThat(toy.jobs.values()).containsOnly("K");
        }
    }
}
