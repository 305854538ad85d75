package dev.sluice.host.executor.local;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One task attempt the local executor launched: its process (the leader of its own process group)
 * and what sluice did to it. Its status lives in the executor's status table. Written by the monitor's
 * thread (terminate, force) and read by the thread that completes {@link Process#onExit()}; every
 * mutable field is volatile.
 */
final class LocalTask {
    private final SubmittedTask submitted;
    private final Process process;
    private final Instant startedAt;
    private volatile String cancelReason;
    /** When SIGTERM was sent ({@code nanoTime} of the executor's clock), or -1: a later SIGKILL says how long it had. */
    private volatile long terminatedNanos = -1;
    private volatile boolean forced;
    private volatile CompletableFuture<?> exitRecorded = new CompletableFuture<>();
    /** The largest resident memory of the task's processes seen so far, in bytes; 0 before a reading. */
    private volatile long peakRss;

    LocalTask(SubmittedTask submitted, Process process, Instant startedAt) {
        this.submitted = submitted;
        this.process = process;
        this.startedAt = startedAt;
    }

    SubmittedTask submitted() {
        return submitted;
    }

    Process process() {
        return process;
    }

    /** The process group id, which is the leader's pid because the task runs under {@code setsid}. */
    long processGroup() {
        return process.pid();
    }

    /** Completes once the leader's exit has been recorded. */
    CompletableFuture<?> exitRecorded() {
        return exitRecorded;
    }

    void exitRecordedBy(CompletableFuture<?> future) {
        this.exitRecorded = future;
    }

    /**
     * Records that its group was sent SIGTERM, so that its end counts as a cancellation; a second request
     * keeps the time of the first, which is when the task was first asked.
     */
    void terminated(String reason, long nanos) {
        if (!forced) {
            this.cancelReason = reason;
        }
        if (terminatedNanos < 0) {
            this.terminatedNanos = nanos;
        }
    }

    /** When SIGTERM was sent, or -1 when it was not. */
    long terminatedNanos() {
        return terminatedNanos;
    }

    /** Records that its group was sent SIGKILL; the stronger signal's reason replaces the first. */
    void forced(String reason) {
        this.cancelReason = reason;
        this.forced = true;
    }

    /**
     * Whether the group may still hold processes once the leader is gone: it was asked to stop and never
     * forced, so a child that ignored SIGTERM can outlive the leader, and the host forces only tasks
     * that are still running.
     */
    boolean needsCleanup() {
        return terminatedNanos >= 0 && !forced;
    }

    /** The end to report when the leader exited with {@code exitCode}. */
    TaskStatus end(int exitCode, Instant endedAt) {
        String reason = cancelReason;
        TaskStatus end = reason == null
                ? TaskStatus.completed(exitCode, startedAt, endedAt)
                : TaskStatus.ended(TaskStatus.State.CANCELLED, reason, exitCode, startedAt, endedAt);
        long peak = peakRss;
        return peak > 0 ? end.withPeakRss(peak) : end;
    }

    /**
     * Reads the resident memory of the task's processes from /proc: each one's high-water mark
     * ({@code VmHWM}), summed over the leader and its descendants ({@link ProcessTree}), and keeps the
     * largest sum seen. A task that ends between two readings keeps what the last one saw; one shorter
     * than a poll interval has none. Does nothing where /proc is missing.
     */
    void sampleMemory() {
        long total = ProcessTree.peakRss(process.toHandle());
        if (total > peakRss) {
            peakRss = total;
        }
    }
}
