package dev.sluice.plugins.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.testing.TestPluginContext;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The device list from nvidia-smi or the operator, narrowed by CUDA_VISIBLE_DEVICES and exclude. */
class InventoryTest {
    private static final String U0 = "GPU-5e8c2f4a-1b2c-4d5e-8f90-0123456789ab";
    private static final String U1 = "GPU-91ab3c5d-2e3f-4a5b-9c8d-abcdef012345";
    private static final String U2 = "GPU-0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9";
    private static final String LISTING = """
            0, %s, NVIDIA H100 80GB HBM3, 81559, 00000000:3B:00.0
            1, %s, NVIDIA H100 80GB HBM3, 81559, 00000000:5D:00.0
            2, %s, NVIDIA A100-SXM4-40GB, [N/A], 00000000:AF:00.0
            """.formatted(U0, U1, U2);

    private final FakeCommands commands = new FakeCommands();
    private final NvidiaSmi nvidiaSmi = new NvidiaSmi(commands, "nvidia-smi", Duration.ofSeconds(10));

    private static HostEnvironment env(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }

    private Inventory load(List<String> exclude, Map<String, String> env) throws Exception {
        return Inventory.load(nvidiaSmi, exclude, env(env));
    }

    @Test
    void readsNvidiaSmisDeviceList() throws Exception {
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING));

        Inventory inventory = load(List.of(), Map.of());

        assertThat(inventory.devices()).containsExactly(
                new Device(0, U0, "NVIDIA H100 80GB HBM3", 81559, "00000000:3B:00.0"),
                new Device(1, U1, "NVIDIA H100 80GB HBM3", 81559, "00000000:5D:00.0"),
                new Device(2, U2, "NVIDIA A100-SXM4-40GB", 0, "00000000:AF:00.0"));
        assertThat(commands.calls).containsExactly(List.of("nvidia-smi",
                "--query-gpu=index,uuid,name,memory.total,pci.bus_id", "--format=csv,noheader,nounits"));
        assertThat(inventory.origin()).isEqualTo("nvidia-smi");
    }

    @Test
    void aMachineWithADriverButNoDeviceHasNone() throws Exception {
        commands.on("nvidia-smi", CommandRunner.Result.failed(6, "No devices were found\n", ""));

        assertThat(load(List.of(), Map.of()).devices()).isEmpty();
    }

    @Test
    void cudaVisibleDevicesNarrowsTheListByIndexOrUuid() throws Exception {
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING));

        assertThat(load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", "2,0")).devices())
                .extracting(Device::index).containsExactly(0, 2);
        assertThat(load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", U1 + ", GPU-0f1e")).devices())
                .extracting(Device::index).containsExactly(1, 2);
        assertThat(load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", "")).devices()).isEmpty();
        assertThat(load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", "-1")).devices()).isEmpty();
        assertThat(load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", "1")).origin())
                .isEqualTo("nvidia-smi, narrowed to CUDA_VISIBLE_DEVICES=1");
    }

    @Test
    void aCudaVisibleDevicesEntryNamingNoDeviceIsAnError() {
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING));

        assertThatThrownBy(() -> load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", "0,7")))
                .isInstanceOf(InventoryException.class)
                .hasMessage("sluice was started with CUDA_VISIBLE_DEVICES=0,7, whose entry '7' names no GPU of this "
                        + "machine; the GPUs are GPU 0 (" + U0 + ", NVIDIA H100 80GB HBM3), GPU 1 (" + U1
                        + ", NVIDIA H100 80GB HBM3), GPU 2 (" + U2 + ", NVIDIA A100-SXM4-40GB) (from nvidia-smi); fix "
                        + "or unset the variable (MIG devices are not supported)");
        assertThatThrownBy(() -> load(List.of(), Map.of("CUDA_VISIBLE_DEVICES", "GPU-")))
                .hasMessageContaining("names more than one GPU");
    }

    @Test
    void excludeTakesDevicesOutByIndexOrUuid() throws Exception {
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING));

        Inventory inventory = load(List.of("1", U2), Map.of());

        assertThat(inventory.devices()).extracting(Device::index).containsExactly(0);
        assertThat(inventory.excluded()).extracting(Device::index).containsExactly(1, 2);
    }

    @Test
    void anExcludeEntryNamingNoDeviceIsAConfigError() {
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING));

        assertThatThrownBy(() -> load(List.of("GPU-ffff0000-0000-0000-0000-000000000000"), Map.of()))
                .isInstanceOf(InventoryException.class)
                .hasMessageStartingWith("plugins.gpu.exclude: 'GPU-ffff0000-0000-0000-0000-000000000000' names no "
                        + "GPU of this machine; the GPUs are GPU 0 (")
                .hasMessageEndingWith("(from nvidia-smi); write an index or a whole UUID");
        assertThatThrownBy(() -> load(List.of("3"), Map.of())).hasMessageContaining("'3' names no GPU");
    }

    @Test
    void garbageFromNvidiaSmiIsAClearError() {
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING + "Segmentation fault (core dumped)\n"));

        assertThatThrownBy(() -> load(List.of(), Map.of())).isInstanceOf(InventoryException.class)
                .hasMessage("nvidia-smi printed something other than its device list (line 4: 'Segmentation fault "
                        + "(core dumped)', expected index, uuid, name, memory, PCI bus id); check that "
                        + "plugins.gpu.nvidiaSmi is NVIDIA's nvidia-smi, or list the devices in plugins.gpu.devices");
    }

    @Test
    void linesThatAlmostLookRightAreGarbageToo() {
        for (String bad : List.of("0, " + U0 + ", NVIDIA H100, 81559",               // a field short
                "x, " + U0 + ", NVIDIA H100, 81559, 00000000:3B:00.0",                // index not a number
                "0, not-a-uuid, NVIDIA H100, 81559, 00000000:3B:00.0",                // no GPU- UUID
                "0, " + U0 + ", NVIDIA H100, 81559, somewhere")) {                    // no bus id
            commands.on("nvidia-smi", CommandRunner.Result.ok(bad + "\n"));
            assertThatThrownBy(() -> load(List.of(), Map.of())).as(bad).isInstanceOf(InventoryException.class)
                    .hasMessageContaining("printed something other than its device list");
        }
        commands.on("nvidia-smi", CommandRunner.Result.ok(LISTING + LISTING.lines().findFirst().orElseThrow()));
        assertThatThrownBy(() -> load(List.of(), Map.of())).hasMessageContaining("listed a device twice");
    }

    @Test
    void aHangingNvidiaSmiIsAnErrorNamingTheTimeout() {
        commands.on("nvidia-smi", CommandRunner.Result.timeout());

        assertThatThrownBy(() -> load(List.of(), Map.of())).isInstanceOf(InventoryException.class)
                .hasMessage("nvidia-smi did not list this machine's GPUs within 10s (a device or the driver may be "
                        + "hung); check the machine with nvidia-smi, raise plugins.gpu.nvidiaSmiTimeout, or list the "
                        + "devices in plugins.gpu.devices");
    }

    @Test
    void aFailingOrMissingNvidiaSmiIsAnError() {
        commands.on("nvidia-smi", CommandRunner.Result.failed(9, "NVIDIA-SMI has failed because it couldn't "
                + "communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
                ""));
        assertThatThrownBy(() -> load(List.of(), Map.of()))
                .hasMessageStartingWith("nvidia-smi failed (exit code 9) listing this machine's GPUs: NVIDIA-SMI has "
                        + "failed because it couldn't communicate with the NVIDIA driver");

        FakeCommands none = new FakeCommands();
        assertThatThrownBy(() -> Inventory.load(new NvidiaSmi(none, "/opt/nv/nvidia-smi", Duration.ofSeconds(1)),
                List.of(), env(Map.of()))).isInstanceOf(InventoryException.class)
                .hasMessage("cannot run /opt/nv/nvidia-smi to list this machine's GPUs (not found); install the NVIDIA "
                        + "driver, set plugins.gpu.nvidiaSmi to its path, or list the devices yourself in "
                        + "plugins.gpu.devices");
    }

    @Test
    void theOperatorsListNeedsNoNvidiaSmi() throws Exception {
        ConfiguredDevices configured = new ConfiguredDevices(List.of(
                "1|" + U1 + "|NVIDIA H100 80GB HBM3|00000000:5D:00.0",
                "0 | " + U0 + " | NVIDIA H100 80GB HBM3"));

        Inventory inventory = Inventory.load(configured, List.of("0"), env(Map.of()));

        assertThat(inventory.devices()).containsExactly(
                new Device(1, U1, "NVIDIA H100 80GB HBM3", 0, "00000000:5D:00.0"));
        assertThat(inventory.origin()).isEqualTo("plugins.gpu.devices");
        assertThat(commands.calls).isEmpty();
    }

    @Test
    void aBadItemInTheOperatorsListIsAConfigError() {
        for (String bad : List.of("0, " + U0 + ", NVIDIA H100", "zero|" + U0 + "|NVIDIA H100", "0|" + U0,
                "0|" + U0 + "|NVIDIA H100|bus", "0|uuid|NVIDIA H100")) {
            assertThatThrownBy(() -> new ConfiguredDevices(List.of(bad)).devices()).as(bad)
                    .isInstanceOf(InventoryException.class)
                    .hasMessageContaining("plugins.gpu.devices: '").hasMessageContaining("is not a device; write "
                            + "index|uuid|name, optionally |pci bus id");
        }
        assertThatThrownBy(() -> new ConfiguredDevices(List.of("0|" + U0 + "|A", "0|" + U1 + "|B")).devices())
                .hasMessageContaining("twice");
    }

    @Test
    void theRuntimeReadsTheOperatorsListFromTheConfig() throws Exception {
        TestPluginContext context = TestPluginContext.of(GpuGate.ID)
                .withConfig(Map.of("devices", "0|" + U0 + "|NVIDIA L4\n1|" + U1 + "|NVIDIA L4"));
        GpuRuntime runtime = GpuRuntime.create(context, GpuSettings.from(context.config()), commands,
                env(Map.of("CUDA_VISIBLE_DEVICES", "1")));

        assertThat(runtime.pool().inventory().devices()).extracting(Device::uuid).containsExactly(U1);
        assertThat(commands.count("nvidia-smi --query-gpu=index")).isZero();
    }

    @Test
    void aFailedListingIsRememberedSoAHangCostsOneTimeout() throws Exception {
        commands.on("nvidia-smi --query-gpu=index", argv -> {
            throw new IOException("error=2, No such file or directory");
        });
        TestPluginContext context = TestPluginContext.of(GpuGate.ID);
        GpuRuntime runtime = GpuRuntime.create(context, GpuSettings.from(context.config()), commands, env(Map.of()));

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> runtime.pool().inventory()).isInstanceOf(InventoryException.class);
        }
        assertThat(commands.count("nvidia-smi --query-gpu=index")).isEqualTo(1);
    }
}
