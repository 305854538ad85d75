package dev.sluice.host.serve;

import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.TimeSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API's view of every task accepted: written at acceptance by the API's threads and then only by the
 * monitor's (as a {@link RunListener}), read by anyone. Each entry is an immutable {@link TaskView}
 * replaced whole, so a reader sees one consistent state of a task.
 */
final class TaskBoard implements RunListener {
    private final Map<String, TaskView> views = new ConcurrentHashMap<>();
    /** The ids of tasks ended for their orchestrators, in the order they ended: the oldest are forgotten first. */
    private final java.util.Queue<String> endedOrder = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger endedCount = new java.util.concurrent.atomic.AtomicInteger();
    /** Ended tasks due to be forgotten whose callbacks still need their views; {@link #forgetEnded}'s own. */
    private final java.util.List<String> heldForCallback = new java.util.ArrayList<>();
    private final TimeSource time;
    /** Hears of each task's end, once: the ledger. */
    private final java.util.function.Consumer<TaskView> ended;
    /** Hears of a task that no longer waits to start (it runs or ended): the admission limits. */
    private final java.util.function.Consumer<String> started;

    TaskBoard(TimeSource time, java.util.function.Consumer<TaskView> ended, java.util.function.Consumer<String> started) {
        this.time = time;
        this.ended = ended;
        this.started = started;
    }

    void accepted(TaskView view) {
        TaskView before = views.put(view.id(), view);
        if ((before == null || !hasEnded(before)) && hasEnded(view)) {
            noteEnded(view.id());
        }
    }

    /** Ended for its orchestrator: a final state that the service's own stop did not cause. */
    private static boolean hasEnded(TaskView v) {
        return v.state().isTerminal() && !stoppedByTheService(v);
    }

    private void noteEnded(String id) {
        endedOrder.add(id);
        endedCount.incrementAndGet();
    }

    /**
     * Forgets ended tasks past {@code keep}: ended before {@code now - keep.keep()}, or beyond the newest
     * {@code keep.max()}; never one whose callback is still to send. Any thread.
     *
     * @return how many were forgotten
     */
    synchronized int forgetEnded(java.time.Instant now, ServeSettings.Retention keep) {
        java.time.Instant cutoff = now.minus(keep.keep());
        int forgotten = 0;
        // Those held back for their callbacks are the oldest due: each goes once its callback has settled.
        for (java.util.Iterator<String> it = heldForCallback.iterator(); it.hasNext(); ) {
            String id = it.next();
            TaskView v = views.get(id);
            if (v == null || !callbackPending(v)) {
                it.remove();
                endedCount.decrementAndGet();
                if (v != null && views.remove(id) != null) {
                    forgotten++;
                }
            }
        }
        int seen = endedCount.get();
        for (int i = 0; i < seen; i++) {
            String id = endedOrder.peek();
            if (id == null) {
                break;
            }
            TaskView v = views.get(id);
            if (v != null && endedCount.get() - heldForCallback.size() <= keep.max() && !endedAt(v).isBefore(cutoff)) {
                break; // the oldest is young enough, and so are all after it
            }
            endedOrder.poll();
            if (v != null && callbackPending(v)) {
                heldForCallback.add(id);
                continue;
            }
            endedCount.decrementAndGet();
            if (v != null && views.remove(id) != null) {
                forgotten++;
            }
        }
        return forgotten;
    }

    private static boolean callbackPending(TaskView v) {
        return v.callback() != null && !v.callback().state().equals("delivered")
                && !v.callback().state().equals("failed");
    }

    /** When the task reached its final state. */
    static java.time.Instant endedAt(TaskView v) {
        return v.transitions().get(v.transitions().size() - 1).at();
    }

    /** Forgets a task accepted and then not handed to the run (the service was stopping). */
    void withdrawn(String id) {
        views.remove(id);
    }

    Optional<TaskView> get(String id) {
        return Optional.ofNullable(views.get(id));
    }

    /** What a cancel asked of the board did. */
    enum Cancel {
        /** No such task. */
        UNKNOWN,
        /** The task had ended: nothing to cancel. */
        ENDED,
        /** Marked; the run ends the task. */
        ASKED,
        /** Marked, and that ended it: the service's stop had ended it, and now it is over for good. */
        ENDS_NOW
    }

    /**
     * Marks a cancel asked for. A task the service's stop ended has not ended for its orchestrator (it runs at
     * the next start): it may still be cancelled, which ends it ({@link Cancel#ENDS_NOW}; the caller records
     * the end). Decided atomically with the monitor's own changes.
     */
    Cancel cancelRequested(String id) {
        Cancel[] result = {Cancel.UNKNOWN};
        views.computeIfPresent(id, (k, v) -> {
            if (hasEnded(v)) {
                result[0] = Cancel.ENDED;
                return v;
            }
            result[0] = stoppedByTheService(v) ? Cancel.ENDS_NOW : Cancel.ASKED;
            return v.withCancelRequested();
        });
        if (result[0] == Cancel.ENDS_NOW) {
            noteEnded(id);
        }
        return result[0];
    }

    /** Ended cancelled without a DELETE: the service's stop ended it, and the next start runs it again. */
    static boolean stoppedByTheService(TaskView v) {
        return v.state() == ApiState.CANCELLED && !v.cancelRequested();
    }

    /** Shows how task {@code id}'s callback is going. Any thread. */
    void callback(String id, TaskView.Delivery delivery) {
        views.computeIfPresent(id, (k, v) -> v.withCallback(delivery));
    }

    int size() {
        return views.size();
    }

    // ---- RunListener: the monitor's thread ----------------------------------------------------------

    @Override
    public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
        ApiState state = ApiState.of(to);
        if (state == ApiState.RUNNING || state.isTerminal()) {
            // Before the view says so: a client that sees it started may submit again at once.
            started.accept(task.id());
        }
        // Whether this change is the one that ends the task for its orchestrator is decided inside the
        // update, so that a DELETE racing with it cannot end it twice, or not at all.
        TaskView[] endsNow = {null};
        views.computeIfPresent(task.id(), (id, v) -> {
            TaskView before = v;
            if (state.isTerminal() && v.state() == ApiState.QUEUED && task.startedAt() != null) {
                // A short task can end before a poll saw it run: it did run, from its start.
                before = v.moved(ApiState.RUNNING, task.startedAt(), attempt(task, v, false));
            }
            TaskView after = before.moved(state, time.now(), attempt(task, v,
                    to != TaskState.SUCCEEDED && to != TaskState.CACHED));
            // Cancelled without a DELETE, the service's stop ended it: not over for the orchestrator, who never
            // asked; left unended in the ledger, it runs again at the next start.
            if (!hasEnded(v) && hasEnded(after)) {
                endsNow[0] = after;
            }
            return after;
        });
        if (endsNow[0] != null) {
            noteEnded(task.id());
            ended.accept(endsNow[0]);
        }
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        // The exit code and error of an attempt that ended, before any retry moves the task on.
        views.computeIfPresent(task.id(), (id, v) -> v.moved(v.state(), time.now(), attempt(task, v, true)));
    }

    /** The task's latest attempt as the API shows it; its error only when {@code withError}. */
    private static TaskView.Attempt attempt(TaskProgress task, TaskView v, boolean withError) {
        dev.sluice.host.task.Task handle = task.task();
        return new TaskView.Attempt(task.attempt(), task.exitCode(), withError ? task.error() : null,
                task.files() == null ? v.last().workDir() : task.files().workDir().toString(),
                handle == null ? v.last().devices() : handle.assigned());
    }
}
