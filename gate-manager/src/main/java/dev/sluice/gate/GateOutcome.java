package dev.sluice.gate;

import dev.sluice.spi.TaskException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a task's readiness gates ended: the single verdict {@link GateListener#outcome} receives for
 * each {@link TaskGateManager#schedule} call. Durations are measured on the manager's
 * {@link dev.sluice.spi.TimeSource}.
 */
public sealed interface GateOutcome {

    /**
     * Every gate passed; the task may be submitted. The gates now hold the attempt as admitted until
     * {@link TaskGateManager#attemptEnded} is called for it.
     *
     * @param waited   time from {@code schedule()} to the last gate passing; zero when there are no gates
     * @param assigned what the gates set aside for the attempt, by kind
     *                 ({@link dev.sluice.spi.TaskReadinessGate#assigned}); empty when nothing
     */
    record Passed(Duration waited, Map<String, List<String>> assigned) implements GateOutcome {
        public Passed {
            Objects.requireNonNull(waited, "waited");
            assigned = Map.copyOf(assigned);
        }

        /** Passed with nothing assigned. */
        public Passed(Duration waited) {
            this(waited, Map.of());
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

        /**
         * Why the task failed, for people: {@code gate '<id>': <the error's message>}. The host names
         * the gate, so a gate need not; a message that already starts with {@code gate '<id>'} (as
         * gates written before this rule do) is kept as it is, so the gate is named once either way.
         */
        public String reason() {
            return reason(gateId, error.getMessage());
        }

        static String reason(String gateId, String message) {
            String named = "gate '" + gateId + "'";
            if (message == null || message.isBlank()) {
                return named + " failed";
            }
            if (message.startsWith(named)) {
                return message;
            }
            return named + ": " + message;
        }
    }

    /** The task was cancelled (by {@link TaskGateManager#cancel} or shutdown) before its gates decided. */
    record Cancelled() implements GateOutcome {
    }
}
