package dev.sluice.host.monitor;

import dev.sluice.gate.GateListener;
import dev.sluice.gate.GateOutcome;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.TaskHandle;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Brings the gate manager's events onto the monitor's thread: each is posted to the loop's inbox and
 * applied there to the attempt it names, if that attempt is still current.
 */
final class GateEvents implements GateListener {
    /** What the loop does with a gate's verdict. */
    interface Verdicts {
        /**
         * The gates' verdict on the attempt of {@code rec}; {@code rec} is {@code null} when the run no longer
         * holds the task (a long run let go of it after its end), and then what the gates set aside goes back.
         */
        void outcome(TaskProgress rec, TaskHandle task, int attempt, GateOutcome outcome);
    }

    private final Function<String, TaskProgress> tasks;
    private final RunListener listener;
    private final Consumer<Runnable> enqueue;
    private final Consumer<Runnable> post;
    private final Verdicts verdicts;

    /**
     * @param enqueue adds to the inbox without waking the loop: a gate's start or end changes only what
     *                is shown, which the next turn picks up
     * @param post    adds to the inbox and wakes the loop
     */
    GateEvents(Function<String, TaskProgress> tasks, RunListener listener, Consumer<Runnable> enqueue,
            Consumer<Runnable> post, Verdicts verdicts) {
        this.tasks = tasks;
        this.listener = listener;
        this.enqueue = enqueue;
        this.post = post;
        this.verdicts = verdicts;
    }

    @Override
    public void gateStarted(TaskHandle task, String gateId, Instant at) {
        int attempt = task.attempt();
        enqueue.accept(() -> {
            TaskProgress rec = current(task, attempt);
            if (rec != null) {
                listener.gateStarted(rec, gateId, at);
                if (rec.state == TaskState.GATED) {
                    rec.gatesInFlight.add(gateId);
                    listener.gatesChanged(rec);
                }
            }
        });
    }

    @Override
    public void gateFinished(TaskHandle task, String gateId, Instant at, Throwable failure) {
        int attempt = task.attempt();
        enqueue.accept(() -> {
            TaskProgress rec = current(task, attempt);
            if (rec != null) {
                // Reported even after the task's verdict, so that each gateStarted gets its end.
                listener.gateFinished(rec, gateId, at, failure);
                if (rec.gatesInFlight.remove(gateId)) {
                    listener.gatesChanged(rec);
                }
            }
        });
    }

    @Override
    public void outcome(TaskHandle task, GateOutcome outcome) {
        int attempt = task.attempt();
        post.accept(() -> {
            verdicts.outcome(tasks.apply(task.id()), task, attempt, outcome);
        });
    }

    private TaskProgress current(TaskHandle task, int attempt) {
        TaskProgress rec = tasks.apply(task.id());
        return rec == null || rec.attempt() != attempt ? null : rec;
    }
}
