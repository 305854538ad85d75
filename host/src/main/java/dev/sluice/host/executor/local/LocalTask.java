package dev.sluice.host.executor.local;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskStatus;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One task attempt the local executor launched: its process (the leader of its own process group)
 * and what is known of it. Written by the monitor's thread (kill requests) and by the JDK thread
 * that completes {@link Process#onExit()}; every mutable field is volatile.
 */
final class LocalTask {
    private final SubmittedTask submitted;
    private final Process process;
    private final TaskFiles files;
    private final Instant startedAt;
    private volatile String cancelReason;
    private volatile TaskStatus status;
    private volatile CompletableFuture<?> exitRecorded = new CompletableFuture<>();

    LocalTask(SubmittedTask submitted, Process process, TaskFiles files, Instant startedAt) {
        this.submitted = submitted;
        this.process = process;
        this.files = files;
        this.startedAt = startedAt;
        this.status = TaskStatus.running(startedAt);
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

    TaskFiles files() {
        return files;
    }

    Instant startedAt() {
        return startedAt;
    }

    TaskStatus status() {
        return status;
    }

    /** Completes once the leader's exit has been recorded, see {@link #recordExit}. */
    CompletableFuture<?> exitRecorded() {
        return exitRecorded;
    }

    void exitRecordedBy(CompletableFuture<?> future) {
        this.exitRecorded = future;
    }

    /** Whether the group leader has exited and its end has been recorded. */
    boolean hasEnded() {
        return status.state().isTerminal();
    }

    /**
     * Records that sluice signalled the task, so that its end counts as a cancellation; a later
     * signal replaces the reason with the stronger one.
     */
    void markCancelled(String reason) {
        this.cancelReason = reason;
    }

    /** Records the leader's exit; called once, from the JDK thread completing {@code onExit}. */
    void recordExit(int exitCode, Instant endedAt) {
        String reason = cancelReason;
        status = reason == null
                ? TaskStatus.completed(exitCode, startedAt, endedAt)
                : TaskStatus.ended(TaskStatus.State.CANCELLED, reason, exitCode, startedAt, endedAt);
    }
}
