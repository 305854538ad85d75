package dev.sluice.plugins.gpu;

import dev.sluice.spi.Health;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * The {@code gpu} health monitor: each {@code healthPeriod} it checks every device a running task
 * holds ({@link DeviceHealth}). A device found lost fails the task at once with a message naming it,
 * and is taken out of the run, so no later task gets it.
 */
@Extension
public final class GpuHealthMonitor implements TaskHealthMonitor {
    private final GpuSettings settings;
    private final DevicePool pool;

    /** Used by the host. */
    public GpuHealthMonitor(PluginContext context) {
        this(SharedPools.of(context));
    }

    /** Used by tests, with a pool over fakes. */
    GpuHealthMonitor(GpuRuntime runtime) {
        this.settings = runtime.settings();
        this.pool = runtime.pool();
    }

    @Override
    public String id() {
        return GpuGate.ID;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return settings.healthCheck() && !task.assigned().getOrDefault(GpuGate.ID, List.of()).isEmpty();
    }

    @Override
    public Duration period() {
        return settings.healthPeriod();
    }

    @Override
    public Health probe(TaskHandle task, SubmittedTask submitted) throws InterruptedException {
        List<String> uuids = task.assigned().getOrDefault(GpuGate.ID, List.of());
        Inventory inventory;
        try {
            inventory = pool.inventory();
        } catch (InventoryException e) {
            return Health.unhealthy("the GPUs of this machine cannot be listed: " + e.getMessage());
        }
        for (String uuid : uuids) {
            Optional<Device> device = inventory.byUuid(uuid);
            if (device.isEmpty()) {
                continue; // not a device of this pool (assigned by something else): not ours to judge
            }
            Optional<String> problem = pool.checkHealth(device.get());
            if (problem.isPresent()) {
                return Health.unhealthy(problem.get());
            }
        }
        return Health.ok();
    }
}
