package dev.sluice.host.monitor;

import dev.sluice.host.task.TaskState;
import java.time.Instant;
import java.util.List;

/**
 * What the progress display, the trace, the summary and the metrics learn of a run. Called on the
 * monitor's thread only, so implementations need no locking; they must be quick.
 */
public interface RunListener {

    /** The executor calls whose failures {@link #executorFailed} reports. */
    enum ExecutorCall {
        START, SUBMIT, POLL, KILL;

        /** Lower-case name, as metrics show it. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The run's tasks are known. */
    default void runStarted(List<TaskProgress> tasks) {
    }

    /**
     * Tasks joined a run already going ({@link Intake}), all still {@code WAITING}: told before any of
     * them changes state, as {@link #runStarted} tells of the first ones.
     */
    default void tasksAdded(List<TaskProgress> tasks) {
    }

    /** A task moved from one state to another. */
    default void stateChanged(TaskProgress task, TaskState from, TaskState to) {
    }

    /** The set of gates a task waits in changed. */
    default void gatesChanged(TaskProgress task) {
    }

    /** One of the current attempt's readiness gates started, at {@code at}. */
    default void gateStarted(TaskProgress task, String gateId, Instant at) {
    }

    /**
     * One of the current attempt's readiness gates ended, at {@code at}. Each {@link #gateStarted} gets
     * one, even after the task's verdict, unless the gate ends only once the task has moved on to its next
     * attempt or the run has ended.
     *
     * @param failure {@code null} when the gate passed; an {@link InterruptedException} when it was
     *                stopped because its task was decided or cancelled; otherwise why it failed
     */
    default void gateFinished(TaskProgress task, String gateId, Instant at, Throwable failure) {
    }

    /** A running task reported what it is doing ({@link TaskProgress#status()}). */
    default void statusChanged(TaskProgress task) {
    }

    /** One attempt of a task ended (successfully or not); its times and result are set. */
    default void attemptFinished(TaskProgress task, TaskState outcome) {
    }

    /**
     * A call to an executor failed: it could not start, submit (a task's own problem, a
     * {@link dev.sluice.spi.TaskException}, does not count), poll or kill. May come before
     * {@link #runStarted}.
     */
    default void executorFailed(String executor, ExecutorCall call, Exception error) {
    }

    /** Called now and then from the loop (at the end of each turn), so displays can redraw. */
    default void tick() {
    }

    /**
     * The loop's last turn is over: every task has ended and the run shuts its executors down next, which
     * can take seconds. Files written in batches write what waits now; by default a last {@link #tick}.
     */
    default void loopEnded() {
        tick();
    }

    /**
     * A run that takes tasks as it goes ({@code sluice serve}) let go of tasks that ended a while ago: the
     * final states of those let go this time, counted. {@link #runFinished} then holds only the tasks kept;
     * a listener that counts the run's tasks adds these.
     */
    default void tasksLetGo(java.util.Map<TaskState, Integer> counts) {
    }

    /** All tasks are terminal. */
    default void runFinished(List<TaskProgress> tasks) {
    }

    /**
     * Several listeners as one. One that fails (its file cannot be written: a full disk) is left out
     * for the rest of the run with a warning naming what it writes, and the run goes on: a trace or an
     * event log is worth less than the tasks.
     */
    static RunListener of(List<RunListener> listeners) {
        return new Listeners(listeners);
    }
}
