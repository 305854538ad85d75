package dev.sluice.plugins.files;

import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.NOPLogger;

/** A hand-written {@link PluginContext} for the files plugin's tests: given config and clock, counters it records. */
final class FakePluginContext implements PluginContext {
    private final Settings config;
    private final TimeSource time;
    private final RecordingMetrics metrics = new RecordingMetrics();

    FakePluginContext(TimeSource time, Map<String, String> config) {
        this.time = time;
        this.config = Settings.of(config, "the operator config section plugins.files");
    }

    FakePluginContext(TimeSource time) {
        this(time, Map.of());
    }

    @Override
    public String pluginId() {
        return FilesGate.ID;
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
    public RecordingMetrics metrics() {
        return metrics;
    }

    @Override
    public Logger logger() {
        return NOPLogger.NOP_LOGGER;
    }

    /** Metrics that keep each counter's total, by name (tags are ignored). */
    static final class RecordingMetrics implements PluginMetrics {
        private final Map<String, DoubleAdder> counters = new ConcurrentHashMap<>();

        @Override
        public Counter counter(String name, String description, String... tags) {
            DoubleAdder total = counters.computeIfAbsent(name, n -> new DoubleAdder());
            return total::add;
        }

        @Override
        public void gauge(String name, String description, DoubleSupplier value, String... tags) {
        }

        /** The total of a counter; 0 when it was never registered. */
        double count(String name) {
            DoubleAdder total = counters.get(name);
            return total == null ? 0 : total.sum();
        }
    }
}
