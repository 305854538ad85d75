package dev.sluice.plugins.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskRequest;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin against real processes: a fake {@code nvidia-smi} written as a shell script, run through
 * the real command runner, as the plugin would run NVIDIA's. No GPU is needed or used.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealNvidiaSmiTest {
    private static final String U0 = "GPU-5e8c2f4a-1b2c-4d5e-8f90-0123456789ab";
    private static final String U1 = "GPU-91ab3c5d-2e3f-4a5b-9c8d-abcdef012345";

    @TempDir
    Path dir;

    private Path script(String name, String body) throws Exception {
        Path path = dir.resolve(name);
        Files.writeString(path, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }

    private GpuRuntime runtime(Path nvidiaSmi, Map<String, String> more) {
        Map<String, String> config = new java.util.HashMap<>(Map.of("nvidiaSmi", nvidiaSmi.toString(),
                "nvidiaSmiTimeout", "500ms", "kernelLog", "off"));
        config.putAll(more);
        TestPluginContext context = TestPluginContext.of(GpuGate.ID).withConfig(config);
        return GpuRuntime.create(context, GpuSettings.from(context.config()), CommandRunner.processes(),
                name -> Optional.empty());
    }

    private static GpuGate gate(GpuRuntime runtime) {
        return new GpuGate(runtime, org.slf4j.helpers.NOPLogger.NOP_LOGGER);
    }

    @Test
    void aWorkingNvidiaSmiListsTheDevicesAndAnswersTheHealthProbe() throws Exception {
        Path smi = script("nvidia-smi", """
                case "$*" in
                  *--query-gpu=index,uuid,name,memory.total,pci.bus_id*)
                    echo "0, %s, NVIDIA H100 80GB HBM3, 81559, 00000000:3B:00.0"
                    echo "1, %s, NVIDIA H100 80GB HBM3, 81559, 00000000:5D:00.0" ;;
                  *"-i %s"*)
                    if [ -e "%s" ]; then echo "Unable to determine the device handle for GPU0000:5D:00.0: GPU is lost" >&2; exit 15; fi
                    echo "%s, 00000000:5D:00.0, 0" ;;
                  *) echo "%s, 00000000:3B:00.0, 0"; echo "%s, 00000000:5D:00.0, 0" ;;
                esac
                """.formatted(U0, U1, U1, dir.resolve("lost"), U1, U0, U1));
        GpuRuntime runtime = runtime(smi, Map.of("visibleDevices", "index"));
        GpuGate gate = gate(runtime);
        TestTaskHandle busy = Gpus.task("busy", 1);
        TestTaskHandle task = Gpus.task("t1", 1);

        GateRun.start(gate, busy).awaitPassed();
        GateRun.start(gate, task).awaitPassed();
        TestTaskHandle admitted = task.withAssigned(gate.assigned(task));

        assertThat(admitted.assigned()).isEqualTo(Map.of("gpu", List.of(U1)));
        LaunchCommand wrapped = new GpuWrapper(runtime).wrap(admitted,
                new LaunchCommand(List.of("nvidia-smi"), Map.of(), dir));
        assertThat(wrapped.environment()).containsEntry("CUDA_VISIBLE_DEVICES", "1");
        GpuHealthMonitor monitor = new GpuHealthMonitor(runtime);
        SubmittedTask submitted = new SubmittedTask("t1", 1, "1");
        assertThat(monitor.probe(admitted, submitted).isHealthy()).isTrue();

        Files.createFile(dir.resolve("lost"));
        assertThat(monitor.probe(admitted, submitted).message())
                .startsWith("GPU 1 (" + U1 + ", NVIDIA H100 80GB HBM3) is lost: " + smi + " says 'Unable to determine");
    }

    @Test
    void anNvidiaSmiThatNeverAnswersIsStoppedAtItsTimeout() throws Exception {
        Path smi = script("nvidia-smi", "echo started > " + dir.resolve("started") + "\nsleep 600\necho never\n");
        GpuRuntime runtime = runtime(smi, Map.of());
        long start = System.nanoTime();

        assertThatThrownBy(() -> runtime.pool().inventory()).isInstanceOf(InventoryException.class)
                .hasMessage(smi + " did not list this machine's GPUs within 500ms (a device or the driver may be hung); "
                        + "check the machine with nvidia-smi, raise plugins.gpu.nvidiaSmiTimeout, or list the devices "
                        + "in plugins.gpu.devices");

        assertThat(Files.exists(dir.resolve("started"))).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
        // The validation of a GPU process says the same, naming the process, and does not hang either.
        TaskRequest request = new TaskRequest("train", "local", Resources.DEFAULT.withAccelerators(1, null),
                Hints.empty());
        assertThatThrownBy(() -> gate(runtime).validate(request)).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("process 'train': resources.accelerators = 1: this machine's GPUs cannot be "
                        + "listed: " + smi + " did not list this machine's GPUs within 500ms");
        // And so does a task in the gate, which fails rather than waits.
        assertThat(GateRun.start(gate(runtime), Gpus.task("t1", 1)).awaitFailure())
                .hasMessageContaining("did not list this machine's GPUs within 500ms");
    }

    @Test
    void anNvidiaSmiThatPrintsGarbageIsAClearError() throws Exception {
        Path smi = script("nvidia-smi", "echo '<html><body>502 Bad Gateway</body></html>'\n");

        assertThatThrownBy(() -> runtime(smi, Map.of()).pool().inventory()).isInstanceOf(InventoryException.class)
                .hasMessageStartingWith(smi + " printed something other than its device list (line 1: "
                        + "'<html><body>502 Bad Gateway</body></html>'");
    }

    @Test
    void anNvidiaSmiThatIsNotThereIsNamed() {
        Path missing = dir.resolve("no-such-nvidia-smi");

        assertThatThrownBy(() -> runtime(missing, Map.of()).pool().inventory()).isInstanceOf(InventoryException.class)
                .hasMessageStartingWith("cannot run " + missing + " to list this machine's GPUs (not found)");
    }

    @Test
    void aRealKernelLogCommandFeedsTheXidCheck() throws Exception {
        Path log = script("kernel-log", "cat " + dir.resolve("kmsg") + "\n");
        Files.writeString(dir.resolve("kmsg"), "[ 1.0] usb 1-1: new device\n");
        KernelLog kernelLog = KernelLog.command(CommandRunner.processes(), List.of(log.toString()),
                java.time.Duration.ofSeconds(5));
        assertThat(kernelLog.lines()).contains(List.of("[ 1.0] usb 1-1: new device"));

        KernelLog unreadable = KernelLog.command(CommandRunner.processes(), List.of(script("dmesg",
                "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1\n").toString()),
                java.time.Duration.ofSeconds(5));
        assertThat(unreadable.lines()).isEmpty();
    }
}
