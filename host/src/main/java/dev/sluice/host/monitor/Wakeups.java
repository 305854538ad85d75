package dev.sluice.host.monitor;

import dev.sluice.spi.TimeSource;
import java.time.Duration;

/**
 * How the loop waits for its next wake-up: until something is posted to it (a {@link Signal}) or the
 * next thing it must do falls due on the run's clock. On the real clock that is one timed wait; on any
 * other (a test's fake clock) a sleeper on that clock raises the signal when its time comes, so a
 * test moves the loop on by moving the clock.
 */
interface Wakeups {
    /** Waits until {@code signal} is raised or {@code nanos} have passed on the clock; clears the signal. */
    void await(Signal signal, long nanos) throws InterruptedException;

    static Wakeups on(TimeSource time) {
        if (time == TimeSource.system()) {
            return Signal::await;
        }
        return (signal, nanos) -> {
            Thread sleeper = Thread.ofVirtual().name("sluice-monitor-wakeup").start(() -> {
                try {
                    time.sleep(Duration.ofNanos(nanos));
                    signal.raise();
                } catch (InterruptedException e) {
                    // The loop woke for another reason.
                }
            });
            try {
                signal.await(Long.MAX_VALUE);
            } finally {
                sleeper.interrupt();
            }
        };
    }
}
