package dev.sluice.host.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.PluginMetrics;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Plugins' metrics as Prometheus sees them: under sluice_plugin_<id>_, with the plugin's mistakes named. */
class PluginMetricsTest {
    private final HostMetrics host = new HostMetrics();

    @Test
    void countersArePublishedUnderThePluginsPrefixWithOneTotalSuffix() {
        PluginMetrics slurm = host.plugin("slurm");
        slurm.counter("commands_total", "Slurm commands the executor ran", "command", "sbatch").increment();
        slurm.counter("commands_total", "Slurm commands the executor ran", "command", "sbatch").increment(2);
        host.plugin("files").counter("tasks_waited", "Tasks that waited").increment();

        String text = host.scrape();
        assertThat(text).contains("# TYPE sluice_plugin_slurm_commands_total counter")
                .contains("# HELP sluice_plugin_slurm_commands_total Slurm commands the executor ran")
                .contains("sluice_plugin_slurm_commands_total{command=\"sbatch\"} 3.0")
                .contains("sluice_plugin_files_tasks_waited_total 1.0")
                .doesNotContain("_total_total");
    }

    @Test
    void gaugesReadTheirValueAtEachScrape() {
        AtomicInteger inFlight = new AtomicInteger(4);
        host.plugin("my-plugin").gauge("jobs_in_flight", "Jobs the plugin is tracking", inFlight::get);
        assertThat(host.scrape()).contains("sluice_plugin_my_plugin_jobs_in_flight 4.0");
        inFlight.set(1);
        assertThat(host.scrape()).contains("sluice_plugin_my_plugin_jobs_in_flight 1.0");
    }

    @Test
    void aPluginsBadNameTagsOrIncrementIsAnErrorNamingThePluginAndTheFix() {
        PluginMetrics docker = host.plugin("docker");
        assertThatThrownBy(() -> docker.counter("Pulls-Done", "x"))
                .hasMessageContaining("plugin 'docker'").hasMessageContaining("'Pulls-Done'")
                .hasMessageContaining("lower-case letters, digits and '_'");
        assertThatThrownBy(() -> docker.counter("pulls", "x", "image"))
                .hasMessageContaining("plugin 'docker'").hasMessageContaining("key, value pairs");
        PluginMetrics.Counter pulls = docker.counter("pulls", "x");
        assertThatThrownBy(() -> pulls.increment(-1))
                .hasMessageContaining("plugin 'docker'").hasMessageContaining("counters only go up");
    }
}
