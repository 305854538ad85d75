package dev.sluice.plugins.slurm;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.TestExecutorContext;
import dev.sluice.spi.testing.TestPluginContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The host's side of the executor in unit tests: the SPI's TestPluginContext and TestExecutorContext. */
final class TestContexts {
    final TimeSource time;
    final Path workRoot;
    private TestExecutorContext last;
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
        TestExecutorContext context = TestExecutorContext.of("slurm", workRoot).withRunId("20261122-100000-abcd")
                .withConfig(config).withTime(time);
        last = endpoint.map(context::withCallbackEndpoint).orElse(context);
        return last;
    }

    /** How often the executor last started said a status changed. */
    int statusChanges() {
        return last == null ? 0 : last.statusChanges();
    }
}
