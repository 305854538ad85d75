package dev.sluice.kit.batch;

/**
 * What a scheduler's state for a job means to the executor. A scheduler's hooks map their own states
 * (Slurm's {@code PENDING}, PBS's {@code Q}, LSF's {@code PEND}) onto these; the base does the rest: what
 * the host is told, whether the exit-code file is due, and what an end without one reads as.
 */
public enum JobState {
    /** Waiting to start (held, suspended, requeued included); the host sees it pending. */
    QUEUED,
    /** Its batch script runs; the exit-code file is not due yet. */
    RUNNING,
    /** Its script has ended or is ending (the scheduler is cleaning up): the exit code may appear any time. */
    FINISHING,
    /** Ended by itself: the exit code is due, within the exit-code grace. */
    EXITED,
    /** Ended by the scheduler at its time limit. */
    TIMED_OUT,
    /** Ended by the scheduler for using more memory than it asked for. */
    OUT_OF_MEMORY,
    /** Ended because its node failed, did not boot, or the job was preempted: worth another try. */
    NODE_FAILED,
    /** Cancelled in the scheduler. */
    CANCELLED,
    /** Ended in any other way the scheduler knows. */
    FAILED;

    /** Whether the host sees the job as running: its script runs or is being wound up. */
    boolean isRunning() {
        return this == RUNNING || this == FINISHING;
    }
}
