package dev.sluice.plugins.gpu;

import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;

/**
 * A {@link PluginContext} written by hand: given config and clock; it keeps the gauges, statuses and log
 * lines it is given.
 */
final class FakeContext implements PluginContext {
    private final Settings config;
    private final TimeSource time;
    final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    final List<String> statuses = new CopyOnWriteArrayList<>();
    final RecordingLogger log = new RecordingLogger();
    /** Run (once) when the next status is reported, on the reporting thread; a test sets it. */
    volatile Runnable onNextStatus;

    FakeContext(TimeSource time, Map<String, String> config) {
        this.time = time;
        this.config = Settings.of(config, "config plugins.gpu");
    }

    @Override
    public String pluginId() {
        return GpuGate.ID;
    }

    @Override
    public Settings config() {
        return config;
    }

    @Override
    public TimeSource time() {
        return time;
    }

    @Override
    public PluginMetrics metrics() {
        return new PluginMetrics() {
            @Override
            public Counter counter(String name, String description, String... tags) {
                return amount -> { };
            }

            @Override
            public void gauge(String name, String description, DoubleSupplier value, String... tags) {
                gauges.put(name, value);
            }
        };
    }

    @Override
    public void reportStatus(TaskHandle task, String status) {
        statuses.add(task.id() + ": " + status);
        Runnable hook = onNextStatus;
        onNextStatus = null;
        if (hook != null) {
            hook.run();
        }
    }

    @Override
    public Logger logger() {
        return log;
    }

    /** The current value of a gauge the plugin registered. */
    double gauge(String name) {
        DoubleSupplier g = gauges.get(name);
        if (g == null) {
            throw new AssertionError("no gauge " + name + "; registered: " + gauges.keySet());
        }
        return g.getAsDouble();
    }
}
