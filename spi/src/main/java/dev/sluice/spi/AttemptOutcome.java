package dev.sluice.spi;

import java.util.Objects;

/**
 * How a task attempt that a readiness gate admitted ended, as {@link TaskReadinessGate#attemptEnded}
 * receives it. Whatever the ending, the gate hears of it exactly once, after the attempt's last
 * process has ended (or, for an attempt never launched, once it is clear that it never will be).
 *
 * @param kind      how it ended
 * @param exitCode  the task's exit status when it ran to an end by itself; {@code null} otherwise
 * @param reason    why it failed or was ended, as the user sees it; {@code null} on success
 * @param willRetry whether the host will start another attempt of the task (a new
 *                  {@link TaskHandle#attempt()}, which goes through the gates again); always
 *                  {@code false} for {@link Kind#CANCELLED} and {@link Kind#SHUTDOWN}, which are
 *                  reported before the host decides on a retry
 */
public record AttemptOutcome(Kind kind, Integer exitCode, String reason, boolean willRetry) {

    /** The ways an attempt ends. */
    public enum Kind {
        /** It ran and exited with status 0. */
        SUCCEEDED,
        /**
         * It ran and failed: a non-zero exit, the executor or a health probe failed it, the machine or
         * node was lost, or it could not be launched.
         */
        FAILED,
        /** It ran past its time limit and was killed. */
        TIMED_OUT,
        /** It ran and was killed because the run was stopped (a failure elsewhere, the user's Ctrl-C). */
        KILLED,
        /**
         * It never ran: the run stopped, or another gate of the same attempt failed, after this gate
         * had admitted it and before it was launched.
         */
        CANCELLED,
        /**
         * It was killed, but its executor never confirmed that it ended, and the host gave up waiting:
         * its processes may still run. A gate that hands out something exclusive (a device) should not
         * hand it to another task in this run.
         */
        ABANDONED,
        /** The host shut down while the attempt still held what this gate gave it. */
        SHUTDOWN
    }

    public AttemptOutcome {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.SUCCEEDED && (exitCode == null || exitCode != 0)) {
            throw new IllegalArgumentException("a succeeded attempt has exit code 0, got " + exitCode);
        }
        if (kind == Kind.SUCCEEDED && willRetry) {
            throw new IllegalArgumentException("a succeeded attempt is not retried");
        }
    }

    private static final AttemptOutcome SUCCEEDED = new AttemptOutcome(Kind.SUCCEEDED, 0, null, false);

    /** The attempt ran and exited with status 0 (one shared instance: it is reported for every success). */
    public static AttemptOutcome succeeded() {
        return SUCCEEDED;
    }

    /** An attempt that ended some other way. */
    public static AttemptOutcome of(Kind kind, Integer exitCode, String reason, boolean willRetry) {
        return new AttemptOutcome(kind, exitCode, reason, willRetry);
    }

    /** Whether the attempt ran to success. */
    public boolean isSuccess() {
        return kind == Kind.SUCCEEDED;
    }
}
