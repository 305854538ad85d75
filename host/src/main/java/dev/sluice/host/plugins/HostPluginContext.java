package dev.sluice.host.plugins;

import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link PluginContext} the host hands to one plugin's extensions. */
record HostPluginContext(String pluginId, Settings config, TimeSource time, PluginMetrics metrics)
        implements PluginContext {

    @Override
    public Logger logger() {
        return LoggerFactory.getLogger("sluice.plugin." + pluginId);
    }
}
