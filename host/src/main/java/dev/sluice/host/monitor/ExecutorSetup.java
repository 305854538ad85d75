package dev.sluice.host.monitor;

import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskExecutor;
import java.time.Duration;

/**
 * An executor as the operator configured it.
 *
 * @param queueSize       most tasks submitted at once, 0 for no limit
 * @param submitRateLimit most submissions per time, or {@code null}
 * @param pollInterval    how often running tasks are polled when the executor sends no signal
 * @param config          the executor's own settings ({@code executors.<name>})
 * @param adoptLeftovers  whether {@code --resume} takes up what a killed host left running with the
 *                        executor, where the executor can ({@code leftovers: adopt}), rather than ending it
 */
public record ExecutorSetup(TaskExecutor executor, int queueSize, RateLimit submitRateLimit, Duration pollInterval,
        Settings config, boolean adoptLeftovers) {

    /** An executor set up to adopt leftovers where it can, as by default. */
    public ExecutorSetup(TaskExecutor executor, int queueSize, RateLimit submitRateLimit, Duration pollInterval,
            Settings config) {
        this(executor, queueSize, submitRateLimit, pollInterval, config, true);
    }
}
