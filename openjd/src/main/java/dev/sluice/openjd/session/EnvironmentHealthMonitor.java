package dev.sluice.openjd.session;

import dev.sluice.openjd.model.MonitorDef;
import dev.sluice.kit.HealthProbeLoop;
import dev.sluice.spi.Health;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * An environment's {@code onMonitor} as a {@link TaskHealthMonitor}, so that the host checks the
 * tasks inside the environment with the same loop as a plugin's monitors. With {@code onFailure: log}
 * a failed check is reported as a status and never fails the task.
 */
final class EnvironmentHealthMonitor implements TaskHealthMonitor {
    private final String id;
    private final MonitorDef monitor;
    private final Predicate<TaskHandle> watches;
    private final HealthProbeLoop.Probe probe;

    /**
     * @param key     the environment's place in the stacks, e.g. {@code container/conda}
     * @param watches which tasks it checks
     * @param probe   runs the check once
     */
    EnvironmentHealthMonitor(String key, MonitorDef monitor, Predicate<TaskHandle> watches,
            HealthProbeLoop.Probe probe) {
        this.id = "environment " + key;
        this.monitor = monitor;
        this.watches = watches;
        this.probe = probe;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return watches.test(task);
    }

    @Override
    public Duration period() {
        return monitor.period();
    }

    @Override
    public int failureThreshold() {
        return monitor.failureThreshold();
    }

    @Override
    public Health probe(TaskHandle task, SubmittedTask submitted) throws InterruptedException {
        return probe.check();
    }
}
