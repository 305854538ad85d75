package dev.sluice.gate;

import java.util.Objects;

/**
 * A gate that ignored its interrupt at shutdown and was abandoned: its virtual thread may still be
 * inside {@code prepare()}, but the manager no longer waits for it and will report nothing for it.
 *
 * @param gateId   the gate's {@code id()}
 * @param taskId   the id of the task whose gate it was
 * @param taskName the task's human-readable name, for the log
 */
public record StuckGate(String gateId, String taskId, String taskName) {
    public StuckGate {
        Objects.requireNonNull(gateId, "gateId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(taskName, "taskName");
    }
}
