package dev.sluice.host.executor.local;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    /** The largest resident memory of the task's processes seen so far, in bytes; 0 before a reading. */
    private volatile long peakRss;

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
        TaskStatus end = reason == null
                ? TaskStatus.completed(exitCode, startedAt, endedAt)
                : TaskStatus.ended(TaskStatus.State.CANCELLED, reason, exitCode, startedAt, endedAt);
        long peak = peakRss;
        status = peak > 0 ? end.withPeakRss(peak) : end;
    }

    /**
     * Reads the resident memory of the task's processes from /proc: each one's high-water mark
     * ({@code VmHWM}), summed over the leader and its descendants, and keeps the largest sum seen. A task
     * that ends between two readings keeps what the last one saw; one shorter than a poll interval has
     * none. Does nothing where /proc is missing.
     */
    void sampleMemory() {
        if (hasEnded()) {
            return;
        }
        long total = vmHwm(process.pid());
        for (ProcessHandle child : process.descendants().toList()) {
            total += vmHwm(child.pid());
        }
        if (total > peakRss) {
            peakRss = total;
        }
    }

    private static long vmHwm(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    // "VmHWM:     1234 kB"
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone between the listing and the read, or no /proc: no reading.
        }
        return 0;
    }
}
