package dev.sluice.host.run;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs writes in the order given, on one thread of its own, in batches. After a quiet spell the first
 * write is run at once; writes given while a batch runs join it, and those given in a short gathering
 * time after it make the next batch. Handing a write over is a lock-free enqueue, and wakes the thread
 * only when it sleeps with nothing to do.
 *
 * <p>Why: the writes of a task's end (its {@code .exitcode}, its journal record) used to wake a pool's
 * thread per task, and a run of thousands of short tasks paid for those wake-ups on both sides
 * (docs/adr/2026-11-22-local-launch-cost.md, 2026-12-05 stop 35); gathered, a run of 2,000 ends wakes
 * the thread a few hundred times instead.
 */
final class BatchingWriter {
    private static final Logger log = LoggerFactory.getLogger(BatchingWriter.class);
    private static final int RUNNING = 0;
    private static final int ASLEEP = 1;
    private static final int CLOSED = 2;

    private final Queue<Runnable> writes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final long gatherNanos;
    private final LongUnaryOperator afterBatch;
    private final Thread thread;
    /** The thread starts with the first write: a run that writes nothing has none. */
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile long batches;
    /** Set when the thread stopped on an Error: what it was writing may be lost, and close() says so. */
    private volatile boolean stopped;

    /**
     * @param threadName the thread's name
     * @param gather     how long writes given after a batch are gathered before the next one runs
     * @param afterBatch called on the thread after each batch with {@link System#nanoTime}; returns when,
     *                   on the same clock, to be called again even if no write comes (0: not before one
     *                   does). Called too when that time has come with nothing written, and once at close.
     */
    BatchingWriter(String threadName, Duration gather, LongUnaryOperator afterBatch) {
        this.gatherNanos = gather.toNanos();
        this.afterBatch = afterBatch;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::run);
    }

    /**
     * Gives a write to the thread; never blocks.
     *
     * @return false when the writer is closed (or its thread stopped) and the write will not run
     */
    boolean execute(Runnable write) {
        if (state.get() == CLOSED) {
            return false;
        }
        writes.add(write);
        if (!started.get() && started.compareAndSet(false, true)) {
            thread.start();
            return true;
        }
        // Read after the enqueue: a thread falling asleep sets ASLEEP before its last look at the queue,
        // so either it sees this write or this sees it asleep.
        if (state.get() == ASLEEP && state.compareAndSet(ASLEEP, RUNNING)) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    private void run() {
        try {
            loop();
        } catch (Error e) {
            // Not expected (a write's own failures are caught): later writes are refused, and close() says
            // that what was queued is not written.
            stopped = true;
            state.set(CLOSED);
            log.error("the writer of the run's files stopped: {}", e.toString());
        }
    }

    private void loop() {
        long dueNanos = 0;
        while (true) {
            boolean wrote = runBatch();
            long now = System.nanoTime();
            if (wrote || (dueNanos != 0 && now - dueNanos >= 0)) {
                dueNanos = callAfterBatch(now);
            }
            if (wrote) {
                // Let the next writes gather; a close wakes the thread early.
                if (state.get() != CLOSED) {
                    LockSupport.parkNanos(this, gatherNanos);
                }
                continue;
            }
            if (state.get() == CLOSED) {
                if (writes.isEmpty()) {
                    callAfterBatch(System.nanoTime());
                    return;
                }
                continue;
            }
            if (!state.compareAndSet(RUNNING, ASLEEP)) {
                continue; // closed meanwhile
            }
            if (!writes.isEmpty()) {
                state.compareAndSet(ASLEEP, RUNNING);
                continue;
            }
            if (dueNanos != 0) {
                LockSupport.parkNanos(this, Math.max(1, dueNanos - System.nanoTime()));
            } else {
                LockSupport.park(this);
            }
            state.compareAndSet(ASLEEP, RUNNING);
        }
    }

    /** Runs what waits, in order; a write that fails is logged and the rest still run. */
    private boolean runBatch() {
        Runnable write = writes.poll();
        if (write == null) {
            return false;
        }
        batches++;
        do {
            try {
                write.run();
            } catch (RuntimeException e) {
                log.warn("a write of the run's files failed: {}", e.toString());
            }
        } while ((write = writes.poll()) != null);
        return true;
    }

    private long callAfterBatch(long now) {
        try {
            return afterBatch.applyAsLong(now);
        } catch (RuntimeException e) {
            log.warn("a write of the run's files failed: {}", e.toString());
            return 0;
        }
    }

    /** How many batches have run, for tests. */
    long batches() {
        return batches;
    }

    /**
     * Refuses further writes, runs those already given and the last {@code afterBatch}, and waits up to
     * {@code wait} for them. Called on the thread that gives the writes, after the last: a write given
     * from another thread while this runs may be refused or, once the thread has ended, left unwritten.
     *
     * @return whether everything given was written in time
     */
    boolean close(Duration wait) throws InterruptedException {
        state.set(CLOSED);
        if (!started.get()) {
            return true;
        }
        LockSupport.unpark(thread);
        return thread.join(wait) && writes.isEmpty() && !stopped;
    }

    /** Whether the thread still runs: after a {@link #close} that timed out, it may still write. */
    boolean running() {
        return thread.isAlive();
    }
}
