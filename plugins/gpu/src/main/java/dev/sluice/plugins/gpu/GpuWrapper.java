package dev.sluice.plugins.gpu;

import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskWrapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pf4j.Extension;

/**
 * The {@code gpu} wrapper: a task that holds devices ({@code task.assigned().get("gpu")}) runs with
 * {@code CUDA_VISIBLE_DEVICES} naming exactly those, and {@code CUDA_DEVICE_ORDER=PCI_BUS_ID} so that
 * CUDA numbers devices as nvidia-smi does. Tasks without devices are left alone.
 *
 * <p>The devices are written as UUIDs unless the operator chose {@code visibleDevices: index}. Tasks of
 * the {@code docker} executor always get UUIDs: their container sees only its own devices, renumbered
 * from 0, so a host index would name the wrong device or none inside it, while a UUID is the same
 * everywhere. The docker executor turns the variable into a device request for exactly those devices.
 */
@Extension
public final class GpuWrapper implements TaskWrapper {
    static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";
    static final String CUDA_DEVICE_ORDER = "CUDA_DEVICE_ORDER";
    /** Executors whose tasks see only their own devices, renumbered. */
    private static final List<String> RENUMBERING_EXECUTORS = List.of("docker");

    private final GpuSettings settings;
    private final DevicePool pool;

    /** Used by the host. */
    public GpuWrapper(PluginContext context) {
        this(SharedPools.of(context));
    }

    /** Used by tests, with a pool over fakes. */
    GpuWrapper(GpuRuntime runtime) {
        this.settings = runtime.settings();
        this.pool = runtime.pool();
    }

    @Override
    public String id() {
        return GpuGate.ID;
    }

    /**
     * Outermost but for wrappers that ask for more: the variables are set on the command the executor
     * gets, so no inner wrapper that rebuilds the environment can drop them.
     */
    @Override
    public int priority() {
        return 1000;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return !task.assigned().getOrDefault(GpuGate.ID, List.of()).isEmpty();
    }

    @Override
    public LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException {
        List<String> uuids = task.assigned().getOrDefault(GpuGate.ID, List.of());
        if (uuids.isEmpty()) {
            return command;
        }
        boolean byIndex = settings.visibleDevices() == GpuSettings.VisibleDevices.INDEX
                && !RENUMBERING_EXECUTORS.contains(task.executor());
        List<String> ids = new ArrayList<>();
        for (String uuid : uuids) {
            if (!byIndex) {
                ids.add(uuid);
                continue;
            }
            Inventory inventory;
            try {
                inventory = pool.inventory();
            } catch (InventoryException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new TaskException("task '" + task.name() + "' holds the GPU " + uuid + ", but this machine's "
                        + "GPUs cannot be listed to find its index: " + e.getMessage());
            }
            Device device = inventory.byUuid(uuid).orElseThrow(() -> new TaskException("task '" + task.name()
                    + "' holds the GPU " + uuid + ", which is not among this machine's GPUs ("
                    + Inventory.list(inventory.devices()) + "); set plugins.gpu.visibleDevices: uuid"));
            ids.add(Integer.toString(device.index()));
        }
        Map<String, String> env = new HashMap<>(command.environment());
        env.put(CUDA_VISIBLE_DEVICES, String.join(",", ids));
        env.put(CUDA_DEVICE_ORDER, "PCI_BUS_ID");
        return command.withEnvironment(env);
    }
}
