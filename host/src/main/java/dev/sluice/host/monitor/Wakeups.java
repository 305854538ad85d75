package dev.sluice.host.monitor;

import dev.sluice.spi.TimeSource;
import java.time.Duration;

/**
 * How the loop waits for its next wake-up: until something is posted to it (a {@link Signal}) or the
 * next thing it must do falls due on the run's clock. On the real clock that is one timed wait; on any
 * other (a test's fake clock) the loop looks at that clock every millisecond while it waits, so a test
 * moves the loop on by moving the clock.
 */
interface Wakeups {
    /**
     * Waits until {@code signal} is raised or the clock reads {@code wakeNanos} (a time on the clock,
     * not a span, so a clock moved before the wait begins still counts); clears the signal.
     */
    void awaitUntil(Signal signal, long wakeNanos) throws InterruptedException;

    static Wakeups on(TimeSource time) {
        if (time == TimeSource.system()) {
            return (signal, wakeNanos) -> signal.await(wakeNanos - time.nanoTime());
        }
        long slice = Duration.ofMillis(1).toNanos();
        return (signal, wakeNanos) -> {
            while (time.nanoTime() < wakeNanos) {
                if (signal.await(slice)) {
                    return;
                }
            }
        };
    }
}
