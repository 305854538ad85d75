package dev.sluice.spi;

import java.time.Duration;
import org.pf4j.ExtensionPoint;

/**
 * A periodic health probe for running tasks, so that a task whose container died or whose node
 * hangs fails at once instead of waiting hours for its time limit.
 *
 * <p>The host probes each running task that the monitor {@link #appliesTo} every {@link #period()},
 * never overlapping two probes of the same task. After {@link #failureThreshold()} consecutive
 * unhealthy probes (one healthy probe resets the count) the host kills the task and fails it with the
 * probe's message.
 */
public interface TaskHealthMonitor extends ExtensionPoint {

    /** A stable id, also the namespace of the monitor's hints. */
    String id();

    /** Whether this monitor watches the task. */
    default boolean appliesTo(TaskHandle task) {
        return true;
    }

    /** How often to probe; the host never probes more often than once a second. */
    default Duration period() {
        return Duration.ofSeconds(10);
    }

    /** Consecutive failed probes that fail the task. */
    default int failureThreshold() {
        return 1;
    }

    /**
     * Checks one running task. Must be quick and honour interrupts; an exception counts as an
     * unhealthy probe whose message is the exception's.
     */
    Health probe(TaskHandle task, SubmittedTask submitted) throws InterruptedException;
}
