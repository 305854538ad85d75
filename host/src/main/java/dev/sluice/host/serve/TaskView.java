package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code GET /v1/tasks/{id}} answers: a task as the orchestrator sees it, immutable, replaced as it
 * moves on ({@link TaskBoard}), so that the API's threads never touch the monitor's own records.
 *
 * @param state       pending, gated, queued, running, succeeded, failed or cancelled ({@link ApiState})
 * @param transitions each state it entered, with when
 * @param attempts    how many attempts started
 * @param exitCode    the last attempt's exit code, or {@code null}
 * @param error       why it failed or was cancelled, or {@code null}
 * @param workDir     the last attempt's work directory, or {@code null} before one is made
 * @param cancelRequested whether a DELETE asked for it to end
 */
public record TaskView(String id, String taskClass, ApiState state, List<Transition> transitions, int attempts,
        Integer exitCode, String error, String workDir, String workflowId, String tenant, JsonNode context,
        boolean cancelRequested) {

    /** One state entered, at a time. */
    public record Transition(ApiState state, Instant at) {
    }

    public TaskView {
        transitions = List.copyOf(transitions);
    }

    /** A task just accepted. */
    static TaskView accepted(String id, Submission s, Instant at) {
        return new TaskView(id, s.taskClass(), ApiState.PENDING, List.of(new Transition(ApiState.PENDING, at)), 0,
                null, null, null, s.workflowId(), s.tenant(), s.context(), false);
    }

    /** This view, in {@code state} from {@code at} (a transition only when the state is new). */
    TaskView moved(ApiState to, Instant at, int attempts, Integer exitCode, String error, String workDir) {
        List<Transition> t = transitions;
        if (to != state) {
            t = new ArrayList<>(transitions);
            t.add(new Transition(to, at));
        }
        return new TaskView(id, taskClass, to, t, attempts, exitCode, error, workDir, workflowId, tenant, context,
                cancelRequested);
    }

    TaskView withCancelRequested() {
        return new TaskView(id, taskClass, state, transitions, attempts, exitCode, error, workDir, workflowId, tenant,
                context, true);
    }
}
