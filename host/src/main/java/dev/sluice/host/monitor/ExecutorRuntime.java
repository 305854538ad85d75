package dev.sluice.host.monitor;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskExecutor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One executor in a run: its capacity and what is in use, its queue of ready tasks, its running
 * tasks, its limits and its poll schedule.
 */
final class ExecutorRuntime {
    final TaskExecutor executor;
    final ExecutorCapacity capacity;
    final int queueSize;
    final RateLimiter rateLimiter;
    final Duration pollInterval;
    /** Ready tasks in the order they passed their gates. */
    final Deque<TaskRecord> ready = new ArrayDeque<>();
    final Map<SubmittedTask, TaskRecord> active = new LinkedHashMap<>();
    volatile boolean statusChanged;
    /** Why the executor could not start, or {@code null}; its tasks fail with it. */
    String startProblem;
    /** Threads that call submit when the executor accepts several at once; {@code null} otherwise. */
    java.util.concurrent.ExecutorService submitPool;
    int submitConcurrency = 1;
    /** The executor's own health monitors, for its tasks only. */
    java.util.List<dev.sluice.spi.TaskHealthMonitor> healthMonitors = java.util.List.of();
    /** Submissions handed to the pool whose answer has not come back yet. */
    int submitting;
    long nextPollNanos;
    int usedCpus;
    long usedMemory;
    int usedAccelerators;

    /**
     * @param queueSize   most tasks submitted at once; 0 for no limit
     * @param rateLimiter submit rate limit, or {@code null}
     */
    ExecutorRuntime(TaskExecutor executor, ExecutorCapacity capacity, int queueSize, RateLimiter rateLimiter,
            Duration pollInterval) {
        this.executor = executor;
        this.capacity = capacity;
        this.queueSize = queueSize;
        this.rateLimiter = rateLimiter;
        this.pollInterval = pollInterval;
    }

    String name() {
        return executor.name();
    }

    /** Why the task can never run here, or {@code null} if it fits the executor when idle. */
    String neverFits(Resources r) {
        if (capacity.cpus() != ExecutorCapacity.UNLIMITED && r.cpus() > capacity.cpus()) {
            return "asks for " + r.cpus() + " cpus but the " + name() + " executor has " + capacity.cpus();
        }
        if (capacity.memoryBytes() != ExecutorCapacity.UNLIMITED && r.memoryBytes() > capacity.memoryBytes()) {
            return "asks for " + dev.sluice.spi.Units.formatSize(r.memoryBytes()) + " of memory but the " + name()
                    + " executor has " + dev.sluice.spi.Units.formatSize(capacity.memoryBytes());
        }
        if (capacity.accelerators() != ExecutorCapacity.UNLIMITED && r.accelerators() > capacity.accelerators()) {
            return "asks for " + r.accelerators() + " accelerators but the " + name() + " executor has "
                    + capacity.accelerators();
        }
        return null;
    }

    /** Whether any task at all could be submitted now, so a full executor skips its queue quickly. */
    boolean hasRoom() {
        return (queueSize <= 0 || active.size() + submitting < queueSize)
                && (submitPool == null || submitting < submitConcurrency)
                && (capacity.cpus() == ExecutorCapacity.UNLIMITED || usedCpus < capacity.cpus());
    }

    boolean fitsNow(Resources r) {
        if (queueSize > 0 && active.size() + submitting >= queueSize) {
            return false;
        }
        return (capacity.cpus() == ExecutorCapacity.UNLIMITED || usedCpus + r.cpus() <= capacity.cpus())
                && (capacity.memoryBytes() == ExecutorCapacity.UNLIMITED
                        || usedMemory + r.memoryBytes() <= capacity.memoryBytes())
                && (capacity.accelerators() == ExecutorCapacity.UNLIMITED
                        || usedAccelerators + r.accelerators() <= capacity.accelerators());
    }

    void take(Resources r) {
        usedCpus += r.cpus();
        usedMemory += r.memoryBytes();
        usedAccelerators += r.accelerators();
    }

    void release(Resources r) {
        usedCpus -= r.cpus();
        usedMemory -= r.memoryBytes();
        usedAccelerators -= r.accelerators();
    }
}
