package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A started {@link LocalExecutor} over a temporary work root, with helpers to launch real processes
 * and to wait for their end on {@code statusChanged} rather than on sleeps.
 */
final class TaskRig implements AutoCloseable {
    /** How long a test waits for something that takes milliseconds; only reached when it is broken. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    final LocalExecutor executor;
    final FakeExecutorContext context;
    final Path workRoot;
    /** The files of each task launched through {@link #launch}, by task id, for {@link #awaitEndAsTheHostSeesIt}. */
    private final Map<String, TaskFiles> files = new ConcurrentHashMap<>();

    TaskRig(Path workRoot, TimeSource time) throws Exception {
        this(workRoot, time, Settings.of(Map.of(), "executors.local"));
    }

    TaskRig(Path workRoot, TimeSource time, Settings config) throws Exception {
        this(workRoot, time, config, Spawner::open);
    }

    TaskRig(Path workRoot, TimeSource time, LocalExecutor.SpawnerFactory spawners) throws Exception {
        this(workRoot, time, Settings.of(Map.of(), "executors.local"), spawners);
    }

    TaskRig(Path workRoot, TimeSource time, Settings config, LocalExecutor.SpawnerFactory spawners)
            throws Exception {
        this(workRoot, time, config, spawners, null);
    }

    /** With {@code loopProgram}, tasks start through that task loop; with null, from the JVM. */
    TaskRig(Path workRoot, TimeSource time, Settings config, LocalExecutor.SpawnerFactory spawners, Path loopProgram)
            throws Exception {
        this.executor = new LocalExecutor(spawners, loopProgram);
        this.workRoot = workRoot;
        this.context = new FakeExecutorContext(time, config, workRoot);
        executor.start(context);
    }

    /** A fresh work directory for one task. */
    Path workDir(String name) throws IOException {
        return Files.createDirectories(workRoot.resolve(name));
    }

    TaskLaunch launch(String id, Path workDir, Map<String, String> environment, String... argv) {
        files.put(id, TaskFiles.in(workDir));
        return new TaskLaunch(TestTaskHandle.of(id).withWorkDir(workDir),
                new LaunchCommand(List.of(argv), environment, workDir), TaskFiles.in(workDir));
    }

    /** Submits {@code sh -c script} in a new work directory named after the id. */
    SubmittedTask shell(String id, String script) throws Exception {
        Path dir = workRoot.resolve(id);
        Files.createDirectories(dir);
        return executor.submit(launch(id, dir, Map.of(), "sh", "-c", script));
    }

    TaskStatus poll(SubmittedTask task) throws Exception {
        return executor.poll(List.of(task)).get(task);
    }

    /** Polls after each {@code statusChanged} until the task has ended. */
    TaskStatus awaitEnd(SubmittedTask task) throws Exception {
        while (true) {
            TaskStatus status = poll(task);
            if (status.state().isTerminal()) {
                return status;
            }
            assertThat(context.awaitChange(PATIENCE))
                    .as("statusChanged() for %s within %s", task, PATIENCE).isTrue();
        }
    }

    /**
     * {@link #awaitEnd}, then the host's part: the executor writes no {@code .exitcode}, the host's work
     * directories do when it learns the end ({@code TaskPollingMonitor.apply} calls {@code WorkDirs.ended}),
     * so tests of what lands in that file hand the end on as the host does and wait for the write.
     */
    TaskStatus awaitEndAsTheHostSeesIt(SubmittedTask task) throws Exception {
        TaskStatus status = awaitEnd(task);
        if (status.exitCode() != null) {
            WorkDirs host = new WorkDirs(workRoot, "test-run");
            host.ended(files.get(task.taskId()), status.exitCode());
            host.close();
        }
        return status;
    }

    @Override
    public void close() {
        executor.close();
    }

    /**
     * The task's pid: its native id where the JVM started it, else (the task loop's {@code L<n>}) the id its
     * status gives once it runs, waiting for that.
     */
    long pidOf(SubmittedTask task) throws Exception {
        if (!task.nativeId().startsWith("L")) {
            return Long.parseLong(task.nativeId());
        }
        while (true) {
            TaskStatus status = poll(task);
            if (status.nativeId() != null) {
                return Long.parseLong(status.nativeId());
            }
            assertThat(status.state()).as("%s has not ended before it started", task).isEqualTo(TaskStatus.State.PENDING);
            assertThat(context.awaitChange(PATIENCE)).as("statusChanged() for %s within %s", task, PATIENCE).isTrue();
        }
    }

    /**
     * The task loop this build made, where it must have made one (a C compiler on the PATH, or CI); a test
     * that needs it is skipped where no C compiler could build it.
     */
    static Path loopProgram() {
        String property = System.getProperty(TaskLoop.PROPERTY);
        Path program = property == null ? null : Path.of(property);
        if (program == null || !Files.isExecutable(program)) {
            assertThat(SpawnerTest.nativeLibraryExpected()).as("the task loop of this build exists (%s)", program)
                    .isFalse();
            org.junit.jupiter.api.Assumptions.abort("no task loop in this build: " + program);
        }
        return program;
    }

    /** Makes a named pipe: a test reading it blocks until the task has written it, a latch across processes. */
    static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("mkfifo %s", path).isZero();
    }

    /** Whether a process is alive: its /proc entry exists and it is not a zombie awaiting its reaper. */
    static boolean isRunning(long pid) throws IOException {
        Optional<String> stat = readProcStat(pid);
        if (stat.isEmpty()) {
            return false;
        }
        char state = statFields(stat.get())[0].charAt(0);
        return state != 'Z' && state != 'X';
    }

    /** The process group of a process, from /proc. */
    static long processGroupOf(long pid) throws IOException {
        String stat = readProcStat(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        return Long.parseLong(statFields(stat)[2]);
    }

    /** The session of a process, from /proc. */
    static long sessionOf(long pid) throws IOException {
        String stat = readProcStat(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        return Long.parseLong(statFields(stat)[3]);
    }

    /** Waits, with the JDK's own process watch, until a process (not necessarily our child) is gone. */
    static void awaitGone(long pid) throws Exception {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            handle.get().onExit().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static Optional<String> readProcStat(long pid) throws IOException {
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "stat"),
                    StandardCharsets.UTF_8));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The fields after the command name, which may hold spaces: state, ppid, pgrp, ... */
    private static String[] statFields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }
}
