package dev.sluice.host.plugins;

import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link PluginContext} the host hands to one plugin's extensions. */
record HostPluginContext(String pluginId, Settings config, TimeSource time, PluginMetrics metrics,
        BiConsumer<TaskHandle, String> statuses) implements PluginContext {

    @Override
    public void reportStatus(TaskHandle task, String status) {
        statuses.accept(task, status);
    }

    @Override
    public Logger logger() {
        return LoggerFactory.getLogger("sluice.plugin." + pluginId);
    }
}
