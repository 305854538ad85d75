package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TaskStatus.State;
import dev.sluice.spi.testing.FakeTimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ending process groups: {@code terminate} sends SIGTERM, {@code force} SIGKILL, and the test plays the
 * host, which forces a task when its grace has passed on the fake clock. Tasks signal "ready" through
 * named pipes, so each step waits on the task itself and never on a sleep.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalExecutorKillTest {
    private static final Duration GRACE = Duration.ofSeconds(30);
    /** Survives SIGTERM (the trap reports it through the "term" pipe) and only ends on SIGKILL. */
    private static final String IGNORES_TERM =
            "trap 'echo term > term' TERM; echo ready > ready; while :; do sleep 300 & wait $!; done";

    @TempDir
    Path workRoot;

    private FakeTimeSource clock;
    TaskRig rig;

    @BeforeEach
    void startExecutor() throws Exception {
        clock = new FakeTimeSource();
        rig = new TaskRig(workRoot, clock, dev.sluice.spi.Settings.of(java.util.Map.of(), "executors.local"), spawners(),
                loopProgram());
    }

    /** The task loop tasks start through; null: from the JVM ({@code ...ThroughLoopTest} runs every test through it). */
    java.nio.file.Path loopProgram() {
        return null;
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
    void terminateSendsSigterm() throws Exception {
        Path dir = rig.workDir("term");
        TaskRig.mkfifo(dir.resolve("ready"));
        SubmittedTask task = rig.shell("term", "echo ready > ready; exec sleep 300");
        assertThat(Files.readString(dir.resolve("ready"))).isEqualTo("ready\n");

        rig.executor.terminate(List.of(task), GRACE);

        // Nothing forces it, so only SIGTERM (exit status 128 + 15) can have ended it.
        TaskStatus status = rig.awaitEndAsTheHostSeesIt(task);
        assertThat(status.state()).isEqualTo(State.CANCELLED);
        assertThat(status.exitCode()).isEqualTo(143);
        assertThat(status.reason()).contains("SIGTERM");
        assertThat(Files.readString(dir.resolve(".exitcode"))).isEqualTo("143\n");
    }

    @Test
    void taskThatTrapsSigtermIsKilledWhenTheHostForcesItAfterTheGracePeriod() throws Exception {
        Path dir = rig.workDir("stubborn");
        TaskRig.mkfifo(dir.resolve("ready"));
        TaskRig.mkfifo(dir.resolve("term"));
        SubmittedTask task = rig.shell("stubborn", IGNORES_TERM);
        assertThat(Files.readString(dir.resolve("ready"))).isEqualTo("ready\n");
        rig.pidOf(task); // known to have started (the task loop reports a start a moment after it)

        rig.executor.terminate(List.of(task), GRACE);

        assertThat(Files.readString(dir.resolve("term"))).as("the task's TERM trap ran").isEqualTo("term\n");
        assertThat(clock.sleepers()).as("the executor waits out no grace of its own").isZero();
        assertThat(rig.poll(task).state()).as("alive during the grace period").isEqualTo(State.RUNNING);

        clock.advance(GRACE);
        rig.executor.force(List.of(task));

        TaskStatus status = rig.awaitEndAsTheHostSeesIt(task);
        assertThat(status.state()).isEqualTo(State.CANCELLED);
        assertThat(status.exitCode()).isEqualTo(137);
        assertThat(status.reason()).contains("SIGKILL").contains("30s");
        assertThat(Files.readString(dir.resolve(".exitcode"))).isEqualTo("137\n");
    }

    @Test
    void forceSendsSigkillAtOnce() throws Exception {
        Path dir = rig.workDir("at-once");
        TaskRig.mkfifo(dir.resolve("ready"));
        TaskRig.mkfifo(dir.resolve("term"));
        SubmittedTask task = rig.shell("at-once", IGNORES_TERM);
        assertThat(Files.readString(dir.resolve("ready"))).isEqualTo("ready\n");

        rig.executor.force(List.of(task));

        TaskStatus status = rig.awaitEnd(task);
        assertThat(status.state()).isEqualTo(State.CANCELLED);
        assertThat(status.exitCode()).isEqualTo(137);
        assertThat(status.reason()).contains("SIGKILL");
        assertThat(clock.sleepers()).as("nothing waits for a grace period").isZero();
    }

    @Test
    @DisplayName("regression: kill left the grandchild running")
    void killLeftTheGrandchildRunning() throws Exception {
        Path dir = rig.workDir("family");
        TaskRig.mkfifo(dir.resolve("child.pid"));
        SubmittedTask task = rig.shell("family", "sleep 300 & echo $! > child.pid; sleep 300");
        long grandchild = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        assertThat(TaskRig.isRunning(grandchild)).isTrue();

        rig.executor.terminate(List.of(task), GRACE);

        assertThat(rig.awaitEnd(task).state()).isEqualTo(State.CANCELLED);
        TaskRig.awaitGone(grandchild);
        assertThat(TaskRig.isRunning(grandchild)).as("grandchild %d after the kill", grandchild).isFalse();
    }

    /**
     * The host forces only tasks still running, so once the leader has ended on SIGTERM the executor
     * kills what is left of the group itself, at once: a child that ignored SIGTERM would otherwise
     * outlive the task.
     */
    @Test
    void sigkillReachesAGrandchildThatTrapsSigtermOnceTheLeaderHasEnded() throws Exception {
        stopTaskWithAStubbornGrandchild("stubborn-child", java.util.Map.of());
        assertThat(clock.sleepers()).as("with no grace waited out and no force from the host").isZero();
    }

    /**
     * Starts a task whose leader dies on SIGTERM and whose grandchild traps it, asks it to stop, and checks
     * that the grandchild is gone once the leader has ended. ("term" stays a plain file: the SIGKILL that
     * follows the leader's end can come before the trap has run, so nothing may wait on it.)
     */
    private void stopTaskWithAStubbornGrandchild(String name, java.util.Map<String, String> hints) throws Exception {
        Path dir = rig.workDir(name);
        TaskRig.mkfifo(dir.resolve("ready"));
        TaskRig.mkfifo(dir.resolve("child.pid"));
        SubmittedTask task = rig.executor.submit(new dev.sluice.spi.TaskLaunch(
                dev.sluice.spi.testing.TestTaskHandle.of(name).withWorkDir(dir).withHints(hints),
                new dev.sluice.spi.LaunchCommand(List.of("sh", "-c", "sh -c \"" + IGNORES_TERM.replace("$!", "\\$!")
                        + "\" & echo $! > child.pid; sleep 300"), java.util.Map.of(), dir),
                dev.sluice.spi.TaskFiles.in(dir)));
        long grandchild = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        assertThat(Files.readString(dir.resolve("ready"))).isEqualTo("ready\n");

        rig.executor.terminate(List.of(task), GRACE);
        assertThat(rig.awaitEnd(task).exitCode()).as("the leader ended on SIGTERM").isEqualTo(143);

        TaskRig.awaitGone(grandchild);
        assertThat(TaskRig.isRunning(grandchild)).isFalse();
    }

    /**
     * A task that keeps its group but is asked to stop leaves nothing behind: what ignored SIGTERM is killed
     * when the leader ends, as for any other task, since the host forces only tasks still running.
     */
    @Test
    void aTaskThatKeepsItsGroupButIsAskedToStopLeavesNothingBehind() throws Exception {
        stopTaskWithAStubbornGrandchild("kept-stopped", java.util.Map.of("local/keepProcessGroup", "true"));
    }

    /** What a task leaves running in its process group ends with it (issue 15). */
    @Test
    void aChildLeftRunningEndsWithItsTask() throws Exception {
        Path dir = rig.workDir("leaves");
        TaskRig.mkfifo(dir.resolve("child.pid"));
        SubmittedTask task = rig.shell("leaves", "sleep 1000 & echo $! > child.pid; exit 1");
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());

        assertThat(rig.awaitEnd(task).exitCode()).isEqualTo(1);

        // Polled, not through ProcessHandle.onExit: the orphan's reaper may be slow to reap it, and a
        // zombie has ended.
        long deadline = System.nanoTime() + TaskRig.PATIENCE.toNanos();
        while (TaskRig.isRunning(child) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(TaskRig.isRunning(child)).as("the child %d after its task ended", child).isFalse();
    }

    /** local/keepProcessGroup: true leaves it, for a task that starts a daemon on purpose. */
    @Test
    void withKeepProcessGroupAChildLeftRunningOutlivesItsTask() throws Exception {
        Path dir = rig.workDir("daemon");
        TaskRig.mkfifo(dir.resolve("child.pid"));
        SubmittedTask task = rig.executor.submit(new dev.sluice.spi.TaskLaunch(
                dev.sluice.spi.testing.TestTaskHandle.of("daemon").withWorkDir(dir)
                        .withHints(java.util.Map.of("local/keepProcessGroup", "true")),
                new dev.sluice.spi.LaunchCommand(List.of("sh", "-c", "sleep 1000 & echo $! > child.pid; exit 0"),
                        java.util.Map.of(), dir), dev.sluice.spi.TaskFiles.in(dir)));
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        try {
            assertThat(rig.awaitEnd(task).exitCode()).isZero();
            assertThat(TaskRig.isRunning(child)).as("the daemon %d after its task ended", child).isTrue();
        } finally {
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void anUnknownOrBadLocalHintIsRefusedNamingIt() {
        assertThatThrownBy(() -> rig.executor.validateHints(dev.sluice.spi.Hints.of(
                java.util.Map.of("local/keepProcesGroup", "true"), "process p")))
                .hasMessageContaining("local/keepProcesGroup").hasMessageContaining("local/keepProcessGroup");
        assertThatThrownBy(() -> rig.executor.validateHints(dev.sluice.spi.Hints.of(
                java.util.Map.of("local/keepProcessGroup", "yes please"), "process p")))
                .hasMessageContaining("not a boolean");
    }

    /**
     * Once its end is reported the executor forgets a task (a long run holds only tasks in flight), so a
     * late kill signals nothing: not even whatever process has its pid by then.
     */
    @Test
    void killingAFinishedTaskChangesNothing() throws Exception {
        SubmittedTask task = rig.shell("done", "exit 0");
        assertThat(rig.awaitEnd(task).exitCode()).isZero();

        rig.executor.terminate(List.of(task), GRACE);
        rig.executor.force(List.of(task));

        assertThat(rig.poll(task).reason()).contains("its end was reported already");
        assertThat(clock.sleepers()).isZero();
    }

    @Test
    void killingOneTaskLeavesTheOthersRunning() throws Exception {
        Path dir = rig.workDir("bystander");
        TaskRig.mkfifo(dir.resolve("ready"));
        SubmittedTask bystander = rig.shell("bystander", "echo ready > ready; exec sleep 300");
        assertThat(Files.readString(dir.resolve("ready"))).isEqualTo("ready\n");
        SubmittedTask victim = rig.shell("victim", "exec sleep 300");

        rig.executor.force(List.of(victim));

        assertThat(rig.awaitEnd(victim).state()).isEqualTo(State.CANCELLED);
        long pid = rig.pidOf(bystander);
        assertThat(rig.poll(bystander).state()).isEqualTo(State.RUNNING);
        assertThat(TaskRig.isRunning(pid)).isTrue();
    }

    /**
     * A kill that comes before the task has made its own group (through the JDK, the leader is still
     * {@code setsid} for a moment) reaches it all the same; the CI machine under load once lost that race.
     */
    @Test
    void tasksKilledTheMomentTheyAreLaunchedEnd() throws Exception {
        List<SubmittedTask> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            SubmittedTask task = rig.shell("early" + i, "exec sleep 300");
            rig.executor.force(List.of(task));
            tasks.add(task);
        }
        for (SubmittedTask task : tasks) {
            assertThat(rig.awaitEnd(task).state()).isEqualTo(State.CANCELLED);
        }
    }

    @Test
    void negativeGracePeriodIsRefused() throws Exception {
        SubmittedTask task = rig.shell("negative", "exit 0");

        assertThatThrownBy(() -> rig.executor.terminate(List.of(task), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
    }

    @Test
    void closeKillsEveryRunningGroup() throws Exception {
        Path dir = rig.workDir("left-running");
        TaskRig.mkfifo(dir.resolve("child.pid"));
        SubmittedTask task = rig.shell("left-running", "sleep 300 & echo $! > child.pid; sleep 300");
        long grandchild = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        long pid = rig.pidOf(task);

        rig.executor.close();

        assertThat(TaskRig.isRunning(pid)).as("the task itself").isFalse();
        assertThat(rig.poll(task).state()).isEqualTo(State.CANCELLED);
        TaskRig.awaitGone(grandchild);
        assertThat(TaskRig.isRunning(grandchild)).as("its grandchild").isFalse();
    }

    @Test
    void closeEndsAGracePeriodEarlyWithSigkill() throws Exception {
        Path dir = rig.workDir("closing");
        TaskRig.mkfifo(dir.resolve("ready"));
        TaskRig.mkfifo(dir.resolve("term"));
        SubmittedTask task = rig.shell("closing", IGNORES_TERM);
        assertThat(Files.readString(dir.resolve("ready"))).isEqualTo("ready\n");
        rig.executor.terminate(List.of(task), GRACE);
        assertThat(Files.readString(dir.resolve("term"))).isEqualTo("term\n");
        long pid = rig.pidOf(task);

        rig.executor.close();

        assertThat(TaskRig.isRunning(pid)).isFalse();
        assertThat(rig.poll(task).exitCode()).isEqualTo(137);
    }
}
