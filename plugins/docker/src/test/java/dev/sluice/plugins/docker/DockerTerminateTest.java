package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ending tasks: terminate asks (SIGTERM), force ends (SIGKILL), and the executor never escalates by
 * itself, since the host forces a task when its grace has passed. An exec's processes are real
 * processes here, started by the test, whose pid the fake engine reports.
 */
class DockerTerminateTest {
    @TempDir
    Path dir;
    private DockerHarness h;
    private DockerExecutor executor;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        h = new DockerHarness(dir);
        executor = h.started();
    }

    @AfterEach
    void killWhatTheTestStarted() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private SubmittedTask ownContainer(String id) throws Exception {
        return executor.submit(h.launch(h.task(id, Map.of(TaskOptions.ISOLATION, "task"))
                .withResources(new Resources(1, 16L << 20, null, 0, null)), List.of("true"), Map.of()));
    }

    /** A task exec'd in the session container whose process is {@code script} run by sh on this machine. */
    private SubmittedTask execRunning(String id, String script, int descendants) throws Exception {
        SubmittedTask t = executor.submit(h.launch(id, Map.of()));
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.descendants().count() < descendants) {
            assertThat(System.nanoTime()).as("the script's children start").isLessThan(deadline);
            Thread.sleep(5);
        }
        h.engine.lastExec().pid = p.pid();
        return t;
    }

    /**
     * Whether the process has ended. A killed orphan may stay a zombie here (whoever adopts it need not
     * reap it), which ProcessHandle still calls alive, so /proc is read.
     */
    private static boolean ended(ProcessHandle p) {
        if (!p.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    private static void awaitDead(ProcessHandle p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ended(p)) {
            assertThat(System.nanoTime()).as("pid %d ends", p.pid()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static void stillAlive(ProcessHandle p) throws Exception {
        Thread.sleep(300);
        assertThat(ended(p)).as("pid %d has ended", p.pid()).isFalse();
    }

    @Test
    void terminateSendsSigtermToAnOwnContainerAndForceSigkillTheHostDecidesWhen() throws Exception {
        SubmittedTask t = ownContainer("t1");
        FakeEngine.Container c = h.engine.created().get(0);
        c.ignoresTerm = true;

        executor.terminate(List.of(t), Duration.ofSeconds(10));
        h.time.advance(Duration.ofMinutes(1));

        assertThat(c.signals).as("no SIGKILL however long the grace has passed").containsExactly("TERM");
        assertThat(h.time.sleepers()).as("nothing waits for the grace").isZero();
        assertThat(DockerHarness.status(executor, t).state()).isEqualTo(TaskStatus.State.RUNNING);

        executor.force(List.of(t));

        assertThat(c.signals).containsExactly("TERM", "KILL");
        TaskStatus end = DockerHarness.status(executor, t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(137);
        assertThat(end.reason()).as("sluice sent it: no guess at an unreported out-of-memory kill, no wait for one")
                .isNull();
        assertThat(h.time.sleepers()).isZero();
        assertThat(c.removed).isTrue();
    }

    @Test
    void aTaskThatEndsOnSigtermIsReportedWithItsExitCode() throws Exception {
        SubmittedTask t = ownContainer("t1");
        executor.terminate(List.of(t), Duration.ofSeconds(10));
        TaskStatus end = DockerHarness.status(executor, t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(143);
    }

    @Test
    void endedAndUnknownTasksAreLeftAloneAndAContainerThatStoppedMeanwhileIsNoError() throws Exception {
        SubmittedTask ended = ownContainer("t1");
        h.engine.exitContainer(h.engine.created().get(0).id, 0, false);
        SubmittedTask stopping = ownContainer("t2");
        FakeEngine.Container c = h.engine.created().get(1);
        long before = h.engine.calls.size();

        executor.terminate(List.of(ended, new SubmittedTask("t9", 1, "elsewhere")), Duration.ofSeconds(5));
        executor.force(List.of(ended));
        assertThat(h.engine.calls).hasSize((int) before);

        // Stopped, but its stream has not ended yet.
        c.running = false;
        executor.force(List.of(stopping));
        assertThat(h.plugin.logger().lines()).anyMatch(l -> l.startsWith("DEBUG stopping task t2 in " + c.name));
    }

    @Test
    void terminateSignalsAnExecsProcessAndItsDescendants() throws Exception {
        SubmittedTask t = execRunning("t1", "sleep 300 & sleep 301 & wait", 2);
        FakeEngine.Exec exec = h.engine.lastExec();
        ProcessHandle root = ProcessHandle.of(exec.pid).orElseThrow();
        List<ProcessHandle> children = root.descendants().toList();

        executor.terminate(List.of(t), Duration.ofSeconds(30));

        awaitDead(root);
        for (ProcessHandle child : children) {
            awaitDead(child);
        }
        assertThat(h.engine.detached).as("the host could signal them itself").isEmpty();
    }

    @Test
    void anExecsProcessesThatIgnoreSigtermRunUntilForced() throws Exception {
        SubmittedTask t = execRunning("t1", "trap '' TERM; sleep 300 & wait", 1);
        ProcessHandle root = ProcessHandle.of(h.engine.lastExec().pid).orElseThrow();
        ProcessHandle child = root.descendants().findFirst().orElseThrow();

        executor.terminate(List.of(t), Duration.ofSeconds(1));
        h.time.advance(Duration.ofSeconds(5));
        stillAlive(root);
        stillAlive(child);
        assertThat(h.time.sleepers()).isZero();

        executor.force(List.of(t));
        awaitDead(root);
        awaitDead(child);
    }

    @Test
    void forceReachesAChildThatOutlivedTheExecsOwnProcess() throws Exception {
        // The task's shell ends on SIGTERM; its child ignores it and lives on after the exec ended.
        SubmittedTask t = execRunning("t1", "trap 'exit 0' TERM; (trap '' TERM; exec sleep 300) & wait", 1);
        FakeEngine.Exec exec = h.engine.lastExec();
        ProcessHandle root = ProcessHandle.of(exec.pid).orElseThrow();
        ProcessHandle child = root.descendants().findFirst().orElseThrow();

        executor.terminate(List.of(t), Duration.ofSeconds(1));
        awaitDead(root);
        stillAlive(child);
        exec.running = false;

        executor.force(List.of(t));
        awaitDead(child);
    }

    @Test
    void anExecThatEndedBeforeTheSignalIsNotSignalled() throws Exception {
        SubmittedTask t = execRunning("t1", "sleep 300", 0);
        FakeEngine.Exec exec = h.engine.lastExec();
        exec.running = false;

        executor.terminate(List.of(t), Duration.ofSeconds(1));
        executor.force(List.of(t));

        stillAlive(ProcessHandle.of(exec.pid).orElseThrow());
    }
}
