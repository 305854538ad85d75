package dev.sluice.plugins.slurm;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.helpers.NOPLogger;

/** The host's side of the executor in unit tests: a plugin context and an executor context written by hand. */
final class TestContexts {
    final TimeSource time;
    final Path workRoot;
    final AtomicInteger statusChanges = new AtomicInteger();
    final List<String> statuses = new CopyOnWriteArrayList<>();
    Optional<CallbackEndpoint> endpoint = Optional.empty();

    TestContexts(TimeSource time, Path workRoot) {
        this.time = time;
        this.workRoot = workRoot;
    }

    PluginContext plugin() {
        return new PluginContext() {
            @Override
            public String pluginId() {
                return "slurm";
            }

            @Override
            public Settings config() {
                return Settings.of(Map.of(), "plugins.slurm of the config");
            }

            @Override
            public TimeSource time() {
                return time;
            }

            @Override
            public PluginMetrics metrics() {
                return PluginMetrics.none();
            }

            @Override
            public void reportStatus(TaskHandle task, String status) {
                statuses.add(task.id() + ": " + status);
            }

            @Override
            public Logger logger() {
                return NOPLogger.NOP_LOGGER;
            }
        };
    }

    ExecutorContext executor(Map<String, String> config) {
        Settings settings = Settings.of(config, "executors.slurm of the config");
        return new ExecutorContext() {
            @Override
            public String runId() {
                return "20261122-100000-abcd";
            }

            @Override
            public Path workRoot() {
                return workRoot;
            }

            @Override
            public Settings config() {
                return settings;
            }

            @Override
            public TimeSource time() {
                return time;
            }

            @Override
            public void statusChanged() {
                statusChanges.incrementAndGet();
            }

            @Override
            public Optional<CallbackEndpoint> callbackEndpoint() {
                return endpoint;
            }
        };
    }
}
