package dev.sluice.host.monitor;

import dev.sluice.gate.TaskGateManager;
import dev.sluice.host.monitor.RunGraph.Next;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.TimeSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * What the {@link Dispatcher} and {@link Outcomes} share about one run: its graph and executors, the
 * tasks waiting to retry, the kill schedule, whether the run is stopping, and the one way a task
 * changes state (so listeners, gates and the graph hear of every change alike). Owned by the
 * monitor's thread.
 */
final class RunState {
    final RunGraph graph;
    final Map<String, ExecutorRuntime> executors = new LinkedHashMap<>();
    final RunListener listener;
    final TimeSource time;
    final KillSchedule kills = new KillSchedule();
    /** Soonest due first (a lambda of this class: Comparator's factories' own are generated at every start). */
    final PriorityQueue<TaskProgress> retries = new PriorityQueue<>((a, b) -> Long.compare(a.retryDueNanos,
            b.retryDueNanos));
    /** What ended tasks let go and the dispatcher has yet to apply. */
    private final Deque<Next> released = new ArrayDeque<>();
    private Consumer<Next> follower = next -> { };
    private boolean following;
    /** The gates, or {@code null} when no plugin has any. */
    TaskGateManager gates;
    /** Set once nothing new may start. */
    boolean stopping;
    /**
     * Whether a task's failure under errorStrategy terminate or finish stops the run. Not in a run with an
     * {@link Intake} (a service): the task fails, and the tasks of others go on.
     */
    boolean failuresStopRun = true;
    /**
     * Hears of a task cancelled after it was prepared and before it was submitted (the dispatcher: a task
     * adopting a batch job a killed run left ends that job instead).
     */
    java.util.function.Consumer<TaskProgress> cancelledBeforeSubmit = rec -> { };
    /** Set once the run kills its tasks: a launch still in flight is killed when it lands. */
    boolean killing;
    boolean cancelled;
    /** Set once the run kills without a grace: a second stop signal. */
    boolean forcing;
    boolean failed;
    String stopReason;

    RunState(RunGraph graph, RunListener listener, TimeSource time) {
        this.graph = graph;
        this.listener = listener;
        this.time = time;
    }

    void setState(TaskProgress rec, TaskState to) {
        TaskState from = rec.state;
        if (from != to) {
            rec.state = to;
            if (from == TaskState.GATED) {
                // A gate's word on the wait ("waiting for a seat") is stale once the task left its gates.
                rec.status = null;
            }
            if (isAhead(from)) {
                rec.process.ahead--;
            }
            if (isAhead(to)) {
                rec.process.ahead++;
            }
            listener.stateChanged(rec, from, to);
        }
    }

    /** Whether a task in this state is prepared and not yet with its executor. */
    private static boolean isAhead(TaskState state) {
        return state == TaskState.GATED || state == TaskState.QUEUED;
    }

    /** Who applies what the graph lets go: the dispatcher. */
    void followWith(Consumer<Next> value) {
        follower = value;
    }

    /**
     * Applies what the graph let go, at once. What that in turn lets go joins the same queue instead of
     * a deeper call, so a long chain of processes costs no stack.
     */
    void follow(List<Next> next) {
        released.addAll(next);
        if (following) {
            return;
        }
        following = true;
        try {
            Next n;
            while ((n = released.poll()) != null) {
                follower.accept(n);
            }
        } finally {
            following = false;
        }
    }

    /**
     * The task reached a terminal state; what that lets go is released or skipped. Listeners have heard of
     * it by then, so the task lets go of what it no longer needs.
     */
    void conclude(TaskProgress rec, TaskState state) {
        setState(rec, state);
        rec.settle();
        follow(graph.taskEnded(rec, graph.lettingGo() ? time.nanoTime() : 0L));
    }

    /**
     * The current attempt ended as {@code state}: listeners and the gates that admitted it hear so, then
     * the task reaches that state.
     */
    void concludeAttempt(TaskProgress rec, TaskState state, AttemptOutcome outcome) {
        listener.attemptFinished(rec, state);
        attemptEnded(rec, outcome);
        conclude(rec, state);
    }

    /** A task that never ran ends, with why. */
    void finishUnstarted(TaskProgress rec, TaskState state, String reason) {
        if (!rec.state.isTerminal()) {
            rec.error = reason;
            conclude(rec, state);
        }
    }

    /** Tells the gates that admitted the attempt that it ended (see TaskReadinessGate.attemptEnded). */
    void attemptEnded(TaskProgress rec, AttemptOutcome outcome) {
        if (gates != null && rec.task() != null) {
            gates.attemptEnded(rec.task(), outcome);
        }
    }

    /** Shows a status message of the current attempt; one for an attempt that has moved on is dropped. */
    void showStatus(TaskProgress rec, int attempt, String message) {
        if (rec.attempt() == attempt && !rec.state.isTerminal()) {
            rec.status = message;
            listener.statusChanged(rec);
        }
    }

    /** Whether the attempt is with its executor now. */
    static boolean running(TaskProgress rec) {
        return rec.submitted() != null && rec.executor.active.containsKey(rec.submitted());
    }
}
