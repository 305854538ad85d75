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
 * @param startedAs the executor's id of it once started, where that differs from the submitted one (a
 *                  launch the executor queued: {@link dev.sluice.spi.TaskStatus#nativeId()}); {@code null}
 *                  otherwise
 */
public record Attempt(int number, Task task, TaskFiles files, AttemptTimes times, SubmittedTask submitted,
        Integer exitCode, long peakRss, String startedAs) {

    public Attempt {
        Objects.requireNonNull(times, "times");
    }

    /** A try just prepared: its work directory made, nothing else happened yet. */
    public Attempt(Task task, TaskFiles files) {
        this(task.attempt(), task, Objects.requireNonNull(files, "files"), AttemptTimes.NONE, null, null, -1, null);
    }

    Attempt withTask(Task value) {
        return new Attempt(number, value, files, times, submitted, exitCode, peakRss, startedAs);
    }

    Attempt withTimes(AttemptTimes value) {
        return new Attempt(number, task, files, value, submitted, exitCode, peakRss, startedAs);
    }

    Attempt withSubmitted(SubmittedTask value) {
        return new Attempt(number, task, files, times, value, exitCode, peakRss, startedAs);
    }

    Attempt withStartedAs(String value) {
        return new Attempt(number, task, files, times, submitted, exitCode, peakRss, value);
    }

    Attempt withEnd(Integer exit, Long rss) {
        return new Attempt(number, task, files, times, submitted, exit, rss == null ? -1 : rss, startedAs);
    }

    /** What is kept once its task settled well. */
    Attempt settled() {
        return new Attempt(number, null, null, times, null, exitCode, peakRss, null);
    }

    /** The executor's id of it: the one it started as where that differs, else the submitted one; null before. */
    public String nativeId() {
        return startedAs != null ? startedAs : submitted == null ? null : submitted.nativeId();
    }
}
