package dev.sluice.host.run;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The end of the command the process runs: every file, lock and plugin it opened closed. A JVM that
 * shuts down while a run holds them (SIGHUP; or SIGINT or SIGTERM after the run has stopped handling
 * them) waits for it ({@link #guardShutdown}), so that it does not end between the run's end and those
 * closes: a run whose host lock, journal or trace was left half closed would read to {@code --resume} as
 * one whose host was killed.
 */
public final class CommandEnd {
    /** Set by the command line's {@code main}; where none is (a test's JVM), nothing waits. */
    private static volatile CountDownLatch end;
    private static final AtomicBoolean guarded = new AtomicBoolean();

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

    /**
     * From here on, a JVM shutting down (a signal the run does not handle itself, or one after it stopped
     * handling them) waits at most {@code limit} for {@link #reached()}: called once the command holds what
     * must be closed. Once per process; nothing where no command is expected.
     */
    public static void guardShutdown(Duration limit) {
        CountDownLatch latch = end;
        if (latch != null && guarded.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    latch.await(limit.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-command-end"));
        }
    }
}
