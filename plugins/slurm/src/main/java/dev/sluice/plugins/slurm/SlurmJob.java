package dev.sluice.plugins.slurm;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import java.time.Instant;

/** What the executor knows of one job. Read and written under the tracker's lock, except the callback field. */
final class SlurmJob {
    final String id;
    final SubmittedTask submitted;
    final TaskLaunch launch;
    /** The exit status a callback reported, or {@code null} while none came. Written on an HTTP thread. */
    volatile Integer callbackExit;
    /** Slurm's last state for it (e.g. {@code PENDING}), or {@code null} before the first squeue. */
    String state;
    String reason;
    Instant startedAt;
    /** When the job was first seen ended, or missing from the queue, without an exit code yet (nano time). */
    long endSeenNanos = -1;
    /** When a kill's grace period runs out and the job is cancelled for good (nano time), or -1. */
    long killDeadlineNanos = -1;
    /** Whether sluice asked for the job's end (kill), so a CANCELLED state is no surprise. */
    boolean killRequested;
    /** The end, once known; the job is forgotten after the host has read it. */
    TaskStatus end;
    /** What the host was last told of it, to report changes only. */
    TaskStatus.State reported;

    SlurmJob(String id, SubmittedTask submitted, TaskLaunch launch) {
        this.id = id;
        this.submitted = submitted;
        this.launch = launch;
    }

    boolean pending() {
        return state == null || SlurmStates.isPending(state);
    }

    @Override
    public String toString() {
        return "job " + id;
    }
}
