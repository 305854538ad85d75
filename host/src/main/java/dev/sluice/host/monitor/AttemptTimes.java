package dev.sluice.host.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When an attempt reached each step; {@code null} for a step not reached.
 *
 * @param gateWait time spent in its readiness gates
 */
public record AttemptTimes(Instant gatedAt, Instant queuedAt, Instant submittedAt, Instant startedAt,
        Instant completedAt, Duration gateWait) {
    /** No step reached yet. */
    public static final AttemptTimes NONE = new AttemptTimes(null, null, null, null, null, Duration.ZERO);

    public AttemptTimes {
        Objects.requireNonNull(gateWait, "gateWait");
    }

    AttemptTimes gated(Instant at) {
        return new AttemptTimes(at, queuedAt, submittedAt, startedAt, completedAt, gateWait);
    }

    AttemptTimes queued(Instant at) {
        return new AttemptTimes(gatedAt, at, submittedAt, startedAt, completedAt, gateWait);
    }

    AttemptTimes submitted(Instant at) {
        return new AttemptTimes(gatedAt, queuedAt, at, startedAt, completedAt, gateWait);
    }

    AttemptTimes started(Instant at) {
        return new AttemptTimes(gatedAt, queuedAt, submittedAt, at, completedAt, gateWait);
    }

    AttemptTimes completed(Instant at) {
        return new AttemptTimes(gatedAt, queuedAt, submittedAt, startedAt, at, gateWait);
    }

    AttemptTimes waitedInGates(Duration waited) {
        return new AttemptTimes(gatedAt, queuedAt, submittedAt, startedAt, completedAt, waited);
    }
}
