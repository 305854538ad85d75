package dev.sluice.spi;

import java.util.function.DoubleSupplier;

/**
 * The metrics a plugin may contribute. The host publishes them with its own (Prometheus among
 * others) under {@code sluice_plugin_<plugin id>_<name>}. Tags are given as key, value pairs.
 */
public interface PluginMetrics {

    /** A monotonically increasing count. */
    interface Counter {
        void increment(double amount);

        default void increment() {
            increment(1);
        }
    }

    /** Returns the counter of that name and tags, creating it on first use. */
    Counter counter(String name, String description, String... tags);

    /** Registers a gauge that reads {@code value} whenever metrics are published. */
    void gauge(String name, String description, DoubleSupplier value, String... tags);

    /** Metrics that go nowhere, for tests and for hosts that publish none. */
    static PluginMetrics none() {
        return new PluginMetrics() {
            @Override
            public Counter counter(String name, String description, String... tags) {
                return amount -> { };
            }

            @Override
            public void gauge(String name, String description, DoubleSupplier value, String... tags) {
            }
        };
    }
}
