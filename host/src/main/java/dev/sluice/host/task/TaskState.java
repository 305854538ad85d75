package dev.sluice.host.task;

/** Where a task is in a run, as progress, trace and summary show it. */
public enum TaskState {
    /** Waiting for the processes it depends on. */
    WAITING,
    /** In its readiness gates. */
    GATED,
    /** Ready, waiting for capacity, a queue slot or the submit rate limit. */
    QUEUED,
    /** Handed to the executor, not yet seen running. */
    SUBMITTED,
    RUNNING,
    /** Waiting out the backoff before its next attempt. */
    RETRY_WAIT,
    SUCCEEDED,
    /** Taken from a previous run's successful result (--resume). */
    CACHED,
    FAILED,
    /** Failed, and the error strategy {@code ignore} let the run go on. */
    IGNORED,
    /** Not run because the run was stopped (error strategy terminate or finish, or a signal). */
    CANCELLED,
    /** Not run because a process it depends on failed. */
    SKIPPED;

    public boolean isTerminal() {
        return switch (this) {
            case SUCCEEDED, CACHED, FAILED, IGNORED, CANCELLED, SKIPPED -> true;
            default -> false;
        };
    }

    /** Terminal and counted as a success for the processes downstream. */
    public boolean satisfiesDependents() {
        return this == SUCCEEDED || this == CACHED || this == IGNORED;
    }

    /** Lower-case name as shown to users and in the trace. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
