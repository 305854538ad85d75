package dev.sluice.host.serve;

import dev.sluice.host.task.TaskState;
import java.util.Locale;

/**
 * A task's state as the API names it: fewer than the monitor's, in the words orchestrators use. A task
 * waiting to retry is pending again; a cached one succeeded; an ignored failure failed; a skipped one
 * was cancelled.
 */
public enum ApiState {
    PENDING, GATED, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    static ApiState of(TaskState state) {
        return switch (state) {
            case WAITING, RETRY_WAIT -> PENDING;
            case GATED -> GATED;
            case QUEUED, SUBMITTED -> QUEUED;
            case RUNNING -> RUNNING;
            case SUCCEEDED, CACHED -> SUCCEEDED;
            case FAILED, IGNORED -> FAILED;
            case CANCELLED, SKIPPED -> CANCELLED;
        };
    }

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** The name in the API: {@code running}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
