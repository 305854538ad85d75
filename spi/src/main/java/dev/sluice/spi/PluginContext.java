package dev.sluice.spi;

import org.slf4j.Logger;

/**
 * What the host hands a plugin's extensions: its configuration, the clock, a metrics registry and a
 * logger. It is the only route from a plugin to the host; host internals are never exposed.
 *
 * <p>An extension class receives it by declaring a public constructor that takes a
 * {@code PluginContext}; a public no-argument constructor is used otherwise. Every extension of one
 * plugin in one host receives the same instance, so state the plugin's extensions share (a pool of
 * devices that a gate hands out and a health monitor watches) can be kept per context.
 */
public interface PluginContext {

    /** The plugin's id, e.g. {@code files}. */
    String pluginId();

    /**
     * The plugin's section of the operator config ({@code plugins: <id>: {...}}), as settings with
     * typed accessors; empty when the operator configured nothing.
     */
    Settings config();

    /** The clock and sleeps to use instead of the JDK's, so that tests can use a fake clock. */
    TimeSource time();

    /** Where the plugin registers its own metrics; names are prefixed with {@code sluice_plugin_<id>_}. */
    PluginMetrics metrics();

    /**
     * Shows what the plugin is doing for a task in the live progress display, e.g. an image pull's
     * progress while its gate waits. Only the latest status of a task is shown; call it at most a few
     * times a second. Safe from any thread; does nothing when no run is displaying the task.
     */
    default void reportStatus(TaskHandle task, String status) {
    }

    /** A logger named after the plugin. */
    Logger logger();
}
