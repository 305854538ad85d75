package dev.sluice.host.monitor;

import dev.sluice.spi.Resources;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;

/**
 * Which ready tasks may be submitted now: each executor's capacity (with backfill: a task that does
 * not fit lets smaller ones behind it go first), its queue size and submit rate, and each process's
 * queue size and submit rate. Owned by the monitor's thread.
 */
final class Admission {
    /** How soon to look again when a rate limit held a task back. */
    private static final long RATE_RETRY_NANOS = Duration.ofMillis(5).toNanos();

    private final Collection<ExecutorRuntime> executors;
    private boolean rateLimited;

    Admission(Collection<ExecutorRuntime> executors) {
        this.executors = executors;
    }

    /** A task to submit, taken off its executor's ready queue. */
    record Pick(ExecutorRuntime executor, TaskProgress task) {
    }

    /**
     * One pass over the ready queues. Picks are handed out one at a time, so that each submission's
     * use of capacity counts before the next pick is made.
     */
    Pass pass() {
        rateLimited = false;
        return new Pass();
    }

    /** The earlier of {@code wakeNanos} and when a rate-limited task should be looked at again. */
    long nextDue(long nowNanos, long wakeNanos) {
        return rateLimited ? Math.min(wakeNanos, nowNanos + RATE_RETRY_NANOS) : wakeNanos;
    }

    final class Pass {
        private final Iterator<ExecutorRuntime> execs = executors.iterator();
        private ExecutorRuntime exec;
        private Iterator<TaskProgress> ready;
        private long seenChanges;

        /** The next task to submit, or {@code null} when nothing more may go now. */
        Pick next() {
            while (true) {
                if (ready != null && exec.readyChanges != seenChanges) {
                    // The queue changed under the pass (a failed launch released more tasks): start
                    // this executor's queue again rather than walk a stale iterator.
                    ready = exec.ready.iterator();
                    seenChanges = exec.readyChanges;
                }
                if (ready == null || !ready.hasNext() || !exec.hasRoom()) {
                    if (!execs.hasNext()) {
                        return null;
                    }
                    exec = execs.next();
                    ready = exec.ready.iterator();
                    seenChanges = exec.readyChanges;
                    continue;
                }
                TaskProgress rec = ready.next();
                Resources res = rec.task().resources();
                if (!exec.fitsNow(res)) {
                    continue;
                }
                ProcessRuntime p = rec.process;
                Integer processQueue = p.effective().queueSize();
                if (processQueue != null && processQueue > 0 && p.active >= processQueue) {
                    continue;
                }
                // Permits are spent only on a task that is ready and fits.
                if (p.rateLimiter != null && !p.rateLimiter.tryAcquire()) {
                    rateLimited = true;
                    continue;
                }
                if (exec.rateLimiter != null && !exec.rateLimiter.tryAcquire()) {
                    rateLimited = true;
                    ready = null; // the executor's rate holds back every task behind this one too
                    continue;
                }
                ready.remove();
                return new Pick(exec, rec);
            }
        }
    }
}
