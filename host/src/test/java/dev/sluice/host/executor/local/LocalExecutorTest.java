package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TaskStatus.State;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Launching real processes: exit codes, output files, environment, work directory, program lookup. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalExecutorTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path workRoot;

    private FakeTimeSource clock;
    private TaskRig rig;

    @BeforeEach
    void startExecutor() throws Exception {
        clock = new FakeTimeSource(START);
        rig = new TaskRig(workRoot, clock, spawners());
    }

    @AfterEach
    void closeExecutor() {
        rig.close();
    }

    /** How the executor under test launches; {@code ...ThroughJdkTest} runs every test the other way. */
    LocalExecutor.SpawnerFactory spawners() {
        return Spawner::open;
    }

    @Test
    void exitCodeZeroReachesPollAndTheExitCodeFile() throws Exception {
        SubmittedTask task = rig.shell("ok", "exit 0");

        TaskStatus status = rig.awaitEndAsTheHostSeesIt(task);

        // The peak memory is whatever the polls happened to read, if any: not compared.
        assertThat(status).usingRecursiveComparison().ignoringFields("peakRssBytes")
                .isEqualTo(TaskStatus.completed(0, START, START));
        assertThat(Files.readString(workRoot.resolve("ok/.exitcode"))).isEqualTo("0\n");
    }

    @Test
    void nonZeroExitCodeReachesPollAndTheExitCodeFile() throws Exception {
        SubmittedTask task = rig.shell("fails", "exit 3");

        TaskStatus status = rig.awaitEndAsTheHostSeesIt(task);

        assertThat(status.state()).isEqualTo(State.COMPLETED);
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.isSuccess()).isFalse();
        assertThat(Files.readString(workRoot.resolve("fails/.exitcode"))).isEqualTo("3\n");
    }

    @Test
    void theExitCodeFileIsWrittenWithoutLeavingTemporaryFiles() throws Exception {
        rig.awaitEndAsTheHostSeesIt(rig.shell("tidy", "exit 0"));

        try (var files = Files.list(workRoot.resolve("tidy"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(".command.out", ".command.err", ".exitcode");
        }
    }

    @Test
    void theExecutorLeavesTheExitCodeFileToTheHost() throws Exception {
        rig.awaitEnd(rig.shell("no-file", "exit 4"));

        try (var files = Files.list(workRoot.resolve("no-file"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(".command.out", ".command.err");
        }
    }

    @Test
    void runningTaskIsReportedRunningWithItsStartTime() throws Exception {
        Path dir = rig.workDir("waits");
        TaskRig.mkfifo(dir.resolve("go"));
        // Blocks on the pipe until the test opens it for writing.
        SubmittedTask task = rig.executor.submit(rig.launch("waits", dir, Map.of(), "sh", "-c", "read x < go"));

        assertThat(rig.poll(task)).isEqualTo(TaskStatus.running(START));

        Files.writeString(dir.resolve("go"), "now\n");
        assertThat(rig.awaitEnd(task).exitCode()).isZero();
    }

    @Test
    void nativeIdIsThePidOfTheTaskProcess() throws Exception {
        SubmittedTask task = rig.shell("pid", "echo $$");

        rig.awaitEnd(task);

        assertThat(Files.readString(workRoot.resolve("pid/.command.out")).trim()).isEqualTo(task.nativeId());
        assertThat(task.taskId()).isEqualTo("pid");
        assertThat(task.attempt()).isEqualTo(1);
    }

    @Test
    void eachTaskLeadsAProcessGroupOfItsOwn() throws Exception {
        SubmittedTask task = rig.shell("group", "cut -d' ' -f5 /proc/$$/stat");

        rig.awaitEnd(task);

        String group = Files.readString(workRoot.resolve("group/.command.out")).trim();
        assertThat(group).isEqualTo(task.nativeId());
        assertThat(Long.parseLong(group)).isNotEqualTo(TaskRig.processGroupOf(ProcessHandle.current().pid()));
    }

    @Test
    void stdoutAndStderrLandInTheirFiles() throws Exception {
        SubmittedTask task = rig.shell("output", "echo to-out; echo to-err >&2; echo more-out");

        rig.awaitEnd(task);

        assertThat(Files.readString(workRoot.resolve("output/.command.out"))).isEqualTo("to-out\nmore-out\n");
        assertThat(Files.readString(workRoot.resolve("output/.command.err"))).isEqualTo("to-err\n");
    }

    @Test
    void stdinIsEmptySoAReadingTaskDoesNotHang() throws Exception {
        Path dir = rig.workDir("stdin");

        SubmittedTask task = rig.executor.submit(rig.launch("stdin", dir, Map.of(), "cat"));

        assertThat(rig.awaitEnd(task).exitCode()).isZero();
        assertThat(Files.readString(dir.resolve(".command.out"))).isEmpty();
    }

    @Test
    void taskEnvironmentIsAddedToTheHostEnvironment() throws Exception {
        Path dir = rig.workDir("env");
        String hostPath = System.getenv("PATH");

        SubmittedTask task = rig.executor.submit(rig.launch("env", dir,
                Map.of("SLUICE_GREETING", "hello world", "HOME", "/task/home"),
                "sh", "-c", "printf '%s|%s|%s' \"$SLUICE_GREETING\" \"$HOME\" \"$PATH\""));

        rig.awaitEnd(task);
        assertThat(Files.readString(dir.resolve(".command.out")))
                .isEqualTo("hello world|/task/home|" + hostPath);
    }

    @Test
    void workingDirectoryIsTheCommandsWorkDir() throws Exception {
        Path dir = rig.workDir("cwd");

        SubmittedTask task = rig.executor.submit(rig.launch("cwd", dir, Map.of(), "pwd", "-P"));

        rig.awaitEnd(task);
        assertThat(Files.readString(dir.resolve(".command.out")).trim()).isEqualTo(dir.toRealPath().toString());
    }

    @Test
    void argumentsArePassedAsArgvWithoutShellSplitting() throws Exception {
        Path dir = rig.workDir("argv");

        SubmittedTask task = rig.executor.submit(rig.launch("argv", dir, Map.of(),
                "printf", "[%s]", "two words", "$HOME", "-n"));

        rig.awaitEnd(task);
        assertThat(Files.readString(dir.resolve(".command.out"))).isEqualTo("[two words][$HOME][-n]");
    }

    @Test
    void programWithASlashIsResolvedAgainstTheWorkDir() throws Exception {
        Path dir = rig.workDir("relative");
        executable(dir.resolve("run.sh"), "#!/bin/sh\necho ran\nexit 7\n");

        SubmittedTask task = rig.executor.submit(rig.launch("relative", dir, Map.of(), "./run.sh"));

        assertThat(rig.awaitEnd(task).exitCode()).isEqualTo(7);
        assertThat(Files.readString(dir.resolve(".command.out"))).isEqualTo("ran\n");
    }

    @Test
    void programIsLookedUpOnTheTasksOwnPath() throws Exception {
        Path dir = rig.workDir("taskpath");
        Path tools = Files.createDirectories(workRoot.resolve("tools"));
        executable(tools.resolve("sluice-test-tool"), "#!/bin/sh\necho tool\n");

        SubmittedTask task = rig.executor.submit(rig.launch("taskpath", dir,
                Map.of("PATH", tools + ":/usr/bin:/bin"), "sluice-test-tool"));

        assertThat(rig.awaitEnd(task).exitCode()).isZero();
        assertThat(Files.readString(dir.resolve(".command.out"))).isEqualTo("tool\n");
    }

    /** A relative PATH entry is a directory of each task's own: what one task found is not another's. */
    @Test
    void aRelativePathEntryIsLookedUpInEachTasksOwnDirectory() throws Exception {
        for (String name : List.of("one", "two")) {
            Path dir = rig.workDir(name);
            executable(Files.createDirectories(dir.resolve("bin")).resolve("sluice-test-tool"),
                    "#!/bin/sh\necho " + name + "\n");
        }
        for (String name : List.of("one", "two")) {
            Path dir = workRoot.resolve(name);
            SubmittedTask task = rig.executor.submit(rig.launch(name, dir, Map.of("PATH", "bin:/usr/bin:/bin"),
                    "sluice-test-tool"));
            assertThat(rig.awaitEnd(task).exitCode()).isZero();
            assertThat(Files.readString(dir.resolve(".command.out"))).isEqualTo(name + "\n");
        }
    }

    /** As execvp does, a program the kernel cannot run (a script without "#!") is run by /bin/sh. */
    @Test
    void aScriptWithoutAnInterpreterLineRunsUnderSh() throws Exception {
        Path dir = rig.workDir("noshebang");
        executable(dir.resolve("job"), "echo \"$0 $1\"\n");

        SubmittedTask task = rig.executor.submit(rig.launch("noshebang", dir, Map.of(), "./job", "arg"));

        assertThat(rig.awaitEnd(task).exitCode()).isZero();
        assertThat(Files.readString(dir.resolve(".command.out"))).endsWith("job arg\n");
    }

    @Test
    void commandNotFoundOnTheTasksPathNamesTheCommandAndThatPath() throws Exception {
        Path dir = rig.workDir("missing");
        String taskPath = workRoot.resolve("a") + ":" + workRoot.resolve("b");
        TaskLaunch launch = rig.launch("missing", dir, Map.of("PATH", taskPath), "sluice-no-such-program", "x");

        assertThatThrownBy(() -> rig.executor.submit(launch))
                .isInstanceOf(TaskException.class)
                .hasMessageContaining("'sluice-no-such-program'")
                .hasMessageContaining("the task's PATH (" + taskPath + ")")
                .hasMessageContaining("install it")
                .hasMessageContaining("full path");
        assertThat(dir.resolve(".command.out")).doesNotExist();
    }

    @Test
    void commandNotFoundOnTheHostPathNamesTheHostPath() throws Exception {
        Path dir = rig.workDir("missing-host");
        TaskLaunch launch = rig.launch("missing-host", dir, Map.of(), "sluice-no-such-program");

        assertThatThrownBy(() -> rig.executor.submit(launch))
                .isInstanceOf(TaskException.class)
                .hasMessageContaining("'sluice-no-such-program'")
                .hasMessageContaining("the host's PATH (" + System.getenv("PATH") + ")");
    }

    @Test
    void missingRelativeProgramNamesThePathLookedAt() throws Exception {
        Path dir = rig.workDir("missing-relative");
        TaskLaunch launch = rig.launch("missing-relative", dir, Map.of(), "bin/tool.sh");

        assertThatThrownBy(() -> rig.executor.submit(launch))
                .isInstanceOf(TaskException.class)
                .hasMessageContaining("'bin/tool.sh' does not exist")
                .hasMessageContaining(dir.resolve("bin/tool.sh").toString());
    }

    @Test
    void programThatIsNotExecutableSaysHowToFixIt() throws Exception {
        Path dir = rig.workDir("not-executable");
        Files.writeString(dir.resolve("job.sh"), "echo hi\n");
        TaskLaunch launch = rig.launch("not-executable", dir, Map.of(), "./job.sh");

        assertThatThrownBy(() -> rig.executor.submit(launch))
                .isInstanceOf(TaskException.class)
                .hasMessageContaining("is not executable")
                .hasMessageContaining("chmod +x " + dir.resolve("job.sh"));
    }

    @Test
    void launchFailureIsATaskExceptionWithTheCause() throws Exception {
        Path dir = rig.workDir("no-output-dir");
        Path elsewhere = workRoot.resolve("does-not-exist");
        TaskFiles files = new TaskFiles(dir, dir.resolve(".command.sh"), elsewhere.resolve(".command.out"),
                elsewhere.resolve(".command.err"), dir.resolve(".exitcode"));
        TaskLaunch launch = new TaskLaunch(TestTaskHandle.of("no-output-dir").withWorkDir(dir),
                new LaunchCommand(List.of("true"), Map.of(), dir), files);

        assertThatThrownBy(() -> rig.executor.submit(launch))
                .isInstanceOf(TaskException.class)
                .hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("could not start true");
    }

    @Test
    void pollReportsATaskItNeverLaunchedAsFailed() throws Exception {
        SubmittedTask stranger = new SubmittedTask("elsewhere", 2, "999999");

        TaskStatus status = rig.poll(stranger);

        assertThat(status.state()).isEqualTo(State.FAILED);
        assertThat(status.reason()).contains("elsewhere").contains("999999");
    }

    @Test
    void pollAnswersManyTasksAtOnce() throws Exception {
        SubmittedTask first = rig.shell("first", "exit 1");
        SubmittedTask second = rig.shell("second", "exit 2");
        // Each end is answered once (then forgotten), so the first terminal answer of each counts.
        Map<SubmittedTask, TaskStatus> ends = new java.util.HashMap<>();
        while (ends.size() < 2) {
            Map<SubmittedTask, TaskStatus> answer = rig.executor.poll(List.of(first, second));
            assertThat(answer).hasSize(2);
            answer.forEach((task, status) -> {
                if (status.state().isTerminal()) {
                    ends.putIfAbsent(task, status);
                }
            });
            if (ends.size() < 2) {
                assertThat(rig.context.awaitChange(TaskRig.PATIENCE)).isTrue();
            }
        }

        assertThat(ends.get(first).exitCode()).isEqualTo(1);
        assertThat(ends.get(second).exitCode()).isEqualTo(2);
    }

    @Test
    void submitBeforeStartIsRefused() {
        LocalExecutor unstarted = new LocalExecutor();
        TaskLaunch launch = rig.launch("early", workRoot, Map.of(), "true");

        assertThatThrownBy(() -> unstarted.submit(launch))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("not been started");
    }

    @Test
    void submitAfterCloseIsRefused() throws Exception {
        Path dir = rig.workDir("late");
        rig.close();

        assertThatThrownBy(() -> rig.executor.submit(rig.launch("late", dir, Map.of(), "true")))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void isNamedLocal() throws Exception {
        try (TaskRig other = new TaskRig(workRoot, TimeSource.system(), Settings.of(Map.of(), "test"))) {
            assertThat(other.executor.name()).isEqualTo("local");
        }
    }

    private static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
