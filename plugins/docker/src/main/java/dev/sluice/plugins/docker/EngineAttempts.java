package dev.sluice.plugins.docker;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor's status table: the runs of submitted tasks, whose statuses the output streams' threads
 * keep up to date, so that polls are answered from memory. A run is forgotten once its end was reported.
 */
final class EngineAttempts {
    private final Map<SubmittedTask, EngineAttempt> runs = new ConcurrentHashMap<>();
    private final Runnable statusChanged;

    /** @param statusChanged tells the host to poll now */
    EngineAttempts(Runnable statusChanged) {
        this.statusChanged = statusChanged;
    }

    void add(EngineAttempt run) {
        runs.put(run.submitted, run);
    }

    /** Forgets a run whose task never started. */
    void discard(SubmittedTask submitted) {
        runs.remove(submitted);
    }

    /** The run of a submitted task, or {@code null} once its end has been reported (or it was never ours). */
    EngineAttempt get(SubmittedTask submitted) {
        return runs.get(submitted);
    }

    /** Records the run's end and tells the host. */
    void end(EngineAttempt run, TaskStatus status) {
        run.status = status;
        statusChanged.run();
    }

    /** The status of each task; a task this executor does not know has failed, saying so. */
    Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        Map<SubmittedTask, TaskStatus> answer = new HashMap<>();
        for (SubmittedTask t : tasks) {
            EngineAttempt run = runs.get(t);
            if (run == null) {
                answer.put(t, TaskStatus.ended(TaskStatus.State.FAILED, "the docker executor does not know this task",
                        null, null, null));
                continue;
            }
            TaskStatus status = run.status;
            answer.put(t, status);
            if (status.state().isTerminal()) {
                runs.remove(t);
            }
        }
        return answer;
    }
}
