package dev.sluice.kit.batch;

import java.time.Instant;
import java.util.Objects;

/**
 * One job as the scheduler's status (or accounting) command shows it.
 *
 * @param id          the job id, as the submit command gave it
 * @param state       what the scheduler's state means to the executor
 * @param nativeState the scheduler's own word for it, for messages ({@code PENDING}, {@code NODE_FAIL})
 * @param reason      why it is in that state ({@code Resources}, {@code Priority}), or empty when there is none
 *                    (a scheduler's word for none, such as Slurm's {@code None}, is the hooks' to drop)
 * @param start       when it started, or {@code null} when not (yet) known
 * @param end         when it ended, or {@code null} when not (yet) known
 * @param nodes       where it runs or ran, or empty
 */
public record JobRow(String id, JobState state, String nativeState, String reason, Instant start, Instant end,
        String nodes) {
    public JobRow {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(nativeState, "nativeState");
        reason = reason == null ? "" : reason;
        nodes = nodes == null ? "" : nodes;
    }

    /** The reason in parentheses for a message, or nothing when the scheduler gave none. */
    String reasonNote() {
        return reason.isEmpty() ? "" : " (" + reason + ")";
    }
}
