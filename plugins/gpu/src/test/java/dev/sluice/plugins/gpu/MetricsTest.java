package dev.sluice.plugins.gpu;

import static dev.sluice.plugins.gpu.Gpus.devices;
import static dev.sluice.plugins.gpu.Gpus.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gauges: devices, devices reserved, devices taken out as unhealthy, tasks waiting. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsTest {

    @Test
    void gaugesFollowTheRun() throws Exception {
        Gpus gpus = Gpus.of(devices(4, "NVIDIA H100 80GB HBM3"), Map.of("exclude", "3"));
        TestPluginContext.Metrics c = gpus.context.metrics();
        assertThat(c.gaugeNames()).containsExactlyInAnyOrder("devices", "devices_reserved", "devices_unhealthy",
                "tasks_waiting");
        assertThat(List.of(c.gaugeValue("devices"), c.gaugeValue("devices_reserved"), c.gaugeValue("devices_unhealthy"),
                c.gaugeValue("tasks_waiting"))).containsExactly(0.0, 0.0, 0.0, 0.0);

        TestTaskHandle a = task("a", 2);
        GateRun.start(gpus.gate, a).awaitPassed();
        assertThat(c.gaugeValue("devices")).isEqualTo(3); // four, one excluded
        assertThat(c.gaugeValue("devices_reserved")).isEqualTo(2);

        GateRun b = GateRun.start(gpus.gate, task("b", 2));
        gpus.awaitWaiters(1); // b queued before c starts: the queue is fair, so b must be first in it
        GateRun.start(gpus.gate, task("c", 2));
        gpus.awaitWaiters(2);
        assertThat(c.gaugeValue("tasks_waiting")).isEqualTo(2);

        gpus.commands.onHealth(uuid -> CommandRunner.Result.failed(15, "", "GPU is lost"));
        assertThat(gpus.monitor.probe(gpus.admitted(a), new SubmittedTask("a", 1, "1")).isHealthy()).isFalse();
        assertThat(c.gaugeValue("devices_unhealthy")).isEqualTo(1);
        assertThat(c.gaugeValue("devices_reserved")).isEqualTo(2); // still held by a until its attempt ends

        gpus.ended(a);
        b.awaitPassed(); // device 1 and 2 are left; b asked first
        assertThat(c.gaugeValue("devices_reserved")).isEqualTo(2);
        assertThat(c.gaugeValue("devices_unhealthy")).isEqualTo(1);
        assertThat(c.gaugeValue("tasks_waiting")).isEqualTo(1);
        assertThat(c.gaugeValue("devices")).isEqualTo(3);
    }
}
