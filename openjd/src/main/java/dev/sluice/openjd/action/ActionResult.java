package dev.sluice.openjd.action;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The end of one action.
 *
 * @param state          how it ended
 * @param exitCode       the main process's exit status; 128 + n when signal n ended it (137 for
 *                       SIGKILL, 143 for SIGTERM)
 * @param failureMessage why it did not succeed: the cancel reason, the timeout, the broken protocol
 *                       line, the action's own {@code openjd_fail} message or its exit status; empty
 *                       when it succeeded. Secrets of the session are masked in it.
 * @param startedAt      when the process was started
 * @param endedAt        when its end was recorded
 */
public record ActionResult(ActionState state, int exitCode, Optional<String> failureMessage, Instant startedAt,
        Instant endedAt) {

    public ActionResult {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(failureMessage, "failureMessage");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
    }

    /** Whether the action succeeded. */
    public boolean succeeded() {
        return state == ActionState.SUCCEEDED;
    }
}
