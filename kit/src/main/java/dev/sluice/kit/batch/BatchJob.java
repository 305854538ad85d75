package dev.sluice.kit.batch;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskLaunch;
import java.time.Instant;

/**
 * What the executor knows of one job besides its status (which the status table holds). The status
 * thread writes the scheduler's view; the monitor's thread reads it to tell queued jobs from running
 * ones and marks the jobs it asked to end; an HTTP thread records a callback. Each field is written by
 * one of them only, so volatile is enough.
 */
final class BatchJob {
    final String id;
    /** The name it was submitted under: its run's id (an earlier run's, for a job adopted from it). */
    final String jobName;
    final SubmittedTask submitted;
    final TaskLaunch launch;
    /** The exit status a callback reported, or {@code null} while none came. Written on an HTTP thread. */
    volatile Integer callbackExit;
    /** The scheduler's last row for it, or {@code null} before the first status round. */
    volatile JobRow row;
    /** Whether it left the queue without an end known: judged by its exit-code file alone. */
    volatile boolean vanished;
    volatile Instant startedAt;
    /** When it was first seen ended, or missing from the queue, without an exit code yet (nano time), or -1. */
    volatile long endSeenNanos = -1;
    /** Whether sluice asked for its end, so a {@code CANCELLED} state is no surprise. */
    volatile boolean endRequested;
    /** Whether a cancel of it was accepted: forcing it again would only repeat that. */
    volatile boolean cancelled;

    BatchJob(String id, String jobName, SubmittedTask submitted, TaskLaunch launch) {
        this.id = id;
        this.jobName = jobName;
        this.submitted = submitted;
        this.launch = launch;
    }

    /** Whether it waits to start; a job not seen yet counts as queued, so that ending it is a plain cancel. */
    boolean queued() {
        JobRow last = row;
        return !vanished && (last == null || last.state() == JobState.QUEUED);
    }

    @Override
    public String toString() {
        return "job " + id;
    }
}
