package dev.sluice.host.monitor;

import dev.sluice.host.task.Task;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import java.util.Objects;

/**
 * One try of a task, as it stands: never changed, replaced by a new value as the try moves on (gated,
 * queued, submitted, running, ended). A task keeps every try it made ({@link TaskProgress#attempts()}).
 *
 * @param task      the attempt's handle; after its gates passed, with what they assigned
 * @param submitted what the executor returned for it; {@code null} until launched
 * @param exitCode  its exit code, once ended with one
 * @param peakRss   its peak resident memory in bytes, when its executor measured it
 */
public record Attempt(Task task, TaskFiles files, AttemptTimes times, SubmittedTask submitted, Integer exitCode,
        Long peakRss) {

    public Attempt {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(times, "times");
    }

    /** A try just prepared: its work directory made, nothing else happened yet. */
    public Attempt(Task task, TaskFiles files) {
        this(task, files, AttemptTimes.NONE, null, null, null);
    }

    /** Its number, 1 for the first. */
    public int number() {
        return task.attempt();
    }

    Attempt withTask(Task value) {
        return new Attempt(value, files, times, submitted, exitCode, peakRss);
    }

    Attempt withTimes(AttemptTimes value) {
        return new Attempt(task, files, value, submitted, exitCode, peakRss);
    }

    Attempt withSubmitted(SubmittedTask value) {
        return new Attempt(task, files, times, value, exitCode, peakRss);
    }

    Attempt withEnd(Integer exit, Long rss) {
        return new Attempt(task, files, times, submitted, exit, rss);
    }
}
