package dev.sluice.spi;

import org.pf4j.ExtensionPoint;

/**
 * Rewrites the command a task runs, for example to run it inside a container or with a GPU
 * assigned, the way an Open Job Description environment's {@code onWrapTaskRun} wraps a task's
 * {@code onRun}.
 *
 * <p>Wrappers that apply to a task are composed in {@link #priority()} order: the lowest wraps the
 * task's own command and each next one wraps the result, so the highest priority is outermost. The
 * wrapped command's exit code is the task's result.
 */
public interface TaskWrapper extends ExtensionPoint {

    /** A stable id, also the namespace of the wrapper's hints. */
    String id();

    /** Composition order; lower is inner. */
    default int priority() {
        return 0;
    }

    /** Whether this wrapper applies to the task (e.g. only when {@code docker/image} is set). */
    default boolean appliesTo(TaskHandle task) {
        return true;
    }

    /**
     * Returns the command to run in place of {@code command}.
     *
     * @throws TaskException when the task cannot be wrapped; the message says why
     */
    LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException;

    /**
     * Wraps one attempt, for a wrapper with more to say than a command: a tighter time limit, a
     * kill grace of its own, a watch on the attempt's output, a verdict at its end (see
     * {@link WrappedTask}). The host calls this, not {@link #wrap}; the default wraps with
     * {@link #wrap} and says nothing more.
     *
     * @throws TaskException when the task cannot be wrapped; the message says why
     */
    default WrappedTask open(TaskHandle task, LaunchCommand command) throws TaskException {
        return WrappedTask.of(wrap(task, command));
    }
}
