package dev.sluice.host.monitor;

import dev.sluice.host.task.TaskState;
import java.util.ArrayList;
import java.util.List;

/**
 * The loop's side of an {@link Intake}: each turn it moves what was offered into the run, in order, a
 * bounded number at a time so that a burst of submissions cannot hold up polls and kills (the rest wait
 * for the next turn, which comes at once). Owned by the monitor's thread.
 */
final class Arrivals {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Arrivals.class);
    /** Requests taken per turn of the loop at most. */
    static final int PER_TURN = 1024;

    private final Intake intake;
    private final RunState run;
    private final Dispatcher dispatcher;
    private final Outcomes outcomes;

    Arrivals(Intake intake, RunState run, Dispatcher dispatcher, Outcomes outcomes) {
        this.intake = intake;
        this.run = run;
        this.dispatcher = dispatcher;
        this.outcomes = outcomes;
    }

    /** Applies the oldest requests, at most {@link #PER_TURN}; returns whether more are waiting. */
    boolean take() {
        List<TaskProgress> added = new ArrayList<>();
        try {
            for (int i = 0; i < PER_TURN; i++) {
                Object request = intake.poll();
                if (request == null) {
                    return false;
                }
                switch (request) {
                    case Intake.Arrival a -> {
                        TaskProgress rec = add(a);
                        if (rec != null) {
                            added.add(rec);
                        }
                    }
                    case Intake.Cancel c -> cancel(c, added);
                    default -> throw new IllegalStateException("unknown intake request " + request);
                }
            }
            return intake.hasRequests();
        } finally {
            // Told before any of them moves on (they are all WAITING until the dispatcher takes them up),
            // so that every listener hears of a task before its first change of state.
            if (!added.isEmpty()) {
                run.listener.tasksAdded(List.copyOf(added));
                settleEarlyEnds(added);
            }
        }
    }

    /** The task in the run, or {@code null} when it cannot join (a bug of its sender's: said, and the run goes on). */
    private TaskProgress add(Intake.Arrival a) {
        ProcessRuntime p = run.graph.process(a.process());
        try {
            if (p == null) {
                throw new IllegalArgumentException("it names process '" + a.process() + "', which this run does not"
                        + " have");
            }
            TaskProgress rec = run.graph.add(p, a.id(), a.spec());
            dispatcher.added(rec);
            return rec;
        } catch (IllegalArgumentException e) {
            log.error("task {} cannot join the run: {}", a.id(), e.getMessage());
            return null;
        }
    }

    /** Arrivals that the same batch cancelled, or that came while the run stops, end now, after tasksAdded. */
    private void settleEarlyEnds(List<TaskProgress> added) {
        for (TaskProgress rec : added) {
            if (rec.state == TaskState.WAITING && (run.stopping || rec.error != null)) {
                run.finishUnstarted(rec, TaskState.CANCELLED, run.stopping ? run.stopReason : rec.error);
            }
        }
    }

    private void cancel(Intake.Cancel c, List<TaskProgress> addedThisTurn) {
        TaskProgress rec = run.graph.task(c.id());
        if (rec == null) {
            return;
        }
        if (rec.state == TaskState.WAITING && addedThisTurn.contains(rec)) {
            // Listeners have not heard of it yet: it ends once they have.
            rec.error = c.reason();
            return;
        }
        outcomes.cancelTask(rec, c.reason());
    }
}
