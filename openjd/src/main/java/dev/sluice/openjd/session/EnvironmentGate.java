package dev.sluice.openjd.session;

import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.Hints;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Holds a task until the environments its process names are entered. The host adds it only when the
 * pipeline uses environments; it has no hints, since an environment cannot be skipped.
 *
 * <p>Where the tasks of an environment instance run one at a time ({@code taskVariables}), the gate
 * also hands out the instance's one turn, before entering, so that the tasks queue in the order they
 * reached the gate, and takes it back when the attempt ends.
 */
final class EnvironmentGate implements TaskReadinessGate {
    /** The gate's id, as failure messages and the progress display show it. */
    static final String ID = "environment";

    private final EnvironmentSession session;
    /** The turn each admitted attempt holds, by task id; a task has one attempt at a time. */
    private final Map<String, Semaphore> held = new ConcurrentHashMap<>();

    EnvironmentGate(EnvironmentSession session) {
        this.session = session;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        Optional<Semaphore> turn = session.taskTurn(task.processName());
        if (turn.isPresent()) {
            turn.get().acquire();
        }
        boolean admitted = false;
        try {
            session.enter(task.processName());
            admitted = true;
        } finally {
            // A refused attempt never hears attemptEnded, so it gives its turn back here.
            if (turn.isPresent()) {
                if (admitted) {
                    held.put(task.id(), turn.get());
                } else {
                    turn.get().release();
                }
            }
        }
    }

    @Override
    public void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
        Semaphore turn = held.remove(task.id());
        if (turn != null) {
            turn.release();
        }
    }

    @Override
    public void validateHints(Hints hints) {
        // No hints: entering an environment is not a policy a process may opt out of.
    }
}
