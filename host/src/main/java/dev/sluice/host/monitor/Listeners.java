package dev.sluice.host.monitor;

import dev.sluice.host.task.TaskState;
import dev.sluice.kit.IoErrors;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners of one run, each called in turn; see {@link RunListener#of}. */
final class Listeners implements RunListener {
    private static final Logger log = LoggerFactory.getLogger(RunListener.class);
    private final List<RunListener> listeners;
    private final boolean[] dropped;

    Listeners(List<RunListener> listeners) {
        this.listeners = List.copyOf(listeners);
        this.dropped = new boolean[this.listeners.size()];
    }

    private void each(Consumer<RunListener> call) {
        for (int i = 0; i < listeners.size(); i++) {
            if (dropped[i]) {
                continue;
            }
            try {
                call.accept(listeners.get(i));
            } catch (RuntimeException e) {
                dropped[i] = true;
                log.warn("{}; the run goes on without it", describe(e));
                log.debug("the listener's failure", e);
            }
        }
    }

    /** E.g. "cannot write the event log /w/events.jsonl: No space left on device". */
    private static String describe(RuntimeException e) {
        if (e instanceof UncheckedIOException io) {
            return io.getMessage() + ": " + IoErrors.describe(io.getCause());
        }
        return e.getMessage() == null ? "an output of the run failed (the log at -vv has the details)"
                : e.getMessage();
    }

    @Override
    public void runStarted(List<TaskProgress> tasks) {
        each(l -> l.runStarted(tasks));
    }

    @Override
    public void tasksAdded(List<TaskProgress> tasks) {
        each(l -> l.tasksAdded(tasks));
    }

    @Override
    public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
        each(l -> l.stateChanged(task, from, to));
    }

    @Override
    public void gatesChanged(TaskProgress task) {
        each(l -> l.gatesChanged(task));
    }

    @Override
    public void gateStarted(TaskProgress task, String gateId, Instant at) {
        each(l -> l.gateStarted(task, gateId, at));
    }

    @Override
    public void gateFinished(TaskProgress task, String gateId, Instant at, Throwable failure) {
        each(l -> l.gateFinished(task, gateId, at, failure));
    }

    @Override
    public void statusChanged(TaskProgress task) {
        each(l -> l.statusChanged(task));
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        each(l -> l.attemptFinished(task, outcome));
    }

    @Override
    public void executorFailed(String executor, ExecutorCall call, Exception error) {
        each(l -> l.executorFailed(executor, call, error));
    }

    @Override
    public void tick() {
        each(RunListener::tick);
    }

    @Override
    public void loopEnded() {
        each(RunListener::loopEnded);
    }

    @Override
    public void tasksLetGo(java.util.Map<TaskState, Integer> counts) {
        each(l -> l.tasksLetGo(counts));
    }

    @Override
    public void runFinished(List<TaskProgress> tasks) {
        each(l -> l.runFinished(tasks));
    }
}
