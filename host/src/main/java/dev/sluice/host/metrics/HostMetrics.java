package dev.sluice.host.metrics;

import dev.sluice.spi.PluginMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The metrics of one {@code sluice run}, kept in a Micrometer registry with Prometheus naming: the
 * host's own ({@link RunMetrics}) and the ones plugins contribute ({@link #plugin}). Made only when the
 * run serves its HTTP endpoint, which publishes them at {@code /metrics}; see
 * docs/operator-guide/metrics.md for every metric.
 */
public final class HostMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** The metrics plugin {@code pluginId} may contribute, as {@code sluice_plugin_<id>_<name>}. */
    public PluginMetrics plugin(String pluginId) {
        return new RegistryPluginMetrics(registry, pluginId);
    }

    /** The listener that measures the run, and answers {@code /metrics} and {@code /healthz} for it. */
    public RunMetrics forRun(String runId, String pipelineName) {
        return new RunMetrics(registry, runId, pipelineName);
    }

    /** The registry, for the service's own metrics ({@code sluice serve}). */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /** Every metric in the Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }
}
