package dev.sluice.host.monitor;

import dev.sluice.host.task.Task;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import java.util.Objects;

/**
 * One try of a task, as it stands: never changed, replaced by a new value as the try moves on (gated,
 * queued, submitted, running, ended). A task keeps every try it made ({@link TaskProgress#attempts()}).
 * Once its task has settled well (succeeded, cached or skipped) its last try keeps only its number, times,
 * exit code and peak memory: what the trace and events needed was written when it ended, and a run of a
 * hundred thousand tasks should not hold a hundred thousand handles.
 *
 * @param number    its number, 1 for the first
 * @param task      the attempt's handle, after its gates passed with what they assigned; {@code null} once
 *                  its task settled well and this was its last try
 * @param files     its files; {@code null} once its task settled well and this was its last try
 * @param submitted what the executor returned for it; {@code null} until launched and once its task
 *                  settled well and this was its last try
 * @param exitCode  its exit code, once ended with one
 * @param peakRss   its peak resident memory in bytes, or -1 when its executor did not measure it
 */
public record Attempt(int number, Task task, TaskFiles files, AttemptTimes times, SubmittedTask submitted,
        Integer exitCode, long peakRss) {

    public Attempt {
        Objects.requireNonNull(times, "times");
    }

    /** A try just prepared: its work directory made, nothing else happened yet. */
    public Attempt(Task task, TaskFiles files) {
        this(task.attempt(), task, Objects.requireNonNull(files, "files"), AttemptTimes.NONE, null, null, -1);
    }

    Attempt withTask(Task value) {
        return new Attempt(number, value, files, times, submitted, exitCode, peakRss);
    }

    Attempt withTimes(AttemptTimes value) {
        return new Attempt(number, task, files, value, submitted, exitCode, peakRss);
    }

    Attempt withSubmitted(SubmittedTask value) {
        return new Attempt(number, task, files, times, value, exitCode, peakRss);
    }

    Attempt withEnd(Integer exit, Long rss) {
        return new Attempt(number, task, files, times, submitted, exit, rss == null ? -1 : rss);
    }

    /** What is kept once its task settled well. */
    Attempt settled() {
        return new Attempt(number, null, null, times, null, exitCode, peakRss);
    }
}
