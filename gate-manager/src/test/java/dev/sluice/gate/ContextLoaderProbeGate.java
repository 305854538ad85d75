package dev.sluice.gate;

import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import java.util.function.Supplier;

/**
 * A gate that records the thread context classloader its prepare() runs with. Tests load it through a
 * classloader of its own, as PF4J loads a plugin's classes, so it must stay public and self-contained.
 */
public final class ContextLoaderProbeGate implements TaskReadinessGate, Supplier<ClassLoader> {
    private volatile ClassLoader seen;

    public ContextLoaderProbeGate() {
    }

    @Override
    public String id() {
        return "probe";
    }

    @Override
    public void prepare(TaskHandle task) {
        seen = Thread.currentThread().getContextClassLoader();
    }

    /** The context classloader prepare() saw, or null before it ran. */
    @Override
    public ClassLoader get() {
        return seen;
    }
}
