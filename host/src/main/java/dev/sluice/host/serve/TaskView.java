package dev.sluice.host.serve;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET /v1/tasks/{id}} answers: a task as the orchestrator sees it, immutable, replaced as it
 * moves on ({@link TaskBoard}), so that the API's threads never touch the monitor's own records.
 *
 * @param origin          who sent it and why, as submitted
 * @param state           pending, gated, queued, running, succeeded, failed or cancelled ({@link ApiState})
 * @param transitions     each state it entered, with when
 * @param last            its latest attempt
 * @param cancelRequested whether a DELETE asked for it to end
 * @param callback        its callback's delivery, or {@code null} when it has none
 */
public record TaskView(String id, String taskClass, Submission.Origin origin, ApiState state,
        List<Transition> transitions, Attempt last, boolean cancelRequested, Delivery callback) {

    /** One state entered, at a time. */
    public record Transition(ApiState state, Instant at) {
    }

    /**
     * A task's latest attempt.
     *
     * @param number   how many attempts started
     * @param exitCode its exit code, or {@code null}
     * @param error    why it failed or was cancelled, or {@code null}
     * @param workDir  its work directory, or {@code null} before one is made
     * @param devices  what the gates assigned it, by kind ({@code gpu: [GPU-5e8c...]}); empty when nothing
     */
    public record Attempt(int number, Integer exitCode, String error, String workDir,
            Map<String, List<String>> devices) {
        static final Attempt NONE = new Attempt(0, null, null, null, Map.of());

        public Attempt {
            devices = Map.copyOf(devices);
        }

        /** Nothing run, ended with {@code error}. */
        static Attempt failedBeforeStart(String error) {
            return new Attempt(0, null, error, null, Map.of());
        }
    }

    /**
     * How a task's callback is going.
     *
     * @param url       where it goes
     * @param state     {@code waiting} (the task has not ended), {@code sending}, {@code delivered} or
     *                  {@code failed} (given up)
     * @param tries     how many times it was sent
     * @param lastError why the latest try failed, or {@code null}
     */
    public record Delivery(String url, String state, int tries, String lastError) {
        static Delivery waiting(Submission.Callback c) {
            return c == null ? null : new Delivery(c.url().toString(), "waiting", 0, null);
        }
    }

    public TaskView {
        transitions = List.copyOf(transitions);
    }

    /** A task just accepted. */
    static TaskView accepted(String id, Submission s, Instant at) {
        return new TaskView(id, s.taskClass(), s.origin(), ApiState.PENDING,
                List.of(new Transition(ApiState.PENDING, at)), Attempt.NONE, false, Delivery.waiting(s.callback()));
    }

    /** This view, in {@code state} from {@code at} (a transition only when the state is new), with {@code last}. */
    TaskView moved(ApiState to, Instant at, Attempt attempt) {
        List<Transition> t = transitions;
        if (to != state) {
            t = new ArrayList<>(transitions);
            t.add(new Transition(to, at));
        }
        return new TaskView(id, taskClass, origin, to, t, attempt, cancelRequested, callback);
    }

    TaskView withCancelRequested() {
        return new TaskView(id, taskClass, origin, state, transitions, last, true, callback);
    }

    TaskView withCallback(Delivery delivery) {
        return new TaskView(id, taskClass, origin, state, transitions, last, cancelRequested, delivery);
    }
}
