package dev.sluice.host.monitor;

import dev.sluice.spi.testing.FakeTimeSource;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The monitor's loop on a fake clock, for tests: the loop waits on {@link #clock} (time moves only
 * when the test advances it), and the test can wait until the loop has done everything it can and is
 * waiting, so that "nothing happened" is a fact rather than a real-time guess.
 */
final class SteppedLoop implements Wakeups {
    final FakeTimeSource clock = new FakeTimeSource();
    /** How often the waiting loop looks at the fake clock. */
    private static final long SLICE_NANOS = Duration.ofMillis(1).toNanos();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Signal waitingOn;
    /** When the waiting loop wakes by itself, on the clock. */
    private long wakeAt;
    private long turns;

    @Override
    public void awaitUntil(Signal signal, long wakeNanos) throws InterruptedException {
        lock.lock();
        try {
            wakeAt = wakeNanos;
            turns++;
        } finally {
            lock.unlock();
        }
        while (true) {
            lock.lock();
            try {
                // Taking the signal and leaving the wait are one step under this lock, so a test that
                // sees the loop waiting with nothing pending never sees a loop that has just woken.
                if (signal.take() || clock.nanoTime() >= wakeNanos) {
                    waitingOn = null;
                    return;
                }
                waitingOn = signal;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            signal.awaitRaised(SLICE_NANOS);
        }
    }

    /**
     * Waits (in real time, up to 10 s, as a guard only) until the loop waits with no signal pending: it
     * has applied every event reported so far and only time or a new event can move it on.
     */
    void awaitIdle() throws InterruptedException, TimeoutException {
        awaitTurn(-1);
    }

    /**
     * Moves the clock on once the loop is idle; when that reaches the loop's own wake-up, waits for the
     * turn it takes to be done.
     */
    void advance(Duration duration) throws InterruptedException, TimeoutException {
        awaitIdle();
        long seen;
        boolean due;
        lock.lock();
        try {
            seen = turns;
            due = clock.nanoTime() + duration.toNanos() >= wakeAt;
        } finally {
            lock.unlock();
        }
        clock.advance(duration);
        awaitTurn(due ? seen : -1);
    }

    /** Waits until the loop is idle in a turn after {@code seen} (any turn for -1). */
    private void awaitTurn(long seen) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        lock.lock();
        try {
            while (waitingOn == null || waitingOn.pending() || turns <= seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("the monitor's loop did not go idle within 10 s (turns " + turns + ", after " + seen + ", waiting " + (waitingOn != null) + ", clock " + clock.nanoTime() + ", wakes at " + wakeAt + ")");
                }
                // Polled briefly too: a raised signal wakes the loop without a word to this lock.
                changed.awaitNanos(Math.min(left, Duration.ofMillis(2).toNanos()));
            }
        } finally {
            lock.unlock();
        }
    }
}
