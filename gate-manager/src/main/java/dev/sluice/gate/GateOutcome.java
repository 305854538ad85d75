package dev.sluice.gate;

import dev.sluice.spi.TaskException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a task's readiness gates ended: the single verdict {@link GateListener#outcome} receives for
 * each {@link TaskGateManager#schedule} call. Durations are measured on the manager's
 * {@link dev.sluice.spi.TimeSource}.
 */
public sealed interface GateOutcome {

    /**
     * Every gate passed; the task may be submitted.
     *
     * @param waited time from {@code schedule()} to the last gate passing; zero when there are no gates
     */
    record Passed(Duration waited) implements GateOutcome {
        public Passed {
            Objects.requireNonNull(waited, "waited");
        }
    }

    /**
     * A gate failed first; the task's other gates were interrupted.
     *
     * @param gateId the id of the gate that failed
     * @param error  what the gate threw, as a {@link TaskException}; {@code error.isRetryable()} says
     *               whether the task may be retried
     * @param waited time from {@code schedule()} to the failure
     */
    record Failed(String gateId, TaskException error, Duration waited) implements GateOutcome {
        public Failed {
            Objects.requireNonNull(gateId, "gateId");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(waited, "waited");
        }
    }

    /** The task was cancelled (by {@link TaskGateManager#cancel} or shutdown) before its gates decided. */
    record Cancelled() implements GateOutcome {
    }
}
