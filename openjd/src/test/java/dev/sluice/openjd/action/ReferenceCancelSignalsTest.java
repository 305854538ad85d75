package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which processes a cancel's signals reach: sluice's whole process group, or the reference runtime's
 * main process first and its whole tree at the end ({@code cancelSignals}). Real processes: a main
 * process that survives SIGTERM, a child in its group that says when it hears SIGTERM, and a grandchild
 * that left the group with setsid.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReferenceCancelSignalsTest {
    private static final Duration NOTIFY = Duration.ofSeconds(30);
    /**
     * The child writes child-term when SIGTERM reaches it; the escaped one runs in a session of its own;
     * the main process writes main-term through a pipe when SIGTERM reaches it, and only SIGKILL ends it.
     */
    private static final String FAMILY = """
            sh -c 'trap "echo TERM > child-term; exit 0" TERM; echo $$ > child.pid; while :; do sleep 0.05; done' &
            setsid sh -c 'echo $$ > escaped.pid; exec sleep 300' &
            trap 'echo TERM > main-term' TERM
            while [ ! -s child.pid ] || [ ! -s escaped.pid ]; do sleep 0.05; done
            echo ready > ready
            while :; do sleep 300 & wait $!; done
            """;

    @TempDir
    Path sessionDir;

    private ActionRig rig;

    @BeforeEach
    void createRunner() throws Exception {
        rig = new ActionRig(sessionDir);
        rig.fifo("ready");
        rig.fifo("main-term");
    }

    @AfterEach
    void killEscaped() throws Exception {
        // sluice's way leaves the process that left the group running: this test ends it.
        Path escaped = rig.file("escaped.pid");
        if (Files.exists(escaped)) {
            ProcessHandle.of(Long.parseLong(Files.readString(escaped).trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private RunningAction start(CancelSignals signals) throws Exception {
        RunningAction running = rig.runner.start(rig.shell(FAMILY)
                .withCancelation(Cancelation.notifyThenTerminate(NOTIFY)).withSignals(signals),
                rig.file("log"), ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");
        return running;
    }

    private long pid(String file) throws Exception {
        return Long.parseLong(Files.readString(rig.file(file)).trim());
    }

    @Test
    void sluicesWaySendsSigtermToTheWholeGroup() throws Exception {
        RunningAction running = start(CancelSignals.PROCESS_GROUP);

        running.cancel("stop");

        assertThat(Files.readString(rig.file("main-term"))).isEqualTo("TERM\n");
        ActionRig.awaitGone(pid("child.pid"));
        assertThat(rig.file("child-term")).as("the child heard the notice").hasContent("TERM");
        rig.clock.awaitSleepers(1, ActionRig.PATIENCE);
        rig.clock.advance(NOTIFY);
        assertThat(rig.await(running).state()).isEqualTo(ActionState.CANCELED);
        assertThat(Files.readString(rig.file("log"))).contains("SIGTERM to process group " + running.pid());
    }

    @Test
    void theReferencesWaySendsSigtermToTheMainProcessOnlyAndSigkillToItsWholeTree() throws Exception {
        RunningAction running = start(CancelSignals.MAIN_PROCESS_THEN_TREE);
        long child = pid("child.pid");
        long escaped = pid("escaped.pid");

        running.cancel("stop");

        assertThat(Files.readString(rig.file("main-term"))).as("the main process heard the notice")
                .isEqualTo("TERM\n");
        // The child checks for a signal every 50 ms; half a second without child-term means none came.
        Thread.sleep(500);
        assertThat(rig.file("child-term")).as("the child did not hear the notice").doesNotExist();
        assertThat(ActionRig.isRunning(child)).as("the child runs during the notify period").isTrue();
        // The notify period's wait has begun, so that moving the clock ends it.
        rig.clock.awaitSleepers(1, ActionRig.PATIENCE);

        rig.clock.advance(NOTIFY);

        ActionResult result = rig.await(running);
        assertThat(result.state()).isEqualTo(ActionState.CANCELED);
        assertThat(result.exitCode()).as("SIGKILL").isEqualTo(137);
        ActionRig.awaitGone(child);
        ActionRig.awaitGone(escaped);
        assertThat(ActionRig.isRunning(escaped)).as("the process that left the group is killed too").isFalse();
        assertThat(rig.file("child-term")).as("the child got SIGKILL, never SIGTERM").doesNotExist();
        assertThat(Files.readString(rig.file("log")))
                .contains("SIGTERM to process " + running.pid() + " only")
                .contains("notify period over: SIGKILL to process group " + running.pid()
                        + " and every process descended from " + running.pid());
    }

    @Test
    void theReferencesWayWithTerminateKillsTheWholeTreeAtOnce() throws Exception {
        RunningAction running = rig.runner.start(rig.shell(FAMILY).withSignals(CancelSignals.MAIN_PROCESS_THEN_TREE),
                ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");
        long escaped = pid("escaped.pid");

        running.cancel("stop");

        assertThat(rig.await(running).exitCode()).isEqualTo(137);
        ActionRig.awaitGone(escaped);
        assertThat(ActionRig.isRunning(escaped)).isFalse();
    }
}
