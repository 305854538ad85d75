package dev.sluice.host.monitor;

import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;

/** A readiness gate written as a lambda, for tests. */
public final class LambdaGate {
    /** What the gate does for a task. */
    @FunctionalInterface
    public interface Body {
        void prepare(TaskHandle task) throws InterruptedException, TaskException;
    }

    private LambdaGate() {
    }

    public static TaskReadinessGate of(String id, Body body) {
        return new TaskReadinessGate() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public void prepare(TaskHandle task) throws InterruptedException, TaskException {
                body.prepare(task);
            }
        };
    }
}
