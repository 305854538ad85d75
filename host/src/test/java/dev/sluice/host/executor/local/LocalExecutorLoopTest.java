package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TaskStatus.State;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local executor with its task loop ({@link TaskLoop}): launches handed over ahead of the free CPUs and
 * started in order as they fit, pids learnt at the start, ends reported in batches, and what the loop does
 * that the JVM did before (a script run by {@code sh}, a program looked up again, the launch file's lines).
 * One CPU, so that a second task waits.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalExecutorLoopTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path workRoot;

    private TaskRig rig;

    @BeforeEach
    void startExecutor() throws Exception {
        rig = new TaskRig(workRoot, new FakeTimeSource(START), Settings.of(Map.of("cpus", "1"), "executors.local"),
                Spawner::open, TaskRig.loopProgram());
    }

    @AfterEach
    void closeExecutor() {
        rig.close();
    }

    @Test
    void theMonitorHandsLaunchesAheadAndSubmitsOnItsOwnThread() {
        assertThat(rig.executor.launchesAhead()).isEqualTo(LocalExecutor.launchesAhead(1)).isEqualTo(16);
        assertThat(rig.executor.submitConcurrency()).isEqualTo(1);
    }

    @Test
    void aTaskIsPendingUntilTheLoopStartsItThenRunsUnderItsPid() throws Exception {
        Path dir = rig.workDir("pid");
        TaskRig.mkfifo(dir.resolve("go"));
        SubmittedTask task = rig.executor.submit(rig.launch("pid", dir, Map.of(), "sh", "-c", "echo $$; read x < go"));
        assertThat(task.nativeId()).as("a launch number until its start").matches("L[0-9]+");

        long pid = rig.pidOf(task);
        TaskStatus running = rig.poll(task);
        assertThat(running.state()).isEqualTo(State.RUNNING);
        assertThat(running.nativeId()).isEqualTo(Long.toString(pid));
        assertThat(TaskRig.processGroupOf(pid)).as("it leads a group of its own").isEqualTo(pid);
        assertThat(TaskRig.sessionOf(pid)).as("and a session").isEqualTo(pid);

        Files.writeString(dir.resolve("go"), "now\n");
        TaskStatus end = rig.awaitEnd(task);
        assertThat(end.exitCode()).isZero();
        assertThat(end.nativeId()).isEqualTo(Long.toString(pid));
        assertThat(Files.readString(dir.resolve(".command.out")).trim()).isEqualTo(Long.toString(pid));
    }

    @Test
    void launchesBeyondTheCpusWaitAndStartInTheOrderGiven() throws Exception {
        Path dir = rig.workDir("first");
        TaskRig.mkfifo(dir.resolve("go"));
        SubmittedTask first = rig.executor.submit(rig.launch("first", dir, Map.of(), "sh", "-c", "read x < go"));
        Path order = workRoot.resolve("order");
        SubmittedTask second = rig.executor.submit(rig.launch("second", rig.workDir("second"), Map.of(), "sh", "-c",
                "echo second >> " + order));
        SubmittedTask third = rig.executor.submit(rig.launch("third", rig.workDir("third"), Map.of(), "sh", "-c",
                "echo third >> " + order));
        rig.pidOf(first);

        assertThat(rig.poll(second).state()).as("one CPU, taken").isEqualTo(State.PENDING);
        assertThat(rig.poll(third).state()).isEqualTo(State.PENDING);
        assertThat(workRoot.resolve("second/.command.out")).as("not started at all").doesNotExist();

        Files.writeString(dir.resolve("go"), "now\n");
        assertThat(rig.awaitEnd(first).exitCode()).isZero();
        assertThat(rig.awaitEnd(second).exitCode()).isZero();
        assertThat(rig.awaitEnd(third).exitCode()).isZero();
        assertThat(Files.readAllLines(order)).containsExactly("second", "third");
    }

    @Test
    void aLaunchThatDoesNotFitYetLetsALaterOneThatDoesGoFirst() throws Exception {
        TaskRig two = new TaskRig(workRoot.resolve("two"), new FakeTimeSource(START),
                Settings.of(Map.of("cpus", "2"), "executors.local"), Spawner::open, TaskRig.loopProgram());
        try {
            Path dir = two.workDir("small");
            TaskRig.mkfifo(dir.resolve("go"));
            SubmittedTask small = two.executor.submit(two.launch("small", dir, Map.of(), "sh", "-c", "read x < go"));
            Path bigDir = two.workDir("big");
            SubmittedTask big = two.executor.submit(new TaskLaunch(TestTaskHandle.of("big").withWorkDir(bigDir)
                    .withResources(new Resources(2, 0, null, 0, null)),
                    new LaunchCommand(List.of("true"), Map.of(), bigDir), TaskFiles.in(bigDir)));
            SubmittedTask later = two.executor.submit(two.launch("later", two.workDir("later"), Map.of(), "true"));

            assertThat(two.awaitEnd(later).exitCode()).as("the free CPU is used").isZero();
            assertThat(two.poll(big).state()).as("still waiting for both CPUs").isEqualTo(State.PENDING);
            Files.writeString(dir.resolve("go"), "now\n");
            assertThat(two.awaitEnd(small).exitCode()).isZero();
            assertThat(two.awaitEnd(big).exitCode()).isZero();
        } finally {
            two.close();
        }
    }

    @Test
    void aLoopThatDiesTakesItsTasksWithItAndANewOneTakesTheNextLaunches() throws Exception {
        Path dir = rig.workDir("running");
        TaskRig.mkfifo(dir.resolve("child.pid"));
        SubmittedTask running = rig.shell("running", "sleep 300 & echo $! > child.pid; sleep 300");
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        long pid = rig.pidOf(running);
        SubmittedTask waiting = rig.shell("waiting", "exit 0");
        long first = rig.executor.loopPid();

        ProcessHandle.of(first).orElseThrow().destroyForcibly();

        TaskStatus end = rig.awaitEnd(running);
        assertThat(end.state()).isEqualTo(State.FAILED);
        assertThat(end.reason()).startsWith("the local executor's task loop stopped");
        assertThat(rig.awaitEnd(waiting).state()).isEqualTo(State.FAILED);
        TaskRig.awaitGone(pid);
        TaskRig.awaitGone(child);
        assertThat(TaskRig.isRunning(child)).as("what the task started is gone too").isFalse();
        assertThat(rig.awaitEnd(rig.shell("next", "exit 7")).exitCode()).as("a new loop started it").isEqualTo(7);
        assertThat(rig.executor.loopPid()).isPositive().isNotEqualTo(first);
    }

    @Test
    void whenTheHostGoesTheLoopAsksItsTasksToStop() throws Exception {
        java.util.concurrent.BlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        TaskLoop.Reports reports = new TaskLoop.Reports() {
            @Override
            public void started(long id, long pid) {
                heard.add("started " + id);
            }

            @Override
            public void notStarted(long id, int error) {
                heard.add("not started " + id);
            }

            @Override
            public void notListed(long id, int error) {
                heard.add("not listed " + id);
            }

            @Override
            public void ended(long id, int status, long maxRssKilobytes, long loopPeakKilobytes) {
                heard.add("ended " + id + " status " + status);
            }

            @Override
            public void dropped(long id) {
                heard.add("dropped " + id);
            }

            @Override
            public void batchDone() {
            }

            @Override
            public void lost(String why) {
                heard.add("lost " + why);
            }
        };
        Path launchFile = Files.createFile(workRoot.resolve("launches"));
        PosixSpawner spawner = PosixSpawner.open(NativeLibrary.load().library());
        try {
            TaskLoop loop = TaskLoop.start(spawner, TaskRig.loopProgram(), launchFile, 1, 0, 4, reports);
            Path dir = rig.workDir("stopped");
            loop.launch(1, 1, 0, true, new Spawner.Request(Path.of("/bin/sh"), List.of("sh", "-c", "exec sleep 300"),
                    Map.of(), dir, dir.resolve("out"), dir.resolve("err"), true), List.of(), true);
            loop.launch(2, 1, 0, true, new Spawner.Request(Path.of("/bin/true"), List.of("true"), Map.of(), dir,
                    dir.resolve("out2"), dir.resolve("err2"), true), List.of(), true);
            assertThat(heard.poll(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("started 1");

            // What the host's death does: its end of the loop's stdin closes.
            loop.abandon();

            List<String> after = new java.util.ArrayList<>();
            while (after.size() < 2) {
                String next = heard.poll(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(next).as("reports after %s", after).isNotNull();
                after.add(next);
            }
            assertThat(after).containsExactlyInAnyOrder("dropped 2", "ended 1 status 15");
        } finally {
            spawner.close();
        }
    }

    @Test
    void aWaitingLaunchThatIsKilledNeverStarts() throws Exception {
        Path dir = rig.workDir("holder");
        TaskRig.mkfifo(dir.resolve("go"));
        SubmittedTask holder = rig.executor.submit(rig.launch("holder", dir, Map.of(), "sh", "-c", "read x < go"));
        SubmittedTask waiting = rig.shell("waiting", "touch started");
        rig.pidOf(holder);

        rig.executor.terminate(List.of(waiting), Duration.ofSeconds(30));

        TaskStatus end = rig.awaitEnd(waiting);
        assertThat(end.state()).isEqualTo(State.CANCELLED);
        assertThat(end.exitCode()).isNull();
        assertThat(end.startedAt()).isNull();
        assertThat(end.reason()).contains("SIGTERM");
        Files.writeString(dir.resolve("go"), "now\n");
        assertThat(rig.awaitEnd(holder).exitCode()).isZero();
        assertThat(workRoot.resolve("waiting/started")).doesNotExist();
        assertThat(workRoot.resolve("waiting/.command.out")).doesNotExist();
    }

    @Test
    void aScriptWithoutAnInterpreterLineRunsUnderSh() throws Exception {
        Path dir = rig.workDir("script");
        Path script = dir.resolve("job");
        Files.writeString(script, "echo from sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        SubmittedTask task = rig.executor.submit(rig.launch("script", dir, Map.of(), "./job"));

        assertThat(rig.awaitEnd(task).exitCode()).isZero();
        assertThat(Files.readString(dir.resolve(".command.out"))).isEqualTo("from sh\n");
    }

    @Test
    void aLaunchThatCannotStartFailsWithTheSystemsWords() throws Exception {
        Path dir = rig.workDir("no-output-dir");
        Path elsewhere = workRoot.resolve("does-not-exist");
        TaskFiles files = new TaskFiles(dir, dir.resolve(".command.sh"), elsewhere.resolve(".command.out"),
                elsewhere.resolve(".command.err"), dir.resolve(".exitcode"));
        SubmittedTask task = rig.executor.submit(new TaskLaunch(TestTaskHandle.of("no-output-dir").withWorkDir(dir),
                new LaunchCommand(List.of("true"), Map.of(), dir), files));

        TaskStatus end = rig.awaitEnd(task);
        assertThat(end.state()).isEqualTo(State.FAILED);
        assertThat(end.reason()).startsWith("could not start true in " + dir)
                .contains("No such file or directory").contains("check that the work directory exists");
    }

    @Test
    void aRememberedProgramThatIsGoneIsLookedUpAgain() throws Exception {
        Path first = workRoot.resolve("bin1");
        Map<String, String> path = twoTools(first, workRoot.resolve("bin2"));
        Path one = rig.workDir("one");
        assertThat(rig.awaitEnd(rig.executor.submit(rig.launch("one", one, path, "tool"))).exitCode()).isZero();
        assertThat(Files.readString(one.resolve(".command.out"))).isEqualTo("bin1\n");

        Files.delete(first.resolve("tool"));
        Path two = rig.workDir("two");
        assertThat(rig.awaitEnd(rig.executor.submit(rig.launch("two", two, path, "tool"))).exitCode()).isZero();
        assertThat(Files.readString(two.resolve(".command.out"))).isEqualTo("bin2\n");
    }

    @Test
    void everyWaitingLaunchOfAProgramThatMovedFindsItAgain() throws Exception {
        Path first = workRoot.resolve("old");
        Map<String, String> path = twoTools(first, workRoot.resolve("new"));
        assertThat(rig.awaitEnd(rig.executor.submit(rig.launch("found", rig.workDir("found"), path, "tool")))
                .exitCode()).isZero();
        Path dir = rig.workDir("holder");
        TaskRig.mkfifo(dir.resolve("go"));
        SubmittedTask holder = rig.executor.submit(rig.launch("holder", dir, Map.of(), "sh", "-c", "read x < go"));
        List<SubmittedTask> waiting = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(rig.executor.submit(rig.launch("w" + i, rig.workDir("w" + i), path, "tool")));
        }
        rig.pidOf(holder);

        Files.delete(first.resolve("tool"));
        Files.writeString(dir.resolve("go"), "now\n");

        assertThat(rig.awaitEnd(holder).exitCode()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(rig.awaitEnd(waiting.get(i)).exitCode()).as("launch %d", i).isZero();
            assertThat(Files.readString(workRoot.resolve("w" + i).resolve(".command.out"))).isEqualTo("new\n");
        }
    }

    /** A program {@code tool} in each directory that prints the directory's name; a PATH of the two. */
    private static Map<String, String> twoTools(Path first, Path second) throws Exception {
        for (Path bin : List.of(first, second)) {
            Path tool = Files.createDirectories(bin).resolve("tool");
            Files.writeString(tool, "#!/bin/sh\necho " + bin.getFileName() + "\n");
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return Map.of("PATH", first + ":" + second);
    }

    /** What a task of {@code environment} prints for {@code echo "<words>"}. */
    private String echoed(String name, Map<String, String> environment, String words) throws Exception {
        Path dir = rig.workDir(name);
        SubmittedTask task = rig.executor.submit(rig.launch(name, dir, environment, "sh", "-c", "echo \"" + words + "\""));
        assertThat(rig.awaitEnd(task).exitCode()).isZero();
        return Files.readString(dir.resolve(".command.out"));
    }

    @Test
    void aTaskSeesTheHostsEnvironmentWithItsOwnAddedOrSetOverIt() throws Exception {
        assertThat(echoed("added", Map.of("SLUICE_TEST_VAR", "added"), "$SLUICE_TEST_VAR $HOME"))
                .as("only added: the host's list and the task's").isEqualTo("added " + System.getenv("HOME") + "\n");
        assertThat(echoed("over", Map.of("HOME", "/elsewhere"), "$HOME $PATH"))
                .as("one of the host's set over: the whole environment sent").isEqualTo("/elsewhere "
                        + System.getenv("PATH") + "\n");
    }

    @Test
    void theLaunchFileListsEachGroupWhileItRuns() throws Exception {
        Path dir = rig.workDir("listed");
        TaskRig.mkfifo(dir.resolve("go"));
        SubmittedTask task = rig.executor.submit(rig.launch("listed", dir, Map.of(), "sh", "-c", "read x < go"));
        long pid = rig.pidOf(task);
        Path launchFile = workRoot.resolve("runs").resolve(rig.context.runId()).resolve(LocalSupervisor.FILE_NAME);

        assertThat(Files.readAllLines(launchFile)).as("listed while it runs").containsExactly("+" + pid);
        Files.writeString(dir.resolve("go"), "now\n");
        rig.awaitEnd(task);
        assertThat(Files.readAllLines(launchFile)).containsExactly("+" + pid, "-" + pid);
    }

    @Test
    void theKernelsPeakMemoryOfATaskIsReported() throws Exception {
        Path dir = rig.workDir("memory");
        // A shell variable of 40 MB holds that much resident memory, far above the loop's own.
        SubmittedTask task = rig.executor.submit(rig.launch("memory", dir, Map.of(), "sh", "-c",
                "x=$(head -c 40000000 /dev/zero | tr '\\0' a); echo ${#x}"));

        TaskStatus end = rig.awaitEnd(task);
        assertThat(end.exitCode()).isZero();
        assertThat(end.peakRssBytes()).isGreaterThan(40_000_000L);
    }
}
