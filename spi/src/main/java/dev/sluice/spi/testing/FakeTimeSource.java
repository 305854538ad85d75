package dev.sluice.spi.testing;

import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link TimeSource} whose time moves only when a test calls {@link #advance}. Threads in
 * {@link #sleep} wake when the fake time reaches their deadline, so tests of timeouts and polling
 * loops run in microseconds and never depend on the machine's speed.
 *
 * <p>For plugin authors' tests as well as the host's.
 */
public final class FakeTimeSource implements TimeSource {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Instant epoch;
    private long nanos;
    private int sleepers;

    public FakeTimeSource() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public FakeTimeSource(Instant start) {
        this.epoch = start;
    }

    @Override
    public Instant now() {
        lock.lock();
        try {
            return epoch.plusNanos(nanos);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long nanoTime() {
        lock.lock();
        try {
            return nanos;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long deadline = nanos + Math.max(0, duration.toNanos());
            sleepers++;
            changed.signalAll();
            try {
                while (nanos < deadline) {
                    changed.await();
                }
            } finally {
                sleepers--;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Moves time forward and wakes every sleeper whose deadline has come. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time only moves forward");
        }
        lock.lock();
        try {
            nanos += duration.toNanos();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many threads are in {@link #sleep} now. */
    public int sleepers() {
        lock.lock();
        try {
            return sleepers;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, in real time up to {@code timeout}, until at least {@code count} threads sleep on this
     * clock; lets a test advance time only once the code under test is waiting.
     */
    public void awaitSleepers(int count, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (sleepers < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("expected " + count + " sleepers, have " + sleepers);
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
    }
}
