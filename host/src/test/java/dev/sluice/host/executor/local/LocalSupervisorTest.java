package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The watcher and the leftover check, with real process groups standing in for tasks. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalSupervisorTest {
    @TempDir
    Path workRoot;

    private final List<Process> groups = new ArrayList<>();

    @AfterEach
    void endGroups() {
        groups.forEach(Process::destroyForcibly);
    }

    /** {@code sleep 300} leading a session and group of its own, carrying {@code SLUICE_RUN_ID=runId} or not. */
    private long group(String runId) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("setsid", "sleep", "300");
        pb.environment().remove("SLUICE_RUN_ID");
        if (runId != null) {
            pb.environment().put("SLUICE_RUN_ID", runId);
        }
        Process p = pb.start();
        groups.add(p);
        // setsid execs sleep in the same process when it can: the pid is the group's.
        return p.pid();
    }

    /** Waits until the process leads its own session (setsid has run), and returns its pid. */
    private static long leader(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (TaskRig.sessionOf(pid) != pid) {
            assertThat(System.nanoTime()).as("process %d leads a session within 10 s", pid).isLessThan(deadline);
            Thread.sleep(5);
        }
        return pid;
    }

    private static boolean alive(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String s = Files.readString(stat);
            return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    private static boolean endsWithin(long pid, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (alive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private Path launchFile(String runId) {
        return workRoot.resolve("runs").resolve(runId).resolve(LocalSupervisor.FILE_NAME);
    }

    @Test
    void whatADeadTaskLoopLeftIsKilledFromTheLaunchFileButNotOthers() throws Exception {
        LocalSupervisor supervisor = LocalSupervisor.start(workRoot, "current");
        try {
            long task = leader(group("current"));
            long ended = leader(group("current"));
            long stranger = leader(group(null));
            long otherRun = leader(group("another"));
            // Lines it cannot read are skipped, as the watcher skips them, and the rest still count.
            Files.writeString(supervisor.launchFile(), "+12x\n+\n+" + task + "\n+" + ended + "\n-" + ended + "\n+"
                    + stranger + "\n+" + otherRun + "\nnot a line\n", java.nio.file.StandardOpenOption.APPEND);

            supervisor.killListed(JdkSpawner.open(), "current");

            assertThat(endsWithin(task, 15)).as("started and not ended, with the run's id").isTrue();
            assertThat(alive(ended)).as("a group whose end was recorded").isTrue();
            assertThat(alive(stranger)).as("a leader without the run's id").isTrue();
            assertThat(alive(otherRun)).as("another run's").isTrue();
        } finally {
            supervisor.close();
        }
    }

    @Test
    void aRunThatEndedWithoutItsWatcherHasItsTasksEndedByTheNextRunButNotOthers() throws Exception {
        long task = group("crashed");
        long ended = group("crashed");
        long stranger = group(null); // a pid reused by something that is not the run's
        Files.createDirectories(launchFile("crashed").getParent());
        Files.writeString(launchFile("crashed"), "+" + task + "\n+" + ended + "\n-" + ended + "\n+" + stranger + "\n");

        LocalSupervisor.start(workRoot, "next").close();

        assertThat(endsWithin(task, 15)).as("the crashed run's task").isTrue();
        assertThat(alive(ended)).as("a group whose end was recorded is not signalled").isTrue();
        assertThat(alive(stranger)).as("a live leader without the run's id is left alone").isTrue();
        assertThat(launchFile("crashed")).doesNotExist();
    }

    @Test
    void aGroupWhoseLeaderIsGoneAndATaskInAContainerAreEndedByWhatTheirProcessesCarry() throws Exception {
        // A leader that exited at once, leaving its child in its group.
        ProcessBuilder pb = new ProcessBuilder("setsid", "sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!");
        pb.environment().put("SLUICE_RUN_ID", "crashed");
        Process leader = pb.start();
        long child = Long.parseLong(new String(leader.getInputStream().readAllBytes()).trim());
        leader.waitFor();
        // apptainer passes the run's id into its container as APPTAINERENV_SLUICE_RUN_ID.
        ProcessBuilder wrapped = new ProcessBuilder("setsid", "sleep", "300");
        wrapped.environment().remove("SLUICE_RUN_ID");
        wrapped.environment().put("APPTAINERENV_SLUICE_RUN_ID", "crashed");
        Process container = wrapped.start();
        groups.add(container);
        Files.createDirectories(launchFile("crashed").getParent());
        Files.writeString(launchFile("crashed"), "+" + leader.pid() + "\n+" + container.pid() + "\n");

        LocalSupervisor.start(workRoot, "next").close();

        assertThat(endsWithin(child, 15)).as("the child left in the group of a leader that is gone").isTrue();
        assertThat(endsWithin(container.pid(), 15)).isTrue();
    }

    @Test
    void aRunStillGoingIsLeftAlone() throws Exception {
        try (LocalSupervisor going = LocalSupervisor.start(workRoot, "going")) {
            long task = group("going");
            going.launched(task);

            LocalSupervisor.start(workRoot, "other").close();

            assertThat(alive(task)).isTrue();
            assertThat(launchFile("going")).exists();
        }
    }

    @Test
    void aHostThatEndsItsTasksItselfLeavesNothingToEnd() throws Exception {
        long task = group("clean");
        LocalSupervisor supervisor = LocalSupervisor.start(workRoot, "clean");
        supervisor.launched(task);
        supervisor.close();
        assertThat(alive(task)).as("closing is not a kill: the executor ends its tasks before").isTrue();
        assertThat(launchFile("clean")).doesNotExist();
    }

    @Test
    void theWatcherEndsTheRunsTasksWhenTheHostsPipeClosesWithoutDone() throws Exception {
        long task = group("gone");
        Files.createDirectories(launchFile("gone").getParent());
        Files.writeString(launchFile("gone"), "+" + task + "\n");
        // The watcher as the host starts it; closing its input stands for the host's death.
        Process watcher = new ProcessBuilder("/bin/sh", "-c", new String(LocalSupervisor.class
                .getResourceAsStream("end-leftovers.sh").readAllBytes()), "w", launchFile("gone").toString(), "gone",
                "watch").start();
        Thread.sleep(200);
        assertThat(alive(task)).as("nothing happens while the host lives").isTrue();
        watcher.getOutputStream().close();
        assertThat(endsWithin(task, 15)).isTrue();
        assertThat(watcher.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(launchFile("gone")).doesNotExist();
    }
}
