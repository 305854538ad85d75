package dev.sluice.plugins.gpu;

import static dev.sluice.plugins.gpu.Gpus.devices;
import static dev.sluice.plugins.gpu.Gpus.task;
import static dev.sluice.plugins.gpu.Gpus.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GpuWrapperTest {
    private static final LaunchCommand COMMAND = new LaunchCommand(List.of("python", "train.py"),
            Map.of("OMP_NUM_THREADS", "4"), Path.of("/work/t1"));

    /** A machine with four devices of which the task gets the last two (devices 0 and 1 are busy). */
    private static TestTaskHandle holdingTwo(Gpus gpus, TestTaskHandle task) throws Exception {
        GateRun.start(gpus.gate, task("busy", 2)).awaitPassed();
        GateRun.start(gpus.gate, task).awaitPassed();
        return gpus.admitted(task);
    }

    @Test
    void setsTheDevicesAsUuidsByDefault() throws Exception {
        Gpus gpus = Gpus.of(devices(4, "NVIDIA H100 80GB HBM3"));
        TestTaskHandle task = holdingTwo(gpus, task("t1", 2));

        assertThat(gpus.wrapper.appliesTo(task)).isTrue();
        LaunchCommand wrapped = gpus.wrapper.wrap(task, COMMAND);

        assertThat(wrapped.environment()).containsEntry("CUDA_VISIBLE_DEVICES", uuid(2) + "," + uuid(3))
                .containsEntry("CUDA_DEVICE_ORDER", "PCI_BUS_ID").containsEntry("OMP_NUM_THREADS", "4");
        assertThat(wrapped.argv()).isEqualTo(COMMAND.argv());
        assertThat(wrapped.workDir()).isEqualTo(COMMAND.workDir());
    }

    @Test
    void setsIndexesWhenTheOperatorAsks() throws Exception {
        Gpus gpus = Gpus.of(devices(4, "NVIDIA H100 80GB HBM3"), Map.of("visibleDevices", "index"));
        TestTaskHandle task = holdingTwo(gpus, task("t1", 2));

        assertThat(gpus.wrapper.wrap(task, COMMAND).environment()).containsEntry("CUDA_VISIBLE_DEVICES", "2,3")
                .containsEntry("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
    }

    @Test
    void aDockerTaskGetsUuidsEvenWhenIndexesAreAsked() throws Exception {
        Gpus gpus = Gpus.of(devices(4, "NVIDIA H100 80GB HBM3"), Map.of("visibleDevices", "index"));
        TestTaskHandle task = holdingTwo(gpus, task("t1", 2).withExecutor("docker"));

        assertThat(gpus.wrapper.wrap(task, COMMAND).environment())
                .containsEntry("CUDA_VISIBLE_DEVICES", uuid(2) + "," + uuid(3));
    }

    @Test
    void leavesTasksWithoutDevicesAlone() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle plain = TestTaskHandle.of("plain");
        TestTaskHandle slurm = task("s", 1).withExecutor("slurm");
        GateRun.start(gpus.gate, slurm).awaitPassed();

        assertThat(gpus.wrapper.appliesTo(plain)).isFalse();
        assertThat(gpus.wrapper.appliesTo(gpus.admitted(slurm))).isFalse();
        assertThat(gpus.wrapper.wrap(plain, COMMAND)).isEqualTo(COMMAND);
    }

    @Test
    void theTasksOwnCudaVisibleDevicesIsReplacedByItsAssignment() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle task = task("t1", 1);
        GateRun.start(gpus.gate, task).awaitPassed();
        LaunchCommand asked = COMMAND.withEnvironment(Map.of("CUDA_VISIBLE_DEVICES", "0,1,2,3"));

        assertThat(gpus.wrapper.wrap(gpus.admitted(task), asked).environment())
                .containsEntry("CUDA_VISIBLE_DEVICES", uuid(0));
    }
}
