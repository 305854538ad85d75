package dev.sluice.host.monitor;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.task.Task;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One task across its attempts: its spec and process, its state, and one immutable {@link Attempt}
 * per try (the last is the current one). Changed only on the monitor's thread, by {@link RunState},
 * the {@link Dispatcher} and the {@link Outcomes}; listeners read it on that thread.
 */
public final class TaskProgress {
    final String id;
    final TaskSpec spec;
    final ProcessRuntime process;
    ExecutorRuntime executor;
    TaskState state = TaskState.WAITING;
    private final List<Attempt> attempts = new ArrayList<>(1);
    /** Gates of the current attempt still running, for "gated by" in the progress display. */
    final Set<String> gatesInFlight = new LinkedHashSet<>();
    long retryDueNanos;
    /** Why the current attempt, or the task before any attempt, ended as it did; {@code null} if fine. */
    String error;
    /** The latest status message of the current attempt. */
    String status;
    /** The wrappers of the current attempt, which hear of its launch, cancelation and end. */
    Launcher.Wrapping wrapping = Launcher.Wrapping.NONE;
    /** The current attempt's time limit as launched, or {@code null} for none. */
    Duration timeLimit;
    /** Why a wrapper said the current attempt is broken (its stdout protocol), or {@code null}. */
    String wrapperFailure;
    /** Whether the current attempt was handed over beyond its executor's capacity ({@link ExecutorRuntime#take}). */
    boolean handedAhead;
    /**
     * The current attempt as its executor knows it once started, where that differs from the submitted one
     * ({@link Attempt#startedAs()}); read by its health probes' threads.
     */
    volatile SubmittedTask startedTask;

    TaskProgress(String id, TaskSpec spec, ProcessRuntime process) {
        this.id = id;
        this.spec = spec;
        this.process = process;
    }

    /** A new try begins: what the last one left behind (its error, status, wrappers) goes. */
    void begin(Attempt attempt) {
        attempts.add(attempt);
        error = null;
        status = null;
        wrapping = Launcher.Wrapping.NONE;
        timeLimit = null;
        wrapperFailure = null;
        gatesInFlight.clear();
    }

    /** The current try moved on. */
    void update(UnaryOperator<Attempt> change) {
        attempts.set(attempts.size() - 1, change.apply(current()));
    }

    /** The current try reached a step. */
    void times(UnaryOperator<AttemptTimes> change) {
        update(a -> a.withTimes(change.apply(a.times())));
    }

    /**
     * The task reached a terminal state. When it ended well, its last try lets go of what only a running or
     * failed try needs (handle, files, wrappers); failed tries, earlier ones included, keep it for the
     * summary's and report's failures.
     */
    void settle() {
        if (state == TaskState.SUCCEEDED || state == TaskState.CACHED || state == TaskState.SKIPPED) {
            if (!attempts.isEmpty()) {
                attempts.set(attempts.size() - 1, attempts.getLast().settled());
            }
            wrapping = Launcher.Wrapping.NONE;
            timeLimit = null;
            status = null;
            gatesInFlight.clear();
        }
    }

    private Attempt current() {
        return attempts.isEmpty() ? null : attempts.getLast();
    }

    private AttemptTimes times() {
        Attempt a = current();
        return a == null ? AttemptTimes.NONE : a.times();
    }

    public String id() {
        return id;
    }

    public TaskSpec spec() {
        return spec;
    }

    /** The task's process, with its settings as they apply. */
    public ProcessRuntime processRuntime() {
        return process;
    }

    public String processName() {
        return spec.processName();
    }

    public String name() {
        return spec.name();
    }

    /** Every try so far, the current one last; empty before the first starts. */
    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** The labels of the task's process (the task class an operator routes by), in pipeline order. */
    public List<String> labels() {
        return process.effective().def().labels();
    }

    /**
     * The GPUs of the current attempt, for people: the devices a gate assigned ({@code GPU-5e8c...}),
     * or how many the executor assigns itself ({@code 1 by slurm}); {@code null} when it asked for none.
     */
    public String gpus() {
        Task task = task();
        if (task == null) {
            return null;
        }
        List<String> devices = task.assigned().get("gpu");
        if (devices != null && !devices.isEmpty()) {
            return String.join(",", devices);
        }
        int asked = task.resources().accelerators();
        return asked > 0 ? asked + " by " + executorName() : null;
    }

    /** The current attempt's handle; {@code null} before the first attempt starts and once the task settled well. */
    public Task task() {
        Attempt a = current();
        return a == null ? null : a.task();
    }

    public int attempt() {
        Attempt a = current();
        return a == null ? 0 : a.number();
    }

    public TaskState state() {
        return state;
    }

    public Set<String> gatesInFlight() {
        return Set.copyOf(gatesInFlight);
    }

    public TaskFiles files() {
        Attempt a = current();
        return a == null ? null : a.files();
    }

    public String executorName() {
        return executor == null ? process.effective().executor() : executor.name();
    }

    /** What the executor returned for the current attempt; {@code null} until it is launched. */
    SubmittedTask submitted() {
        Attempt a = current();
        return a == null ? null : a.submitted();
    }

    public String nativeId() {
        Attempt a = current();
        return a == null ? null : a.nativeId();
    }

    public Instant gatedAt() {
        return times().gatedAt();
    }

    public Instant queuedAt() {
        return times().queuedAt();
    }

    public Instant submittedAt() {
        return times().submittedAt();
    }

    public Instant startedAt() {
        return times().startedAt();
    }

    public Instant completedAt() {
        return times().completedAt();
    }

    /** Time spent in readiness gates in the current attempt. */
    public Duration gateWait() {
        return times().gateWait();
    }

    /**
     * When the attempt got its room on its executor: its start where the executor queues launches itself
     * ({@link dev.sluice.spi.TaskExecutor#launchesAhead()}: the wait for a CPU happens there), else its
     * submission.
     */
    public Instant roomAt() {
        Instant started = startedAt();
        return executor != null && executor.aheadLimit > 0 && started != null ? started : submittedAt();
    }

    /** Time from passing the gates to getting room on the executor ({@link #roomAt}). */
    public Duration queueWait() {
        return between(queuedAt(), roomAt());
    }

    /** Time from submission to completion. */
    public Duration duration() {
        return between(submittedAt(), completedAt());
    }

    /** Time the task itself ran. */
    public Duration realtime() {
        return between(startedAt(), completedAt());
    }

    /** The attempt's peak resident memory in bytes, or {@code null} when its executor did not measure it. */
    public Long peakRss() {
        Attempt a = current();
        return a == null || a.peakRss() < 0 ? null : a.peakRss();
    }

    public Integer exitCode() {
        Attempt a = current();
        return a == null ? null : a.exitCode();
    }

    /** Why the current attempt failed, or {@code null}. */
    public String error() {
        return error;
    }

    /** The latest status message of the task, or {@code null}. */
    public String status() {
        return status;
    }

    private static Duration between(Instant a, Instant b) {
        return a == null || b == null ? null : Duration.between(a, b);
    }

    @Override
    public String toString() {
        return "task " + id + " " + name() + " [" + state.label() + "]";
    }
}
