package dev.sluice.host.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How long to wait before retrying a failed task: {@code initial} before the second attempt, then
 * {@code multiplier} times longer for each further attempt, never more than {@code max}.
 *
 * @param initial    the wait before attempt 2; positive
 * @param max        the longest wait; at least {@code initial}
 * @param multiplier the growth per attempt; at least 1
 */
public record Backoff(Duration initial, Duration max, double multiplier) {

    /** 1s, growing twofold up to 1m. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 2);

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max (" + max + ") must not be less than initial (" + initial + ")");
        }
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be a number of at least 1, got " + multiplier);
        }
    }

    /**
     * The wait before attempt number {@code attempt} (1 is the first run): zero for attempt 1,
     * {@code initial} for attempt 2, {@code initial * multiplier} for attempt 3, and so on, capped at
     * {@code max}.
     */
    public Duration delayBefore(int attempt) {
        if (attempt <= 1) {
            return Duration.ZERO;
        }
        // In doubles: initial * multiplier^n can overflow a long count of nanoseconds.
        double seconds = seconds(initial) * Math.pow(multiplier, attempt - 2);
        if (!(seconds < seconds(max))) {
            return max;
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }

    private static double seconds(Duration d) {
        return d.getSeconds() + d.getNano() / 1e9;
    }
}
