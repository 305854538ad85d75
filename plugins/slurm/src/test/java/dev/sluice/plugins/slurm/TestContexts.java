package dev.sluice.plugins.slurm;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** The host's side of the executor in unit tests: the SPI's TestPluginContext, and an executor context by hand. */
final class TestContexts {
    final TimeSource time;
    final Path workRoot;
    final AtomicInteger statusChanges = new AtomicInteger();
    private final TestPluginContext plugin;
    Optional<CallbackEndpoint> endpoint = Optional.empty();

    TestContexts(TimeSource time, Path workRoot) {
        this.time = time;
        this.workRoot = workRoot;
        this.plugin = TestPluginContext.of("slurm").withTime(time);
    }

    /** The plugin's context: no config; it records the statuses the executor reports. */
    TestPluginContext plugin() {
        return plugin;
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
