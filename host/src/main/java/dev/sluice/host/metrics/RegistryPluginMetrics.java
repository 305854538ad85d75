package dev.sluice.host.metrics;

import dev.sluice.spi.PluginMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * A plugin's {@link PluginMetrics} over the run's registry: {@code counter("commands_total", ...)} of
 * plugin {@code slurm} is published as {@code sluice_plugin_slurm_commands_total}. A plugin's mistakes
 * (a bad name, odd tags, a negative increment) are errors naming the plugin and the fix, rather than
 * metrics that Prometheus later refuses.
 */
final class RegistryPluginMetrics implements PluginMetrics {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final MeterRegistry registry;
    private final String pluginId;
    private final String prefix;

    RegistryPluginMetrics(MeterRegistry registry, String pluginId) {
        this.registry = registry;
        this.pluginId = pluginId;
        // Plugin ids may hold '-' or '.', which metric names cannot.
        this.prefix = "sluice_plugin_" + pluginId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_")
                + "_";
    }

    @Override
    public PluginMetrics.Counter counter(String name, String description, String... tags) {
        // Prometheus adds _total to every counter; a name that already ends in it must not get a second.
        String base = checkName(name).endsWith("_total") ? name.substring(0, name.length() - "_total".length())
                : name;
        io.micrometer.core.instrument.Counter counter = io.micrometer.core.instrument.Counter.builder(prefix + base)
                .description(description).tags(tags(name, tags)).register(registry);
        return amount -> {
            if (amount < 0 || Double.isNaN(amount)) {
                throw new IllegalArgumentException("plugin '" + pluginId + "': counter " + name + " was given "
                        + amount + "; counters only go up, use a gauge for a value that goes down");
            }
            counter.increment(amount);
        };
    }

    @Override
    public void gauge(String name, String description, DoubleSupplier value, String... tags) {
        // A strong reference: the plugin need not keep the supplier anywhere else.
        Gauge.builder(prefix + checkName(name), value::getAsDouble).description(description)
                .tags(tags(name, tags)).strongReference(true).register(registry);
    }

    private String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("plugin '" + pluginId + "': metric name '" + name + "' is not "
                    + "allowed; use lower-case letters, digits and '_', starting with a letter (e.g. commands_total)");
        }
        return name;
    }

    private Tags tags(String name, String... tags) {
        if (tags.length % 2 != 0) {
            throw new IllegalArgumentException("plugin '" + pluginId + "': metric " + name + " has "
                    + tags.length + " tag strings; give them as key, value pairs");
        }
        for (int i = 0; i < tags.length; i += 2) {
            if (tags[i] == null || !NAME.matcher(tags[i]).matches() || tags[i + 1] == null) {
                throw new IllegalArgumentException("plugin '" + pluginId + "': metric " + name + " has tag "
                        + tags[i] + "=" + tags[i + 1] + "; keys are lower-case letters, digits and '_', "
                        + "values are not null");
            }
        }
        return Tags.of(tags);
    }
}
