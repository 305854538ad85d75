package dev.sluice.host.monitor;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(ExecutorRuntime.class);
    final TaskExecutor executor;
    final ExecutorCapacity capacity;
    final int queueSize;
    final RateLimiter rateLimiter;
    final Duration pollInterval;
    /** Ready tasks in the order they passed their gates; changed through {@link #queue} and {@link #unqueue}. */
    final Deque<TaskProgress> ready = new ArrayDeque<>();
    /** Counts changes to {@link #ready} made outside an admission pass, which must then look again. */
    long readyChanges;
    final Map<SubmittedTask, TaskProgress> active = new LinkedHashMap<>();
    volatile boolean statusChanged;
    /** Why the executor could not start, or {@code null}; its tasks fail with it. */
    String startProblem;
    /** Threads that call submit when the executor accepts several at once; {@code null} otherwise. */
    java.util.concurrent.ExecutorService submitPool;
    int submitConcurrency = 1;
    /** The executor's own health monitors, for its tasks only. */
    java.util.List<dev.sluice.spi.TaskHealthMonitor> healthMonitors = java.util.List.of();
    /** Whether {@code --resume} takes up what killed runs left running here (the executor can, and may). */
    boolean adoptsLeftovers;
    /** Submissions handed to the pool whose answer has not come back yet. */
    int submitting;
    long nextPollNanos;
    int usedCpus;
    long usedMemory;
    int usedAccelerators;
    /** Tasks the executor takes beyond its capacity and starts itself ({@link TaskExecutor#launchesAhead()}). */
    int aheadLimit;
    /** Tasks handed over beyond the capacity, not counted in what is used. */
    int aheadTaken;

    private final RunListener listener;

    /**
     * @param queueSize   most tasks submitted at once; 0 for no limit
     * @param rateLimiter submit rate limit, or {@code null}
     */
    ExecutorRuntime(TaskExecutor executor, ExecutorCapacity capacity, int queueSize, RateLimiter rateLimiter,
            Duration pollInterval, RunListener listener) {
        this.executor = executor;
        this.capacity = capacity;
        this.queueSize = queueSize;
        this.rateLimiter = rateLimiter;
        this.pollInterval = pollInterval;
        this.listener = listener;
    }

    /**
     * Starts the configured executor for the run. One that cannot start still gets a runtime, with
     * unlimited capacity and its {@link #startProblem}, so that its tasks fail with that reason.
     *
     * @param wake called from any thread when the executor says a status changed
     */
    static ExecutorRuntime start(ExecutorSetup setup, Duration pollInterval, RunOptions options,
            TimeSource time, RunListener listener, Runnable wake) {
        TaskExecutor executor = setup.executor();
        ExecutorRuntime[] holder = new ExecutorRuntime[1];
        Optional<CallbackEndpoint> callbacks = options.endpoint() == null ? Optional.empty()
                : Optional.of(options.endpoint().register(executor.name(),
                        (key, body) -> PluginCalls.call(executor, () -> executor.callback(key, body))));
        ExecutorContext context = new RunExecutorContext(options, setup.config(), time, callbacks, () -> {
            ExecutorRuntime rt = holder[0];
            if (rt != null) {
                rt.statusChanged = true;
            }
            wake.run();
        });
        ExecutorCapacity capacity;
        String problem = null;
        try {
            PluginCalls.call(executor, () -> {
                executor.start(context);
                return null;
            });
            capacity = PluginCalls.call(executor, executor::capacity);
        } catch (ExecutorException | RuntimeException e) {
            problem = "executor '" + executor.name() + "' could not start: " + e.getMessage();
            log.error(problem, e);
            listener.executorFailed(executor.name(), RunListener.ExecutorCall.START, e);
            capacity = ExecutorCapacity.unlimited();
        }
        RateLimiter limiter = setup.submitRateLimit() == null ? null
                : RateLimiter.create(setup.submitRateLimit().perSecond());
        ExecutorRuntime rt = new ExecutorRuntime(executor, capacity, setup.queueSize(), limiter, pollInterval,
                listener);
        rt.startProblem = problem;
        if (problem == null) {
            rt.adoptsLeftovers = setup.adoptLeftovers() && PluginCalls.call(executor, executor::adoptsLeftovers);
            rt.aheadLimit = Math.max(0, PluginCalls.call(executor, executor::launchesAhead));
            int concurrency = PluginCalls.call(executor, executor::submitConcurrency);
            if (concurrency > 1) {
                rt.submitConcurrency = concurrency;
                // Numbered here, not by the thread builder's counter: its first use makes the JDK generate
                // method-handle code at every start (a VarHandle), six classes the ahead-of-time cache lacks.
                java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
                String prefix = "sluice-submit-" + rt.name() + "-";
                rt.submitPool = Executors.newFixedThreadPool(concurrency,
                        task -> Thread.ofPlatform().name(prefix + threads.incrementAndGet()).daemon().unstarted(task));
            }
            try {
                rt.healthMonitors = List.copyOf(PluginCalls.call(executor, executor::healthMonitors));
            } catch (RuntimeException e) {
                log.warn("executor '{}' failed listing its health monitors: {}", rt.name(), PluginCalls.describe(e), e);
            }
        }
        holder[0] = rt;
        return rt;
    }

    /** The statuses of every running task, or {@code null} when the executor could not be asked. */
    Map<SubmittedTask, TaskStatus> poll() {
        List<SubmittedTask> batch = List.copyOf(active.keySet());
        try {
            return PluginCalls.call(executor, () -> executor.poll(batch));
        } catch (ExecutorException | RuntimeException e) {
            log.warn("polling the {} executor failed, will try again: {}", name(), PluginCalls.describe(e),
                    PluginCalls.fault(e));
            listener.executorFailed(name(), RunListener.ExecutorCall.POLL, e);
            return null;
        }
    }

    /** Asks the tasks to stop, or forces them when there is no grace; the end comes with a poll. */
    void end(List<SubmittedTask> batch, Duration grace) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            PluginCalls.call(executor, () -> {
                if (grace.isZero()) {
                    executor.force(batch);
                } else {
                    executor.terminate(batch, grace);
                }
                return null;
            });
        } catch (ExecutorException | RuntimeException e) {
            log.warn("the {} executor could not end {} task(s): {}", name(), batch.size(), PluginCalls.describe(e),
                    PluginCalls.fault(e));
            listener.executorFailed(name(), RunListener.ExecutorCall.KILL, e);
        }
        statusChanged = true;
    }

    /** The run is over: launches in flight are dropped, tasks still here are forced, the executor closes. */
    void close() {
        if (submitPool != null) {
            submitPool.shutdownNow();
        }
        if (!active.isEmpty()) {
            // The loop is gone (it was interrupted): nothing would force these after a grace.
            end(List.copyOf(active.keySet()), Duration.ZERO);
        }
        try {
            PluginCalls.call(executor, () -> {
                executor.close();
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("closing the {} executor failed: {}", name(), PluginCalls.describe(e), e);
        }
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

    /** The task passed its gates and waits for room. */
    void queue(TaskProgress rec) {
        ready.add(rec);
        readyChanges++;
    }

    /** The task leaves the queue without being submitted (the run stopped). */
    void unqueue(TaskProgress rec) {
        if (ready.remove(rec)) {
            readyChanges++;
        }
    }

    /**
     * Asks the executor to end what a run whose host was killed left with it; says whether that was done
     * (an executor that could not start has not done it).
     */
    boolean endLeftovers(String killedRunId) {
        return endLeftovers(killedRunId, java.util.Set.of());
    }

    /** As {@link #endLeftovers(String)}, sparing the tasks named in {@code sparing}, which this run adopts. */
    boolean endLeftovers(String killedRunId, java.util.Set<String> sparing) {
        if (startProblem != null) {
            return false;
        }
        try {
            PluginCalls.call(executor, () -> {
                if (adoptsLeftovers) {
                    executor.endLeftovers(killedRunId, sparing);
                } else {
                    executor.endLeftovers(killedRunId);
                }
                return null;
            });
            return true;
        } catch (ExecutorException | RuntimeException e) {
            log.warn("executor '{}' could not end what run {} left running when its host was killed: {}; the next run"
                    + " will try again", executor.name(), killedRunId, PluginCalls.describe(e), PluginCalls.fault(e));
            return false;
        }
    }

    /** Whether any task at all could be submitted now, so a full executor skips its queue quickly. */
    boolean hasRoom() {
        return (queueSize <= 0 || active.size() + submitting < queueSize)
                && (submitPool == null || submitting < submitConcurrency)
                && (capacity.cpus() == ExecutorCapacity.UNLIMITED || usedCpus < capacity.cpus()
                        || aheadTaken < aheadLimit);
    }

    /** Whether the task may be handed over now: it fits what is free, or the executor takes it ahead. */
    boolean fitsNow(Resources r) {
        if (queueSize > 0 && active.size() + submitting >= queueSize) {
            return false;
        }
        return fitsFree(r) || aheadTaken < aheadLimit;
    }

    private boolean fitsFree(Resources r) {
        return (capacity.cpus() == ExecutorCapacity.UNLIMITED || usedCpus + r.cpus() <= capacity.cpus())
                && (capacity.memoryBytes() == ExecutorCapacity.UNLIMITED
                        || usedMemory + r.memoryBytes() <= capacity.memoryBytes())
                && (capacity.accelerators() == ExecutorCapacity.UNLIMITED
                        || usedAccelerators + r.accelerators() <= capacity.accelerators());
    }

    /**
     * Counts the task handed over: in what is used where it fits, else as one of the launches the executor
     * takes ahead. The executor starts those itself as room frees, so that at most the capacity plus
     * {@link #aheadLimit} tasks are ever with it; which of them counts as ahead does not matter.
     */
    void take(TaskProgress rec) {
        Resources r = rec.task().resources();
        rec.handedAhead = !fitsFree(r);
        if (rec.handedAhead) {
            aheadTaken++;
            return;
        }
        usedCpus += r.cpus();
        usedMemory += r.memoryBytes();
        usedAccelerators += r.accelerators();
    }

    /** The task is no longer with the executor: what {@link #take} counted is freed. */
    void release(TaskProgress rec) {
        if (rec.handedAhead) {
            rec.handedAhead = false;
            aheadTaken--;
            return;
        }
        Resources r = rec.task().resources();
        usedCpus -= r.cpus();
        usedMemory -= r.memoryBytes();
        usedAccelerators -= r.accelerators();
    }
}
