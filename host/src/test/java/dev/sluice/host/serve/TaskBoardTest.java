package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.testing.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The board forgets ended tasks past the retention, oldest first, never one whose callback is still to send. */
class TaskBoardTest {
    private final FakeTimeSource time = new FakeTimeSource(Instant.parse("2026-12-04T12:00:00Z"));
    private final TaskBoard board = new TaskBoard(time, v -> { }, id -> { });
    private final Instant now = time.now();

    private void ended(String id, Instant at, TaskView.Delivery callback) {
        Submission s = Submission.command("c", List.of("true"));
        TaskView v = TaskView.accepted(id, s, at).moved(ApiState.SUCCEEDED, at, TaskView.Attempt.NONE);
        board.accepted(callback == null ? v : v.withCallback(callback));
    }

    @Test
    void endedTasksAreForgottenWhenTooOldOrTooManyButNotWhileTheirCallbackWaits() {
        ServeSettings.Retention keep = new ServeSettings.Retention(Duration.ofHours(1), 3);
        ended("t-old", now.minus(Duration.ofHours(2)), null);
        ended("t-old-cb", now.minus(Duration.ofHours(2)), new TaskView.Delivery("http://h/x", "waiting", 1, "503"));
        for (int i = 0; i < 4; i++) {
            ended("t-" + i, now.minusSeconds(60 - i), null);
        }
        Submission s = Submission.command("c", List.of("true"));
        board.accepted(TaskView.accepted("t-running", s, now.minus(Duration.ofDays(3))));

        assertThat(board.forgetEnded(now, keep)).isEqualTo(2);
        assertThat(board.get("t-old")).isEmpty();
        assertThat(board.get("t-0")).as("beyond the newest 3").isEmpty();
        assertThat(board.get("t-old-cb")).as("its callback still needs it").isPresent();
        assertThat(board.get("t-1")).isPresent();
        assertThat(board.get("t-running")).as("not ended: never forgotten").isPresent();

        // Its callback delivered, the old one goes at the next pass; nothing else changed.
        board.callback("t-old-cb", new TaskView.Delivery("http://h/x", "delivered", 2, null));
        assertThat(board.forgetEnded(now, keep)).isEqualTo(1);
        assertThat(board.get("t-old-cb")).isEmpty();
        assertThat(board.forgetEnded(now, keep)).isZero();
        assertThat(board.size()).isEqualTo(4);
    }

    @Test
    void aTaskTheServicesStopEndedIsNotEndedForItsOrchestratorUntilADeleteEndsIt() {
        Submission s = Submission.command("c", List.of("true"));
        board.accepted(TaskView.accepted("t-s", s, now.minus(Duration.ofDays(30))).moved(ApiState.CANCELLED,
                now.minus(Duration.ofDays(30)), TaskView.Attempt.NONE));
        ServeSettings.Retention keep = new ServeSettings.Retention(Duration.ofHours(1), 10);
        assertThat(board.forgetEnded(now, keep)).as("it runs again at the next start").isZero();
        assertThat(board.cancelRequested("t-s")).as("the cancel ends it: the caller records the end")
                .isEqualTo(TaskBoard.Cancel.ENDS_NOW);
        assertThat(board.cancelRequested("t-s")).as("ended now: nothing more to cancel").isEqualTo(TaskBoard.Cancel.ENDED);
        assertThat(board.forgetEnded(now, keep)).isEqualTo(1);
        assertThat(board.get("t-s")).isEmpty();
    }

    @Test
    void aCancelSaysWhetherItWasAskedFoundTheTaskEndedOrEndedIt() {
        Submission s = Submission.command("c", List.of("true"));
        board.accepted(TaskView.accepted("t-run", s, now));
        ended("t-done", now, null);
        assertThat(board.cancelRequested("t-none")).isEqualTo(TaskBoard.Cancel.UNKNOWN);
        assertThat(board.cancelRequested("t-done")).isEqualTo(TaskBoard.Cancel.ENDED);
        assertThat(board.cancelRequested("t-run")).isEqualTo(TaskBoard.Cancel.ASKED);
        assertThat(board.get("t-run").orElseThrow().cancelRequested()).isTrue();
        assertThat(board.get("t-done").orElseThrow().cancelRequested()).isFalse();
    }
}
