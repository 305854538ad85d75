package dev.sluice.kit;

import dev.sluice.spi.Health;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.Objects;

/**
 * Runs one health check over and over on a virtual thread of its own: a check starts every
 * {@code period} (measured start to start, never more often than {@link #MIN_PERIOD}), never while the
 * previous one still runs, and {@code threshold} failed checks in a row (one healthy check resets the
 * count) end the loop with {@link Outcome#unhealthy}. Interrupting the thread stops it.
 *
 * <p>One runner for every kind of check, so that a plugin's {@code TaskHealthMonitor} and an
 * environment's {@code onMonitor} keep the same rules.
 */
public final class HealthProbeLoop {
    /** Checks never start more often than this. */
    public static final Duration MIN_PERIOD = Duration.ofSeconds(1);

    /** One check. */
    @FunctionalInterface
    public interface Probe {
        /**
         * Checks once; an unchecked exception counts as a failed check, whose message is the exception's
         * (never its Java type), and is handed to {@link Outcome#threw} for the log.
         */
        Health check() throws InterruptedException;
    }

    /** What the loop reports; called on the loop's thread. */
    public interface Outcome {
        /** A healthy check said something (e.g. an {@code openjd_status} line). */
        default void status(String message) {
        }

        /** The threshold was reached; the loop has ended. */
        void unhealthy(String message);

        /** A check threw: a fault in the check, whose stack trace its author needs (the kit logs nothing itself). */
        default void threw(RuntimeException e) {
        }
    }

    private HealthProbeLoop() {
    }

    /**
     * Starts the loop; the first check runs one period after the start.
     *
     * @param name        the thread's name
     * @param loader      the context class loader for the checks (a plugin's), or {@code null} to keep the caller's
     * @param threshold   failed checks in a row that make the loop report; values below 1 count as 1
     * @return the loop's thread; interrupt it to stop the loop
     */
    public static Thread start(String name, TimeSource time, Duration period, int threshold, ClassLoader loader,
            Probe probe, Outcome outcome) {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(outcome, "outcome");
        Duration every = period.compareTo(MIN_PERIOD) < 0 ? MIN_PERIOD : period;
        int limit = Math.max(1, threshold);
        ClassLoader contextLoader = loader != null ? loader : Thread.currentThread().getContextClassLoader();
        return Thread.ofVirtual().name(name).start(() -> {
            Thread.currentThread().setContextClassLoader(contextLoader);
            run(time, every, limit, probe, outcome);
        });
    }

    private static void run(TimeSource time, Duration period, int threshold, Probe probe, Outcome outcome) {
        int failures = 0;
        long nextStart = time.nanoTime() + period.toNanos();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long wait = nextStart - time.nanoTime();
                if (wait > 0) {
                    time.sleep(Duration.ofNanos(wait));
                }
                // Start to start; a check that overran its period is followed at once, never overlapped,
                // and the one after that starts a period after this late start.
                nextStart = Math.max(nextStart, time.nanoTime()) + period.toNanos();
                Health health;
                try {
                    health = probe.check();
                } catch (RuntimeException e) {
                    outcome.threw(e);
                    health = Health.unhealthy("probe failed: " + (e.getMessage() == null || e.getMessage().isBlank()
                            ? "an unexpected error (the run's log has the details)" : e.getMessage()));
                }
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (health.isHealthy()) {
                    failures = 0;
                    if (!health.message().isEmpty()) {
                        outcome.status(health.message());
                    }
                    continue;
                }
                if (++failures >= threshold) {
                    outcome.unhealthy(health.message());
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Stopped: what it watched has ended.
        }
    }
}
