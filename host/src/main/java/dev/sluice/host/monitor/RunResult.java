package dev.sluice.host.monitor;

import dev.sluice.host.task.TaskState;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How a run ended.
 *
 * @param succeeded  whether every task succeeded, was cached or had its failure ignored
 * @param cancelled  whether the run was stopped from outside (a signal)
 * @param stopReason why the run stopped early, or {@code null}
 * @param tasks      the tasks the run still held at its end: all of a pipeline's
 * @param letGo      the final states of tasks a long run let go of as it went ({@code sluice serve}), counted
 * @param open       whether the run took tasks as it went ({@code sluice serve}): it does not fail for a
 *                   task, so it ends rather than succeeds or fails
 */
public record RunResult(boolean succeeded, boolean cancelled, String stopReason, List<TaskProgress> tasks,
        Map<TaskState, Integer> letGo, Duration wallTime, boolean open) {

    public RunResult {
        tasks = List.copyOf(tasks);
        letGo = Map.copyOf(letGo);
    }

    /** How the run went, in a word: stopped, failed, succeeded, or ended (an open run that was not stopped). */
    public String verdict() {
        return cancelled ? "stopped" : open ? "ended" : succeeded ? "succeeded" : "failed";
    }

    /** How many tasks ended in each state, those let go included. */
    public Map<TaskState, Integer> counts() {
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        letGo.forEach((state, n) -> counts.merge(state, n, Integer::sum));
        for (TaskProgress t : tasks) {
            counts.merge(t.state(), 1, Integer::sum);
        }
        return counts;
    }

    public List<TaskProgress> failures() {
        return tasks.stream().filter(t -> t.state() == TaskState.FAILED || t.state() == TaskState.IGNORED).toList();
    }
}
