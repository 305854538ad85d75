package dev.sluice.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * What an executor knows of a submitted task.
 *
 * @param state       where the task is
 * @param exitCode    the task's exit status once {@link State#COMPLETED}; {@code null} otherwise
 * @param reason      why the task failed or was ended, for the user; {@code null} when none
 * @param startedAt   when it started running, if known
 * @param completedAt when it ended, if known
 * @param peakRssBytes the most memory (resident set) the task's processes held at once, as far as the
 *                    executor saw, or {@code null} when it does not know
 * @param nativeId    the executor's id of the task once it started, where that is not the one {@code submit}
 *                    returned: an executor that queues launches itself ({@link TaskExecutor#launchesAhead()})
 *                    learns a local task's pid only when it starts it. The host shows it from then on (trace,
 *                    events, health monitors); {@code null} when the submitted id stands
 */
public record TaskStatus(State state, Integer exitCode, String reason, Instant startedAt, Instant completedAt,
        Long peakRssBytes, String nativeId) {

    /** The states a task moves through on an executor. */
    public enum State {
        /** Accepted, waiting for a slot on the executor. */
        PENDING,
        /** Running. */
        RUNNING,
        /** Ended by itself with an exit code; 0 is success. */
        COMPLETED,
        /** Ended by the executor or the system for a reason other than the ones below. */
        FAILED,
        /** Ended because it ran past its time limit. */
        TIMEOUT,
        /** Ended by the out-of-memory killer. */
        OUT_OF_MEMORY,
        /** Lost with the node or container it ran on. */
        NODE_FAILURE,
        /** Cancelled. */
        CANCELLED;

        /** Whether the task has ended. */
        public boolean isTerminal() {
            return this != PENDING && this != RUNNING;
        }
    }

    public TaskStatus {
        Objects.requireNonNull(state, "state");
        if (state == State.COMPLETED && exitCode == null) {
            throw new IllegalArgumentException("a completed task needs an exit code");
        }
    }

    /** A status whose native id is the submitted one. */
    public TaskStatus(State state, Integer exitCode, String reason, Instant startedAt, Instant completedAt,
            Long peakRssBytes) {
        this(state, exitCode, reason, startedAt, completedAt, peakRssBytes, null);
    }

    /** A status without a peak memory reading. */
    public TaskStatus(State state, Integer exitCode, String reason, Instant startedAt, Instant completedAt) {
        this(state, exitCode, reason, startedAt, completedAt, null, null);
    }

    /** The same status with the task's peak resident memory, in bytes. */
    public TaskStatus withPeakRss(Long bytes) {
        return new TaskStatus(state, exitCode, reason, startedAt, completedAt, bytes, nativeId);
    }

    /** The same status with the executor's id of the task once started ({@link #nativeId()}). */
    public TaskStatus withNativeId(String id) {
        return new TaskStatus(state, exitCode, reason, startedAt, completedAt, peakRssBytes, id);
    }

    public static TaskStatus pending() {
        return new TaskStatus(State.PENDING, null, null, null, null);
    }

    public static TaskStatus running(Instant startedAt) {
        return new TaskStatus(State.RUNNING, null, null, startedAt, null);
    }

    public static TaskStatus completed(int exitCode, Instant startedAt, Instant completedAt) {
        return new TaskStatus(State.COMPLETED, exitCode, null, startedAt, completedAt);
    }

    /** A task ended in a non-COMPLETED terminal state, with the reason for the user. */
    public static TaskStatus ended(State state, String reason, Integer exitCode, Instant startedAt,
            Instant completedAt) {
        if (!state.isTerminal() || state == State.COMPLETED) {
            throw new IllegalArgumentException("not a failure state: " + state);
        }
        return new TaskStatus(state, exitCode, reason, startedAt, completedAt);
    }

    /** Whether the task ended successfully: completed with exit code 0. */
    public boolean isSuccess() {
        return state == State.COMPLETED && exitCode == 0;
    }
}
