package dev.sluice.plugins.gpu;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.Resources;
import dev.sluice.spi.Settings;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One plugin over fakes, as the tests need it: a device list written out by hand, nvidia-smi and the
 * kernel log answered by the test, a fake clock, and the gate, wrapper and monitor sharing one pool.
 */
final class Gpus {
    static final Duration HANG_GUARD = Duration.ofSeconds(10);

    final FakeTimeSource time = new FakeTimeSource();
    final TestPluginContext context;
    /** Run (once) when the plugin next reports a status, on the reporting thread; a test sets it. */
    final NextStatusHook onNextStatus = new NextStatusHook();
    final FakeCommands commands = new FakeCommands();
    final List<String> kernelLog = new CopyOnWriteArrayList<>();
    volatile boolean kernelLogReadable = true;
    final GpuRuntime runtime;
    final GpuGate gate;
    final GpuWrapper wrapper;
    final GpuHealthMonitor monitor;

    private Gpus(List<Device> devices, Map<String, String> config, Map<String, String> env) {
        this.context = TestPluginContext.of(GpuGate.ID).withConfig(config).withTime(time)
                .withStatusListener(onNextStatus);
        GpuSettings settings = GpuSettings.from(Settings.of(config, "config plugins.gpu"));
        NvidiaSmi nvidiaSmi = new NvidiaSmi(commands, settings.nvidiaSmi(), settings.nvidiaSmiTimeout());
        DeviceSource source = () -> devices;
        KernelLog log = () -> kernelLogReadable ? Optional.of(List.copyOf(kernelLog)) : Optional.empty();
        this.runtime = GpuRuntime.create(context, settings, source, nvidiaSmi, log,
                name -> Optional.ofNullable(env.get(name)));
        this.gate = new GpuGate(runtime, context.logger());
        this.wrapper = new GpuWrapper(runtime);
        this.monitor = new GpuHealthMonitor(runtime);
        // Healthy answers unless a test says otherwise.
        commands.onHealth(uuid -> CommandRunner.Result.ok(uuid + ", " + busOf(devices, uuid) + ", 0\n"));
    }

    /** The value the plugin's gauge {@code name} reads now. */
    double gauge(String name) {
        return context.metrics().gaugeValue(name);
    }

    static Gpus of(List<Device> devices) {
        return new Gpus(devices, Map.of(), Map.of());
    }

    static Gpus of(List<Device> devices, Map<String, String> config) {
        return new Gpus(devices, config, Map.of());
    }

    static Gpus of(List<Device> devices, Map<String, String> config, Map<String, String> env) {
        return new Gpus(devices, config, env);
    }

    /** {@code count} devices of one model, indexes 0.., UUIDs GPU-0000... by index, bus ids 0x10 + index. */
    static List<Device> devices(int count, String name) {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            devices.add(device(i, name));
        }
        return devices;
    }

    static Device device(int index, String name) {
        return new Device(index, uuid(index), name, 81559, String.format("00000000:%02X:00.0", 0x10 + index));
    }

    static String uuid(int index) {
        return String.format("GPU-%08d-1111-2222-3333-444444444444", index);
    }

    private static String busOf(List<Device> devices, String uuid) {
        return devices.stream().filter(d -> d.uuid().equals(uuid)).map(Device::pciBusId).findFirst().orElse("?");
    }

    /** A task asking for {@code count} GPUs on the local executor. */
    static TestTaskHandle task(String id, int count) {
        return TestTaskHandle.of(id).withResources(Resources.DEFAULT.withAccelerators(count, null));
    }

    static TestTaskHandle task(String id, int count, String type) {
        return TestTaskHandle.of(id).withResources(Resources.DEFAULT.withAccelerators(count, type));
    }

    /** The task as wrappers and monitors see it once the gate admitted it. */
    TestTaskHandle admitted(TestTaskHandle task) {
        return task.withAssigned(gate.assigned(task));
    }

    List<String> held(TestTaskHandle task) {
        return gate.assigned(task).getOrDefault(GpuGate.ID, List.of());
    }

    /**
     * Waits (polling in real time, only to synchronise) until {@code count} tasks wait in the gate:
     * the gate waits on a condition, not on the clock, so this is how a test knows a task has queued.
     */
    void awaitWaiters(int count) throws InterruptedException {
        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        while (gauge("tasks_waiting") != count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " waiting tasks, have " + gauge("tasks_waiting"));
            }
            Thread.sleep(1);
        }
    }

    void ended(TestTaskHandle task) {
        gate.attemptEnded(task, AttemptOutcome.succeeded());
    }
}
