package dev.sluice.host.executor.local;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One task attempt the local executor launched: its process (the leader of its own session and
 * process group) and what sluice did to it. Its status lives in the executor's status table. Written
 * by the monitor's thread (terminate, force) and read by the thread that learns of the end; every
 * mutable field is volatile.
 */
final class LocalTask {
    private final SubmittedTask submitted;
    /** Its process as the JVM started it; {@code null} for a task the task loop starts. */
    private final Spawner.Child child;
    /** Its number with the task loop ({@link TaskLoop}); -1 for a task the JVM started. */
    private final long launchId;
    /** The group leader's pid; -1 while the task waits in the task loop. */
    private volatile long pid;
    private volatile Instant startedAt;
    private volatile long startedNanos;
    /** Whether what it leaves running in its group outlives it ({@code local/keepProcessGroup}). */
    private final boolean keepsGroup;
    private volatile String cancelReason;
    /** When SIGTERM was sent ({@code nanoTime} of the executor's clock), or -1: a later SIGKILL says how long it had. */
    private volatile long terminatedNanos = -1;
    private volatile boolean forced;
    private volatile CompletableFuture<?> exitRecorded = new CompletableFuture<>();
    /** The largest resident memory of the task's processes seen so far, in bytes; 0 before a reading. */
    private volatile long peakRss;

    /** A task the JVM started. */
    LocalTask(SubmittedTask submitted, Spawner.Child child, Instant startedAt, long startedNanos, boolean keepsGroup) {
        this.submitted = submitted;
        this.child = child;
        this.launchId = -1;
        this.pid = child.pid();
        this.startedAt = startedAt;
        this.startedNanos = startedNanos;
        this.keepsGroup = keepsGroup;
    }

    /** A task handed to the task loop as launch {@code launchId}, not started yet. */
    LocalTask(SubmittedTask submitted, long launchId, boolean keepsGroup) {
        this.submitted = submitted;
        this.child = null;
        this.launchId = launchId;
        this.pid = -1;
        this.keepsGroup = keepsGroup;
    }

    /** The task loop started it. */
    void started(long leader, Instant at, long nanos) {
        this.startedAt = at;
        this.startedNanos = nanos;
        this.pid = leader;
    }

    boolean keepsGroup() {
        return keepsGroup;
    }

    SubmittedTask submitted() {
        return submitted;
    }

    /** Its process as the JVM started it; {@code null} for a task of the task loop. */
    Spawner.Child child() {
        return child;
    }

    long launchId() {
        return launchId;
    }

    /** When it started, as the executor's clock's {@code nanoTime}; meaningless before {@link #hasStarted}. */
    long startedNanos() {
        return startedNanos;
    }

    boolean hasStarted() {
        return pid > 0;
    }

    /** The process group id, which is the leader's pid because the task leads a session of its own; -1 before its start. */
    long processGroup() {
        return pid;
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

    /** Why sluice asked it to stop, or {@code null} when it did not. */
    String cancelReason() {
        return cancelReason;
    }

    /** When it started; {@code null} before. */
    Instant startedAt() {
        return startedAt;
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

    /**
     * The end to report when the leader ended as {@code exit} says. The peak memory is the larger of the
     * readings' largest sum and the kernel's figure for the largest single process the leader waited for.
     */
    TaskStatus end(Spawner.Exit exit, Instant endedAt) {
        String reason = cancelReason;
        TaskStatus end = reason == null
                ? TaskStatus.completed(exit.exitCode(), startedAt, endedAt)
                : TaskStatus.ended(TaskStatus.State.CANCELLED, reason, exit.exitCode(), startedAt, endedAt);
        long peak = Math.max(peakRss, exit.peakRssBytes());
        return peak > 0 ? end.withPeakRss(peak) : end;
    }

    /** The end to report for a launch the task loop dropped before it started (a kill asked for it). */
    TaskStatus dropped(Instant at) {
        String reason = cancelReason;
        return TaskStatus.ended(TaskStatus.State.CANCELLED, reason == null ? "killed by sluice before it started" : reason,
                null, null, at);
    }

    /** The end to report when how the leader ended cannot be known (its wait failed: never seen here). */
    TaskStatus lost(Throwable why, Instant endedAt) {
        return TaskStatus.ended(TaskStatus.State.FAILED, "the local executor lost track of the task's process (pid "
                + processGroup() + "): " + why.getMessage(), null, startedAt, endedAt);
    }

    /**
     * Reads the resident memory of the task's processes from /proc: each one's high-water mark
     * ({@code VmHWM}), summed over the leader and its descendants ({@link ProcessTree}), and keeps the
     * largest sum seen. Does nothing where /proc is missing.
     */
    void sampleMemory() {
        long leader = pid;
        if (leader <= 0) {
            return;
        }
        long total = ProcessTree.peakRss(leader);
        if (total > peakRss) {
            peakRss = total;
        }
    }
}
