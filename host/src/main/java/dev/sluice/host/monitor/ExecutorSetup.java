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
 */
public record ExecutorSetup(TaskExecutor executor, int queueSize, RateLimit submitRateLimit, Duration pollInterval,
        Settings config) {
}
