package dev.sluice.plugins.gpu;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;

/**
 * What the three extensions of the plugin share: the operator's settings and the device pool.
 *
 * @param settings the {@code plugins: gpu:} section
 * @param pool     the devices and who holds them
 */
record GpuRuntime(GpuSettings settings, DevicePool pool) {

    /**
     * The runtime with the real nvidia-smi, kernel log and environment.
     *
     * @throws InvalidSettingException when the config section is bad
     */
    static GpuRuntime create(PluginContext context) {
        return create(context, GpuSettings.from(context.config()), CommandRunner.processes(), HostEnvironment.system());
    }

    /** The runtime over the given command runner and environment; tests pass fakes. */
    static GpuRuntime create(PluginContext context, GpuSettings settings, CommandRunner runner, HostEnvironment env) {
        NvidiaSmi nvidiaSmi = new NvidiaSmi(runner, settings.nvidiaSmi(), settings.nvidiaSmiTimeout());
        DeviceSource source = settings.devices().isEmpty() ? nvidiaSmi : new ConfiguredDevices(settings.devices());
        KernelLog kernelLog = settings.kernelLog().isEmpty() ? KernelLog.none()
                : KernelLog.command(runner, settings.kernelLog(), settings.nvidiaSmiTimeout());
        return create(context, settings, source, nvidiaSmi, kernelLog, env);
    }

    /**
     * The runtime over every seam: where the device list comes from, the nvidia-smi the health probe
     * asks, the kernel log and the environment. Tests hand it a device list written out by hand.
     */
    static GpuRuntime create(PluginContext context, GpuSettings settings, DeviceSource source, NvidiaSmi nvidiaSmi,
            KernelLog kernelLog, HostEnvironment env) {
        DeviceHealth health = settings.healthCheck()
                ? new DeviceHealth(nvidiaSmi, kernelLog, settings.fatalXids(), context.logger()) : null;
        DevicePool pool = new DevicePool(() -> Inventory.load(source, settings.exclude(), env), health, context.time(),
                context::reportStatus, context.metrics(), context.logger());
        return new GpuRuntime(settings, pool);
    }
}
