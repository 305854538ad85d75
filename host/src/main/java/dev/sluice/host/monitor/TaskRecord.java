package dev.sluice.host.monitor;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.task.Task;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The monitor's book-keeping for one task across its attempts. Owned by the monitor's thread;
 * listeners read it on that thread only.
 */
public final class TaskRecord {
    final String id;
    final TaskSpec spec;
    final ProcessRuntime process;
    ExecutorRuntime executor;
    Task task;
    TaskFiles files;
    TaskState state = TaskState.WAITING;
    SubmittedTask submitted;
    /** Gates of the current attempt still running, for "gated by" in the progress display. */
    final Set<String> gatesInFlight = new LinkedHashSet<>();
    long retryDueNanos;

    // Times of the current attempt.
    Instant gatedAt;
    Instant queuedAt;
    Instant submittedAt;
    Instant startedAt;
    Instant completedAt;
    Duration gateWait = Duration.ZERO;
    Integer exitCode;
    /** The attempt's peak resident memory in bytes, when its executor measured it. */
    Long peakRss;
    String error;
    String status;
    /** The wrappers of the current attempt, which hear of its launch, cancelation and end. */
    Launcher.Wrapping wrapping = Launcher.Wrapping.NONE;
    /** The current attempt's time limit as launched, or {@code null} for none. */
    java.time.Duration timeLimit;
    /** Why a wrapper said the current attempt is broken (its stdout protocol), or {@code null}. */
    String wrapperFailure;

    TaskRecord(String id, TaskSpec spec, ProcessRuntime process) {
        this.id = id;
        this.spec = spec;
        this.process = process;
    }

    public String id() {
        return id;
    }

    public TaskSpec spec() {
        return spec;
    }

    public String processName() {
        return spec.processName();
    }

    public String name() {
        return spec.name();
    }

    /** The labels of the task's process (the task class an operator routes by), in pipeline order. */
    public java.util.List<String> labels() {
        return process.effective().def().labels();
    }

    /**
     * The GPUs of the current attempt, for people: the devices a gate assigned ({@code GPU-5e8c...}),
     * or how many the executor assigns itself ({@code 1 by slurm}); {@code null} when it asked for none.
     */
    public String gpus() {
        if (task == null) {
            return null;
        }
        java.util.List<String> devices = task.assigned().get("gpu");
        if (devices != null && !devices.isEmpty()) {
            return String.join(",", devices);
        }
        int asked = task.resources().accelerators();
        return asked > 0 ? asked + " by " + executorName() : null;
    }

    /** The current attempt's handle; {@code null} before the first attempt starts. */
    public Task task() {
        return task;
    }

    public int attempt() {
        return task == null ? 0 : task.attempt();
    }

    public TaskState state() {
        return state;
    }

    public Set<String> gatesInFlight() {
        return Set.copyOf(gatesInFlight);
    }

    public TaskFiles files() {
        return files;
    }

    public String executorName() {
        return executor == null ? process.effective().executor() : executor.name();
    }

    public String nativeId() {
        return submitted == null ? null : submitted.nativeId();
    }

    public Instant gatedAt() {
        return gatedAt;
    }

    public Instant queuedAt() {
        return queuedAt;
    }

    public Instant submittedAt() {
        return submittedAt;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant completedAt() {
        return completedAt;
    }

    /** Time spent in readiness gates in the current attempt. */
    public Duration gateWait() {
        return gateWait;
    }

    /** Time from passing the gates to submission. */
    public Duration queueWait() {
        return between(queuedAt, submittedAt);
    }

    /** Time from submission to completion. */
    public Duration duration() {
        return between(submittedAt, completedAt);
    }

    /** Time the task itself ran. */
    public Duration realtime() {
        return between(startedAt, completedAt);
    }

    /** The attempt's peak resident memory in bytes, or {@code null} when its executor did not measure it. */
    public Long peakRss() {
        return peakRss;
    }

    public Integer exitCode() {
        return exitCode;
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

    void resetAttemptTimes() {
        gatedAt = null;
        queuedAt = null;
        submittedAt = null;
        startedAt = null;
        completedAt = null;
        gateWait = Duration.ZERO;
        exitCode = null;
        peakRss = null;
        error = null;
        submitted = null;
        status = null;
        wrapping = Launcher.Wrapping.NONE;
        wrapperFailure = null;
        timeLimit = null;
        gatesInFlight.clear();
    }

    @Override
    public String toString() {
        return "task " + id + " " + name() + " [" + state.label() + "]";
    }
}
