package dev.sluice.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * The clock and the sleeps a plugin uses. The host hands one to every plugin so that tests can run
 * time-dependent code on a fake clock instead of real sleeps; plugins must not call
 * {@link Thread#sleep} or {@link System#currentTimeMillis()} directly.
 */
public interface TimeSource {

    /** Wall-clock time, for timestamps. */
    Instant now();

    /** A monotonic reading in nanoseconds, for measuring elapsed time. */
    long nanoTime();

    /** Sleeps for the given time; honours interrupts. */
    void sleep(Duration duration) throws InterruptedException;

    /** The real clock. */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}
