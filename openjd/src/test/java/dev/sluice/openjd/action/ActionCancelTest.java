package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canceling: TERMINATE, NOTIFY_THEN_TERMINATE with cancel_info.json, timeouts. Actions report through
 * named pipes, so every step waits on the action itself; notify periods and timeouts run on the fake clock.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ActionCancelTest {
    private static final Duration NOTIFY = Duration.ofSeconds(30);
    /**
     * Survives SIGTERM: the trap sends what cancel_info.json said at that moment through the "term" pipe,
     * and only SIGKILL ends it.
     */
    private static final String TRAPS_TERM = "trap 'cat cancel_info.json > term' TERM; echo ready > ready;"
            + " while :; do sleep 300 & wait $!; done";

    @TempDir
    Path sessionDir;

    private ActionRig rig;

    @BeforeEach
    void createRunner() throws Exception {
        rig = new ActionRig(sessionDir);
    }

    @Test
    void cancelReportsTheReasonGiven() throws Exception {
        rig.fifo("ready");
        RunningAction running = rig.runner.start(rig.shell("echo ready > ready; exec sleep 300"), ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");

        running.cancel("health monitor gpu-check failed: GPU 0 fell off the bus");

        ActionResult result = rig.await(running);
        assertThat(result.state()).isEqualTo(ActionState.CANCELED);
        assertThat(result.exitCode()).as("SIGKILL").isEqualTo(137);
        assertThat(result.failureMessage()).contains("health monitor gpu-check failed: GPU 0 fell off the bus");
        assertThat(rig.file(RunningAction.CANCEL_INFO_FILE)).as("TERMINATE writes no cancel info").doesNotExist();
    }

    @Test
    void aListenerMayCancelFromItsCallback() throws Exception {
        rig.fifo("go");
        AtomicReference<RunningAction> self = new AtomicReference<>();
        ActionListener monitor = new ActionListener() {
            @Override
            public void onOutput(String line) {
                if (line.equals("unhealthy")) {
                    self.get().cancel("monitor saw: " + line);
                }
            }
        };
        RunningAction running = rig.runner.start(
                rig.shell("read x < go; echo unhealthy; exec sleep 300")
                        .withCancelation(Cancelation.notifyThenTerminate(NOTIFY)), rig.file("log"), monitor);
        self.set(running);
        Files.writeString(rig.file("go"), "go\n");

        ActionResult result = rig.await(running);

        assertThat(result.state()).isEqualTo(ActionState.CANCELED);
        assertThat(result.exitCode()).as("sleep ends on SIGTERM").isEqualTo(143);
        assertThat(result.failureMessage()).contains("monitor saw: unhealthy");
        assertThat(Files.readString(rig.file("log"))).contains("sluice: canceling (monitor saw: unhealthy)");
    }

    @Test
    @DisplayName("regression: terminate left the grandchild running")
    void terminateLeftTheGrandchildRunning() throws Exception {
        rig.fifo("child.pid");
        RunningAction running = rig.runner.start(rig.shell("sleep 300 & echo $! > child.pid; sleep 300"),
                ActionListener.NONE);
        long grandchild = Long.parseLong(Files.readString(rig.file("child.pid")).trim());
        assertThat(ActionRig.isRunning(grandchild)).isTrue();

        running.cancel("stop");

        assertThat(rig.await(running).state()).isEqualTo(ActionState.CANCELED);
        ActionRig.awaitGone(grandchild);
        assertThat(ActionRig.isRunning(grandchild)).as("grandchild %d", grandchild).isFalse();
    }

    @Test
    void notifyThenTerminateWritesTheDeadlineSendsTermAndKillsAfterThePeriod() throws Exception {
        rig.fifo("ready");
        rig.fifo("term");
        Path logFile = rig.file("task.log");
        RunningAction running = rig.runner.start(
                rig.shell(TRAPS_TERM).withCancelation(Cancelation.notifyThenTerminate(NOTIFY)), logFile,
                ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");
        // Fractions of a second are cut from the deadline, as its format has whole seconds.
        rig.clock.advance(Duration.ofMillis(1500));

        running.cancel("user canceled the job");

        assertThat(Files.readString(rig.file("term"))).as("cancel_info.json as the TERM trap saw it")
                .isEqualTo("{\"NotifyEnd\": \"2026-01-01T00:00:31Z\"}\n");
        rig.clock.awaitSleepers(1, ActionRig.PATIENCE);
        assertThat(running.isRunning()).as("alive during the notify period").isTrue();

        rig.clock.advance(NOTIFY);

        ActionResult result = rig.await(running);
        assertThat(result.state()).isEqualTo(ActionState.CANCELED);
        assertThat(result.exitCode()).as("SIGKILL").isEqualTo(137);
        assertThat(result.failureMessage()).contains("user canceled the job");
        assertThat(Files.readString(logFile)).contains("sluice: notify period over: SIGKILL");
    }

    @Test
    void anActionThatExitsOnTermWithinThePeriodIsNotKilled() throws Exception {
        rig.fifo("ready");
        Path logFile = rig.file("task.log");
        RunningAction running = rig.runner.start(
                rig.shell("trap 'echo saving checkpoint; exit 7' TERM; echo ready > ready;"
                        + " while :; do sleep 300 & wait $!; done")
                        .withCancelation(Cancelation.notifyThenTerminate(ActionKind.TASK_RUN)), logFile,
                ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");

        running.cancel("user canceled the job");

        ActionResult result = rig.await(running);
        assertThat(result.state()).isEqualTo(ActionState.CANCELED);
        assertThat(result.exitCode()).as("its own exit status, not SIGKILL's").isEqualTo(7);
        assertThat(Files.readString(rig.file(RunningAction.CANCEL_INFO_FILE)))
                .isEqualTo("{\"NotifyEnd\": \"2026-01-01T00:02:00Z\"}\n");
        assertThat(Files.readString(logFile)).contains("saving checkpoint").doesNotContain("notify period over");
    }

    @Test
    void aShorterSecondCancelBringsTheKillForward() throws Exception {
        rig.fifo("ready");
        rig.fifo("term");
        RunningAction running = rig.runner.start(
                rig.shell(TRAPS_TERM).withCancelation(Cancelation.notifyThenTerminate(NOTIFY)), ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");
        running.cancel("user canceled the job");
        assertThat(Files.readString(rig.file("term"))).contains("2026-01-01T00:00:30Z");

        // The host is shutting down and cannot wait out the period; the clock does not move.
        running.cancel("host shutting down", Duration.ZERO);

        ActionResult result = rig.await(running);
        assertThat(result.exitCode()).isEqualTo(137);
        assertThat(result.failureMessage()).as("the first reason stands").contains("user canceled the job");
    }

    @Test
    void aTimeoutCancelsAndEndsAsTimeout() throws Exception {
        RunningAction running = rig.runner.start(
                rig.shell("exec sleep 300").withTimeout(Duration.ofSeconds(10)), ActionListener.NONE);
        rig.clock.awaitSleepers(1, ActionRig.PATIENCE);
        assertThat(running.isRunning()).isTrue();

        rig.clock.advance(Duration.ofSeconds(10));

        ActionResult result = rig.await(running);
        assertThat(result.state()).isEqualTo(ActionState.TIMEOUT);
        assertThat(result.exitCode()).isEqualTo(137);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m).contains("timed out after 10s"));
        assertThat(result.endedAt()).isEqualTo(ActionRig.START.plusSeconds(10));
    }

    @Test
    void aTimeoutGoesThroughTheNotifyPeriodToo() throws Exception {
        rig.fifo("ready");
        rig.fifo("term");
        RunningAction running = rig.runner.start(rig.shell(TRAPS_TERM).withTimeout(Duration.ofSeconds(10))
                .withCancelation(Cancelation.notifyThenTerminate(NOTIFY)), ActionListener.NONE);
        assertThat(Files.readString(rig.file("ready"))).isEqualTo("ready\n");
        rig.clock.awaitSleepers(1, ActionRig.PATIENCE);

        rig.clock.advance(Duration.ofSeconds(10));

        assertThat(Files.readString(rig.file("term"))).isEqualTo("{\"NotifyEnd\": \"2026-01-01T00:00:40Z\"}\n");
        rig.clock.awaitSleepers(1, ActionRig.PATIENCE);
        assertThat(running.isRunning()).isTrue();
        rig.clock.advance(NOTIFY);
        ActionResult result = rig.await(running);
        assertThat(result.state()).isEqualTo(ActionState.TIMEOUT);
        assertThat(result.exitCode()).isEqualTo(137);
    }

    @Test
    void anActionEndingBeforeItsTimeoutSucceeds() throws Exception {
        RunningAction running = rig.runner.start(rig.shell("exit 0").withTimeout(Duration.ofSeconds(10)),
                ActionListener.NONE);

        ActionResult result = rig.await(running);
        rig.clock.advance(Duration.ofSeconds(10));

        assertThat(result.state()).isEqualTo(ActionState.SUCCEEDED);
        assertThat(rig.await(running)).isEqualTo(result);
    }

    @Test
    void cancelingAnEndedActionChangesNothing() throws Exception {
        RunningAction running = rig.runner.start(rig.shell("exit 0")
                .withCancelation(Cancelation.notifyThenTerminate(NOTIFY)), ActionListener.NONE);
        ActionResult result = rig.await(running);

        running.cancel("too late");

        assertThat(rig.await(running)).isEqualTo(result);
        assertThat(rig.file(RunningAction.CANCEL_INFO_FILE)).doesNotExist();
    }
}
