package dev.sluice.openjd.session;

import dev.sluice.spi.Hints;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;

/**
 * Holds a task until the environments its process names are entered. The host adds it only when the
 * pipeline uses environments; it has no hints, since an environment cannot be skipped.
 */
final class EnvironmentGate implements TaskReadinessGate {
    /** The gate's id, as failure messages and the progress display show it. */
    static final String ID = "environment";

    private final EnvironmentSession session;

    EnvironmentGate(EnvironmentSession session) {
        this.session = session;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        session.enter(task.processName());
    }

    @Override
    public void validateHints(Hints hints) {
        // No hints: entering an environment is not a policy a process may opt out of.
    }
}
