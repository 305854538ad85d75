package dev.sluice.host.run;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The end of the command the process runs: every file, lock and plugin it opened closed. A shutdown
 * hook that stops a run (the JVM shutting down on SIGHUP) waits for it, so that the JVM does not end
 * between the run's end and those closes: a run whose host lock, journal or trace was left half closed
 * would read to {@code --resume} as one whose host was killed.
 */
public final class CommandEnd {
    /** Set by the command line's {@code main}; where none is (a test's JVM), nothing waits. */
    private static volatile CountDownLatch end;

    private CommandEnd() {
    }

    /** Called by {@code main} before the command starts: hooks wait for {@link #reached()} from here on. */
    public static void expect() {
        end = new CountDownLatch(1);
    }

    /** Called by {@code main} once the command has returned, its closes done. */
    public static void reached() {
        CountDownLatch latch = end;
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Waits at most {@code limit} for {@link #reached()}; returns at once where no command is expected. */
    public static void await(Duration limit) throws InterruptedException {
        CountDownLatch latch = end;
        if (latch != null) {
            latch.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
