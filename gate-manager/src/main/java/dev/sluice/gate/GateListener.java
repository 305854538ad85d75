package dev.sluice.gate;

import dev.sluice.spi.TaskHandle;
import java.time.Instant;

/**
 * Receives what a {@link TaskGateManager} learns about the tasks it gates.
 *
 * <p>Methods are called on whichever thread made the event happen: a gate's virtual thread, or the
 * thread that called {@code schedule()}, {@code cancel()} or {@code shutdown()}. Many calls can run
 * at once, so implementations must be thread-safe, and they must be cheap because they hold up the
 * thread that calls them. An exception thrown by a listener method is logged and otherwise ignored;
 * it does not change the task's outcome.
 */
public interface GateListener {

    /**
     * A gate's {@code prepare()} is about to be called for {@code task}; {@code at} is the manager's
     * clock. A gate whose task was decided (failed or cancelled) before its thread got going is never
     * started and reports neither this nor {@link #gateFinished}.
     */
    default void gateStarted(TaskHandle task, String gateId, Instant at) {
    }

    /**
     * A gate's {@code prepare()} returned or threw. Called once for each {@link #gateStarted} call.
     *
     * @param failure {@code null} when the gate passed; the {@link dev.sluice.spi.TaskException} the
     *                failure was reported as (wrapped if the gate threw something else); or the
     *                {@link InterruptedException} of a gate that stopped because its task was already
     *                decided or cancelled
     */
    default void gateFinished(TaskHandle task, String gateId, Instant at, Throwable failure) {
    }

    /**
     * The verdict on {@code task}: called exactly once per {@link TaskGateManager#schedule} call.
     * The task no longer counts as in flight when this is called, so it may be scheduled again from
     * here (a retry).
     */
    void outcome(TaskHandle task, GateOutcome outcome);
}
