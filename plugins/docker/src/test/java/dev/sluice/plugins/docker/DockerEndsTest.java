package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** How the end of a task's stream becomes its status: exit codes, dead containers, out-of-memory kills. */
class DockerEndsTest {
    @TempDir
    Path dir;
    private DockerHarness h;
    private DockerExecutor executor;

    @BeforeEach
    void started() throws Exception {
        h = new DockerHarness(dir);
        executor = h.started(Map.of(), Map.of("cpus", "4", "memory", "24MB"));
    }

    private SubmittedTask inSession(String id) throws Exception {
        return executor.submit(h.launch(id, Map.of()));
    }

    private SubmittedTask inOwnContainer(String id, long memory) throws Exception {
        return executor.submit(h.launch(h.task(id, Map.of(TaskOptions.ISOLATION, "task"))
                .withResources(new Resources(1, memory, null, 0, null)), List.of("true"), Map.of()));
    }

    private TaskStatus status(SubmittedTask t) {
        return DockerHarness.status(executor, t);
    }

    private String described(FakeEngine.Container c) {
        return c.name + " (" + c.id.substring(0, 12) + ")";
    }

    @Test
    void anExecsExitCodeIsTheTasksAndItsEndIsReportedOnce() throws Exception {
        Instant submittedAt = h.time.now();
        SubmittedTask ok = inSession("t1");
        FakeEngine.Exec first = h.engine.lastExec();
        SubmittedTask seven = inSession("t2");
        FakeEngine.Exec second = h.engine.lastExec();
        h.time.advance(Duration.ofSeconds(3));
        int changes = h.statusChanges();

        h.engine.exitExec(first.id, 0L);
        h.engine.exitExec(second.id, 7L);

        assertThat(h.statusChanges() - changes).as("the host is told at once, each time").isEqualTo(2);
        TaskStatus end = status(seven);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(7);
        assertThat(end.startedAt()).isEqualTo(submittedAt);
        assertThat(end.completedAt()).isEqualTo(submittedAt.plusSeconds(3));
        assertThat(status(ok).isSuccess()).isTrue();
        assertThat(h.engine.count("inspect")).as("an exec that exited by itself says enough")
                .isEqualTo(1 /* the session's start */);
        assertThat(status(ok).reason()).as("forgotten once reported")
                .isEqualTo("the docker executor does not know this task");
    }

    @Test
    void theExitCodeIsReportedAndItsFileLeftToTheHost() throws Exception {
        TaskLaunch session = h.launch("t1", Map.of());
        SubmittedTask inSession = executor.submit(session);
        h.engine.exitExec(h.engine.lastExec().id, 5L);
        TaskLaunch own = h.launch("t2", Map.of(TaskOptions.ISOLATION, "task"));
        SubmittedTask inOwn = executor.submit(own);
        h.engine.exitContainer(h.engine.created().get(1).id, 6, false);

        assertThat(status(inSession).exitCode()).isEqualTo(5);
        assertThat(status(inOwn).exitCode()).isEqualTo(6);
        // The host writes .exitcode from the status it polls, for every executor alike.
        assertThat(session.files().exitCode()).doesNotExist();
        assertThat(own.files().exitCode()).doesNotExist();
    }

    @Test
    void tasksInASessionContainerThatDiedFailNamingItAndItsState() throws Exception {
        SubmittedTask a = inSession("t1");
        SubmittedTask b = inSession("t2");
        FakeEngine.Container session = h.engine.created().get(0);

        h.engine.die(session.id, 137);

        for (SubmittedTask t : List.of(a, b)) {
            TaskStatus end = status(t);
            assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
            assertThat(end.reason()).isEqualTo("container " + described(session)
                    + " is exited (exit code 137, killed by SIGKILL) while the task ran");
            assertThat(end.exitCode()).isEqualTo(137);
        }
        SubmittedTask next = inSession("t3");
        assertThat(next.nativeId()).as("a fresh container for the next task")
                .startsWith("sluice-" + DockerHarness.RUN_ID + "-s2/");
        assertThat(h.plugin.logger().at(Level.WARN)).anyMatch(l -> l.startsWith("container " + described(session)
                + " is exited (exit code 137, killed by SIGKILL); tasks of image"));
    }

    @Test
    void aContainerTheEngineStillCallsRunningJustAfterItsExecEndedIsAskedAgain() throws Exception {
        SubmittedTask t = inSession("t1");
        FakeEngine.Container session = h.engine.created().get(0);
        session.staleRunningReports = 2;

        Duration waited = h.onStreamThread(() -> h.engine.die(session.id, 137));

        assertThat(status(t).reason()).contains("is exited (exit code 137, killed by SIGKILL) while the task ran");
        assertThat(waited).as("asked three times, 50 ms apart").isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aContainerRemovedFromOutsideIsCalledGone() throws Exception {
        SubmittedTask t = inSession("t1");
        h.engine.removedFromOutside(h.engine.created().get(0).id);
        assertThat(status(t).reason()).endsWith("is gone (removed from outside sluice?) while the task ran");
    }

    @Test
    void anExecKilledByTheOutOfMemoryKillerInALiveSessionContainerSaysSo() throws Exception {
        SubmittedTask t = inSession("t1");
        FakeEngine.Exec exec = h.engine.lastExec();
        h.engine.oomEvent(exec.containerId);

        h.engine.exitExec(exec.id, 137L);

        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.OUT_OF_MEMORY);
        assertThat(end.reason()).isEqualTo("the out-of-memory killer ended it in container "
                + described(h.engine.created().get(0)) + " (memory limit 24 MB, executors.docker.memory)");
        assertThat(h.time.sleepers()).isZero();
    }

    @Test
    void anOutOfMemoryEventThatComesJustAfterTheExecsEndIsWaitedFor() throws Exception {
        SubmittedTask t = inSession("t1");
        FakeEngine.Exec exec = h.engine.lastExec();
        DockerHarness.StreamThread stream = new DockerHarness.StreamThread(() -> h.engine.exitExec(exec.id, 137L));
        h.time.awaitSleepers(1, Duration.ofSeconds(10));
        assertThat(status(t).state()).as("no end while waiting for the container").isEqualTo(TaskStatus.State.RUNNING);

        h.engine.oomEvent(exec.containerId);
        h.time.advance(TaskEnds.POLL_STEP);
        stream.join();

        assertThat(status(t).state()).isEqualTo(TaskStatus.State.OUT_OF_MEMORY);
    }

    @Test
    void anExecKilledByAnotherSignalInALiveContainerEndsWithItsCodeAfterTheGraces() throws Exception {
        SubmittedTask t = inSession("t1");
        FakeEngine.Exec exec = h.engine.lastExec();

        Duration waited = h.onStreamThread(() -> h.engine.exitExec(exec.id, 137L));

        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(137);
        assertThat(end.reason()).isNull();
        assertThat(waited).as("the container's end, then an out-of-memory event, were waited for")
                .isEqualTo(Duration.ofMillis(1050 + 550));
    }

    @Test
    void anExecWhoseExitCodeTheEngineLostFailsSayingSo() throws Exception {
        SubmittedTask t = inSession("t1");
        FakeEngine.Exec exec = h.engine.lastExec();
        h.engine.inspectExecFailure = new EngineException(EngineException.Kind.NOT_FOUND, "No such exec instance");

        Duration waited = h.onStreamThread(() -> h.engine.exitExec(exec.id, 0L));

        assertThat(waited).as("the container was watched for its end first").isEqualTo(Duration.ofMillis(1050));
        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).isEqualTo("the engine lost track of the task's exec in container "
                + described(h.engine.created().get(0)) + " (its output stream ended before it did)");
    }

    @Test
    void aTasksOwnContainerEndsWithItsExitCodeAndIsRemoved() throws Exception {
        SubmittedTask t = inOwnContainer("t1", 0);
        FakeEngine.Container c = h.engine.created().get(0);

        h.engine.exitContainer(c.id, 3, false);

        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(3);
        assertThat(c.removed).isTrue();
        assertThat(h.time.sleepers()).isZero();
    }

    @Test
    void aTasksOwnContainerKilledForMemoryFailsWithItsLimit() throws Exception {
        SubmittedTask t = inOwnContainer("t1", 16L << 20);
        FakeEngine.Container c = h.engine.created().get(0);

        h.engine.exitContainer(c.id, 137, true);

        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.OUT_OF_MEMORY);
        assertThat(end.exitCode()).isEqualTo(137);
        assertThat(end.reason()).isEqualTo("the out-of-memory killer ended it in container " + described(c)
                + " (memory limit 16 MB, resources.memory)");
    }

    @Test
    void anUnexplainedSigkillOfALimitedContainerSaysTheEngineMayHaveMissedAnOutOfMemoryKill() throws Exception {
        SubmittedTask t = inOwnContainer("t1", 16L << 20);
        FakeEngine.Container c = h.engine.created().get(0);

        Duration waited = h.onStreamThread(() -> h.engine.exitContainer(c.id, 137, false));

        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(137);
        assertThat(end.reason()).isEqualTo(TaskEnds.unreportedKillNote(16L << 20)).contains("16 MB");
        assertThat(waited).as("the out-of-memory event was waited for, in steps").isEqualTo(Duration.ofMillis(550));
    }

    @Test
    void anUnexplainedSigkillOfAnUnlimitedContainerIsJustItsExitCode() throws Exception {
        SubmittedTask t = inOwnContainer("t1", 0);
        h.onStreamThread(() -> h.engine.exitContainer(h.engine.created().get(0).id, 137, false));
        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(137);
        assertThat(end.reason()).isNull();
    }

    @Test
    void aContainerWhoseExitCodeCannotBeReadFailsItsTask() throws Exception {
        SubmittedTask t = inOwnContainer("t1", 0);
        FakeEngine.Container c = h.engine.created().get(0);
        h.engine.waitFailure = new EngineException(EngineException.Kind.FAILED, "awaiting the status code timed out");

        h.engine.exitContainer(c.id, 0, false);

        TaskStatus end = status(t);
        assertThat(end.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(end.reason()).isEqualTo("container " + described(c) + " could not be inspected after its end: "
                + "awaiting the status code timed out");
        assertThat(c.removed).as("removed all the same").isTrue();
    }
    @Test
    void aTaskKilledByADaemonRestartRunsAgainAndItsSessionIsReplaced() throws Exception {
        SubmittedTask task = inSession("t1");
        FakeEngine.Exec exec = h.engine.lastExec();
        FakeEngine.Container session = h.engine.created().get(0);
        h.engine.down = true;
        h.engine.upAfterPings = 5;

        // The daemon stops: its containers die with it, and the task's stream ends.
        Duration waited = h.onStreamThread(() -> {
            h.engine.down = false;
            h.engine.stoppedUnseen(session.id, 143);
            h.engine.down = true;
            h.engine.exitExec(exec.id, 143L);
        });

        TaskStatus end = status(task);
        assertThat(end.state()).as(end.toString()).isEqualTo(TaskStatus.State.NODE_FAILURE);
        assertThat(end.reason()).isEqualTo("the Docker engine stopped answering while the task ran, and the task did"
                + " not survive it (container " + described(session) + " is exited (exit code 143)); it runs again");
        assertThat(waited).as("pinged once a second until it answered").isEqualTo(Duration.ofSeconds(4));
        assertThat(h.plugin.logger().at(org.slf4j.event.Level.WARN)).anyMatch(l -> l.startsWith(
                "the Docker engine does not answer (task test (t1) in " + described(session) + "); waiting up to 1m"
                        + " (plugins.docker.daemonOutage)"));

        inSession("t2");
        assertThat(h.engine.created()).as("the next task gets a new session container").hasSize(2);
    }

    @Test
    void aSignalDeathAfterTheEventStreamBrokeIsTheDaemonStoppingAndTheStreamIsOpenedAgainOnItsReturn()
            throws Exception {
        SubmittedTask task = inOwnContainer("t1", 0);
        FakeEngine.Container own = h.engine.created().get(0);
        long watches = h.engine.count("events");

        // A stopping daemon closes its API first (the event stream ends), then stops its containers, and
        // a request on a connection already open may still be answered.
        h.engine.oomEnded.accept(new java.io.IOException("connection reset"));
        h.onStreamThread(() -> h.engine.exitContainer(own.id, 143, false));

        TaskStatus end = status(task);
        assertThat(end.state()).isEqualTo(TaskStatus.State.NODE_FAILURE);
        assertThat(end.reason()).contains("the task did not survive it").contains("exit code 143");
        assertThat(h.engine.count("events") - watches).as("out-of-memory kills are followed again").isEqualTo(1);

        SubmittedTask killedFromElsewhere = inOwnContainer("t2", 0);
        h.onStreamThread(() -> h.engine.exitContainer(h.engine.created().get(1).id, 143, false));
        assertThat(status(killedFromElsewhere).state()).as("the engine answers: a signal from elsewhere")
                .isEqualTo(TaskStatus.State.COMPLETED);
    }

    @Test
    void aTaskThatEndedByItselfAsTheDaemonStoppedKeepsItsExitCode() throws Exception {
        SubmittedTask task = inSession("t1");
        FakeEngine.Exec exec = h.engine.lastExec();
        h.engine.down = true;
        h.engine.upAfterPings = 2;

        h.onStreamThread(() -> h.engine.exitExec(exec.id, 0L));

        assertThat(status(task).isSuccess()).isTrue();
    }

    @Test
    void aDaemonSilentForTheWholeOutageFailsTheTaskAsANodeFailure() throws Exception {
        SubmittedTask task = inOwnContainer("t1", 0);
        FakeEngine.Container own = h.engine.created().get(0);
        h.engine.down = true;

        Duration waited = h.onStreamThread(() -> h.engine.exitContainer(own.id, 143, false));

        TaskStatus end = status(task);
        assertThat(end.state()).isEqualTo(TaskStatus.State.NODE_FAILURE);
        assertThat(end.reason()).isEqualTo("the Docker engine did not answer for 1m (plugins.docker.daemonOutage)"
                + " while the task ran in its container " + described(own));
        assertThat(waited).isEqualTo(Duration.ofMinutes(1));

        // With live-restore its container may have lived on: once the engine answers, it is ended.
        h.engine.down = false;
        synchronized (h.engine) {
            own.running = true;
        }
        inSession("t2");
        assertThat(h.engine.calls).as("killed when the engine answered again").contains("kill KILL " + own.id);
    }

    @Test
    void aTaskWhoseStreamWasLostButThatOutlivedTheRestartIsKilledAndRunsAgain() throws Exception {
        SubmittedTask task = inOwnContainer("t1", 0);
        FakeEngine.Container own = h.engine.created().get(0);
        h.engine.down = true;
        h.engine.upAfterPings = 1;

        // A daemon with live-restore keeps the container running, but the stream is gone.
        h.onStreamThread(() -> h.engine.streamLost(own.id));

        TaskStatus end = status(task);
        assertThat(end.state()).isEqualTo(TaskStatus.State.NODE_FAILURE);
        assertThat(end.reason()).contains("lost its output stream, so sluice ended it; it runs again");
        assertThat(h.engine.calls).contains("kill KILL " + own.id);
    }
}
