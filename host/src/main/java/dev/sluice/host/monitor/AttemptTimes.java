package dev.sluice.host.monitor;

import java.time.Duration;
import java.time.Instant;

/**
 * When an attempt reached each step; {@code null} for a step not reached. Held as nanoseconds since
 * the epoch rather than {@link Instant}s: a run keeps one per attempt it made, and five objects per
 * attempt were most of what a finished task kept.
 */
public final class AttemptTimes {
    /** Marks a step not reached. */
    private static final long NONE_AT = Long.MIN_VALUE;

    /** No step reached yet. */
    public static final AttemptTimes NONE = new AttemptTimes(NONE_AT, NONE_AT, NONE_AT, NONE_AT, NONE_AT, 0);

    private final long gated;
    private final long queued;
    private final long submitted;
    private final long started;
    private final long completed;
    private final long gateWaitNanos;

    private AttemptTimes(long gated, long queued, long submitted, long started, long completed, long gateWaitNanos) {
        this.gated = gated;
        this.queued = queued;
        this.submitted = submitted;
        this.started = started;
        this.completed = completed;
        this.gateWaitNanos = gateWaitNanos;
    }

    public Instant gatedAt() {
        return instant(gated);
    }

    public Instant queuedAt() {
        return instant(queued);
    }

    public Instant submittedAt() {
        return instant(submitted);
    }

    public Instant startedAt() {
        return instant(started);
    }

    public Instant completedAt() {
        return instant(completed);
    }

    /** Time spent in its readiness gates. */
    public Duration gateWait() {
        return Duration.ofNanos(gateWaitNanos);
    }

    AttemptTimes gated(Instant at) {
        return new AttemptTimes(nanos(at), queued, submitted, started, completed, gateWaitNanos);
    }

    AttemptTimes queued(Instant at) {
        return new AttemptTimes(gated, nanos(at), submitted, started, completed, gateWaitNanos);
    }

    AttemptTimes submitted(Instant at) {
        return new AttemptTimes(gated, queued, nanos(at), started, completed, gateWaitNanos);
    }

    AttemptTimes started(Instant at) {
        return new AttemptTimes(gated, queued, submitted, nanos(at), completed, gateWaitNanos);
    }

    AttemptTimes completed(Instant at) {
        return new AttemptTimes(gated, queued, submitted, started, nanos(at), gateWaitNanos);
    }

    AttemptTimes waitedInGates(Duration waited) {
        return new AttemptTimes(gated, queued, submitted, started, completed, waited.toNanos());
    }

    /** Nanoseconds since the epoch; instants beyond what a long holds (the year 2262) are clamped. */
    private static long nanos(Instant at) {
        if (at == null) {
            return NONE_AT;
        }
        try {
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
        } catch (ArithmeticException beyond) {
            return at.getEpochSecond() < 0 ? NONE_AT + 1 : Long.MAX_VALUE;
        }
    }

    private static Instant instant(long nanos) {
        return nanos == NONE_AT ? null : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L));
    }

    @Override
    public String toString() {
        return "AttemptTimes[gated=" + gatedAt() + ", queued=" + queuedAt() + ", submitted=" + submittedAt()
                + ", started=" + startedAt() + ", completed=" + completedAt() + ", gateWait=" + gateWait() + "]";
    }
}
