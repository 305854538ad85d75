package dev.sluice.gate;

import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;

/** A gate whose prepare() is whatever the test says. */
final class TestGate implements TaskReadinessGate {

    /** The body of a test gate's prepare(). */
    @FunctionalInterface
    interface Body {
        void prepare(TaskHandle task) throws InterruptedException, TaskException;
    }

    private final String id;
    private final int priority;
    private final Body body;

    TestGate(String id, int priority, Body body) {
        this.id = id;
        this.priority = priority;
        this.body = body;
    }

    static TestGate of(String id, Body body) {
        return new TestGate(id, 0, body);
    }

    static TestGate passing(String id) {
        return of(id, task -> { });
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        body.prepare(task);
    }

    /** Throws a checked exception prepare() does not declare, as a buggy plugin compiled elsewhere could. */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
