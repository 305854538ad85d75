package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.command.CreateContainerCmdImpl;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the engine is asked for, checked without an engine (the GPU plugin and GPUs are not here). */
class ContainerRequestTest {

    private static final com.github.dockerjava.api.command.CreateContainerCmd.Exec NEVER_SENT = command -> {
        throw new AssertionError("no engine here");
    };

    private static ContainerRequest request(long nanoCpus, long memory, Optional<ContainerRequest.Gpus> gpus) {
        return new ContainerRequest("lab/tool:2", "sluice-r1-t3-1", List.of("sh", "-c", "echo hi"), List.of("A=b"),
                "/work/ab/cd", "1000:1000", Map.of(RunLabels.RUN, "r1"),
                List.of(new Mount(Path.of("/work"), Path.of("/work"), false),
                        new Mount(Path.of("/data/refs"), Path.of("/refs"), true)),
                "none", nanoCpus, memory, gpus);
    }

    private static HostConfig applied(ContainerRequest request) {
        CreateContainerCmdImpl cmd = new CreateContainerCmdImpl(NEVER_SENT, null, request.image());
        request.applyTo(cmd);
        assertThat(cmd.getName()).isEqualTo(request.name());
        assertThat(cmd.getCmd()).containsExactlyElementsOf(request.cmd());
        assertThat(cmd.getEnv()).containsExactly("A=b");
        assertThat(cmd.getWorkingDir()).isEqualTo("/work/ab/cd");
        assertThat(cmd.getUser()).isEqualTo("1000:1000");
        assertThat(cmd.getLabels()).containsEntry(RunLabels.RUN, "r1");
        return cmd.getHostConfig();
    }

    @Test
    void assignedGpuDevicesBecomeExactlyThoseDevicesInTheRequest() {
        Optional<ContainerRequest.Gpus> gpus = ContainerRequest.Gpus.of(Map.of("CUDA_VISIBLE_DEVICES", "0, 2"), 2);
        HostConfig host = applied(request(2_000_000_000L, 0, gpus));

        assertThat(host.getDeviceRequests()).hasSize(1);
        DeviceRequest gpu = host.getDeviceRequests().get(0);
        assertThat(gpu.getDriver()).isEqualTo("nvidia");
        assertThat(gpu.getDeviceIds()).containsExactly("0", "2");
        assertThat(gpu.getCount()).isNull();
        assertThat(gpu.getCapabilities()).containsExactly(List.of("gpu"));
    }

    @Test
    void devicesTheGpuGateAssignedWinOverTheEnvironmentAndLeaveTheHostIndexesOutside() {
        ContainerRequest.Gpus gpus = ContainerRequest.Gpus.of(List.of("GPU-4f2a", "GPU-91ab"),
                Map.of("CUDA_VISIBLE_DEVICES", "2,3"), 2).orElseThrow();
        assertThat(gpus.deviceRequest().getDeviceIds()).containsExactly("GPU-4f2a", "GPU-91ab");
        // Inside the container its two devices are 0 and 1; the host's "2,3" would hide them both.
        assertThat(gpus.containerEnvironment(Map.of("CUDA_VISIBLE_DEVICES", "2,3", "CUDA_DEVICE_ORDER", "PCI_BUS_ID")))
                .isEqualTo(Map.of("CUDA_DEVICE_ORDER", "PCI_BUS_ID"));
        assertThat(ContainerRequest.Gpus.of(List.of(), Map.of(), 1).orElseThrow().containerEnvironment(
                Map.of("CUDA_VISIBLE_DEVICES", "0"))).as("a count leaves the environment alone")
                .containsEntry("CUDA_VISIBLE_DEVICES", "0");
    }

    @Test
    void nvidiaVisibleDevicesWinsOverCudaVisibleDevices() {
        ContainerRequest.Gpus gpus = ContainerRequest.Gpus.of(
                Map.of("NVIDIA_VISIBLE_DEVICES", "GPU-4f2a", "CUDA_VISIBLE_DEVICES", "0"), 1).orElseThrow();
        assertThat(gpus.deviceRequest().getDeviceIds()).containsExactly("GPU-4f2a");
    }

    @Test
    void acceleratorsWithoutAssignedDevicesAskForACount() {
        DeviceRequest gpu = ContainerRequest.Gpus.of(Map.of(), 3).orElseThrow().deviceRequest();
        assertThat(gpu.getCount()).isEqualTo(3);
        assertThat(gpu.getDeviceIds()).isNull();
    }

    @Test
    void noAcceleratorsAndNoAssignmentMeansNoDeviceRequest() {
        assertThat(ContainerRequest.Gpus.of(Map.of("CUDA_VISIBLE_DEVICES", "none"), 0)).isEmpty();
        assertThat(applied(request(0, 0, Optional.empty())).getDeviceRequests()).isNull();
    }

    @Test
    void limitsMountsNetworkAndInitAreSet() {
        HostConfig host = applied(request(1_500_000_000L, 64L << 20, Optional.empty()));
        assertThat(host.getNanoCPUs()).isEqualTo(1_500_000_000L);
        assertThat(host.getMemory()).isEqualTo(64L << 20);
        assertThat(host.getMemorySwap()).as("no swap beyond the limit").isEqualTo(64L << 20);
        assertThat(host.getNetworkMode()).isEqualTo("none");
        assertThat(host.getInit()).isTrue();
        assertThat(host.getBinds()).extracting(Object::toString)
                .containsExactly("/work:/work:rw", "/data/refs:/refs:ro");
    }

    @Test
    void noLimitsWhenNoneAreAsked() {
        HostConfig host = applied(request(0, 0, Optional.empty()));
        assertThat(host.getNanoCPUs()).isNull();
        assertThat(host.getMemory()).isNull();
    }
}
