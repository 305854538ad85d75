package dev.sluice.host.monitor;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.task.Task;
import dev.sluice.spi.TaskFiles;
import java.io.IOException;

/** Makes the work directory and handle of each attempt, and remembers successes for --resume. */
public interface TaskPreparer extends AutoCloseable {

    /** A prepared attempt. */
    record Prepared(Task task, TaskFiles files) {
    }

    /** Creates the attempt's work directory (and its script) and returns its handle. */
    Prepared prepare(String taskId, TaskSpec spec, ProcessRuntime process, int attempt) throws IOException;

    /** A previous run's successful attempt of the same task, when resuming; otherwise {@code null}. */
    Prepared cached(String taskId, TaskSpec spec, ProcessRuntime process);

    /**
     * The attempt ended with an exit code: records it in the attempt's {@code .exitcode} where the
     * executor has not (the host, not each executor, keeps that file). May finish in the background,
     * before a {@link #succeeded} that follows.
     */
    default void ended(TaskFiles files, int exitCode) {
    }

    /**
     * An attempt of a run whose host was killed that may still run: to be taken up by this run instead
     * of launching the task again, with its handle and files (in that run's work directory), or, when
     * {@code prepared} is {@code null}, declined (to be ended); the run's id and what its executor
     * called it.
     */
    record Adoption(Prepared prepared, String runId, String nativeId) {
    }

    /**
     * What {@code --resume} may take up of what the killed run {@code killedRunId} left running with
     * {@code executor}: the native ids of its attempts whose end nobody recorded, of tasks among
     * {@code keys} (this run's tasks on that executor) that no newer killed run launched since. The
     * executor spares these and ends the rest. Called once per killed run and executor, the newest run
     * first, before anything is launched.
     */
    default java.util.Set<String> adoptable(String killedRunId, String executor, java.util.Set<String> keys) {
        return java.util.Set.of();
    }

    /**
     * The attempt {@link #adoptable} named for this task, claimed once: taken up when {@code wanted}
     * (nothing else decides the task) and its executor and inputs are as they were at its launch,
     * declined otherwise; {@code null} when there is none.
     */
    default Adoption adoption(String taskId, TaskSpec spec, ProcessRuntime process, boolean wanted) {
        return null;
    }

    /** {@code --resume} does not look for an earlier success of the task, for {@code why}. */
    default void notReused(String taskId, TaskSpec spec, String why) {
    }

    /**
     * The attempt is about to be handed to its executor: remembered before this returns, so that if the
     * host is killed from here on, a later --resume can take the exit code the attempt leaves (a script
     * writes its own) instead of running it again. Called on the monitor's thread.
     */
    default void launching(TaskProgress task) {
    }

    /**
     * The attempt is about to be handed to an executor that adopts what a killed host left: returns what
     * remembers the id the executor gives it, so that a later --resume can take the attempt up if it
     * still runs ({@link #adoptable}). Called on the monitor's thread; what it returns is called once, on
     * the thread that submitted the attempt, as soon as the executor answers, and returns when the id is
     * on disk.
     */
    default java.util.function.Consumer<String> launchedAs(TaskProgress task) {
        return nativeId -> {
        };
    }

    /** Remembers that the attempt succeeded, for a later --resume. May finish in the background. */
    void succeeded(TaskProgress task);

    /** Finishes what {@link #succeeded} left in the background; called when the run ends. */
    @Override
    default void close() {
    }
}
