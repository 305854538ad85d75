package dev.sluice.plugins.apptainer;

import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.helpers.NOPLogger;

/** A hand-written {@link PluginContext} for the plugin's tests: given config and clock; statuses it records. */
final class FakeContext implements PluginContext {
    private final Settings config;
    private final TimeSource time;
    final Map<String, List<String>> statuses = new ConcurrentHashMap<>();

    FakeContext(TimeSource time, Map<String, String> config) {
        this.time = time;
        this.config = Settings.of(config, "plugins.apptainer of the config");
    }

    @Override
    public String pluginId() {
        return ApptainerGate.ID;
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
        return PluginMetrics.none();
    }

    @Override
    public void reportStatus(TaskHandle task, String status) {
        statuses.computeIfAbsent(task.id(), id -> new CopyOnWriteArrayList<>()).add(status);
    }

    @Override
    public Logger logger() {
        return NOPLogger.NOP_LOGGER;
    }

    /** Everything reported for a task, in order. */
    List<String> statusesOf(String taskId) {
        return statuses.getOrDefault(taskId, List.of());
    }
}
