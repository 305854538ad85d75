package dev.sluice.host.monitor;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes the monitor's loop: a sticky flag, so a signal that arrives while the loop is busy is not
 * lost and the next {@link #await} returns at once.
 */
final class Signal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition raised = lock.newCondition();
    private boolean pending;

    void raise() {
        lock.lock();
        try {
            pending = true;
            raised.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a signal is waiting to be taken. */
    boolean pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code nanos} for a signal; returns at once if one is pending. Clears it.
     *
     * @return whether a signal came
     */
    boolean await(long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = nanos;
            while (!pending && left > 0) {
                left = raised.awaitNanos(left);
            }
            boolean came = pending;
            pending = false;
            return came;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a pending signal, if there is one: whether there was. */
    boolean take() {
        lock.lock();
        try {
            boolean was = pending;
            pending = false;
            return was;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for a signal without taking it; whether one is pending. */
    boolean awaitRaised(long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = nanos;
            while (!pending && left > 0) {
                left = raised.awaitNanos(left);
            }
            return pending;
        } finally {
            lock.unlock();
        }
    }
}
