package dev.sluice.plugins.gpu;

import static dev.sluice.plugins.gpu.Gpus.devices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code sluice validate} and the start of a run say about GPU requests this machine cannot meet. */
class ValidateTest {
    private static final List<Device> MIXED = List.of(Gpus.device(0, "NVIDIA H100 80GB HBM3"),
            Gpus.device(1, "NVIDIA H100 80GB HBM3"), Gpus.device(2, "NVIDIA A100-SXM4-40GB"));

    private static TaskRequest request(String executor, int count, String type, Map<String, String> hints) {
        return new TaskRequest("train", executor, Resources.DEFAULT.withAccelerators(count, type),
                Hints.of(hints, "process 'train'"));
    }

    private static TaskRequest local(int count, String type) {
        return request("local", count, type, Map.of());
    }

    @Test
    void aGpuRequestOnAMachineWithoutGpus() {
        Gpus gpus = Gpus.of(List.of());

        assertThatThrownBy(() -> gpus.gate.validate(local(1, null))).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("process 'train': resources.accelerators = 1")
                .hasMessageContaining("this machine has no GPU to hand out")
                .hasMessageContaining("remove resources.accelerators")
                .hasMessageContaining("slurm").hasMessageContaining("gpu/skip: true")
                .extracting(e -> ((InvalidSettingException) e).key()).isEqualTo("resources.accelerators");
    }

    @Test
    void aMachineWhoseDevicesAreAllExcluded() {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"), Map.of("exclude", "0"));

        assertThatThrownBy(() -> gpus.gate.validate(local(1, null)))
                .hasMessageContaining("no GPU to hand out").hasMessageContaining("excluded in plugins.gpu.exclude");
    }

    @Test
    void moreDevicesThanThereAre() {
        Gpus gpus = Gpus.of(MIXED, Map.of("exclude", "GPU-00000001-1111-2222-3333-444444444444"));

        assertThatThrownBy(() -> gpus.gate.validate(local(3, null)))
                .hasMessageContaining("process 'train': resources.accelerators = 3")
                .hasMessageContaining("this machine has only 2 GPUs to hand out (GPU 0 (")
                .hasMessageContaining("ask for at most 2");
        assertThatThrownBy(() -> gpus.gate.validate(local(2, "h100")))
                .hasMessageContaining("only 1 GPU of type h100").hasMessageContaining("ask for at most 1");
    }

    @Test
    void aTypeNoDeviceHas() {
        Gpus gpus = Gpus.of(MIXED);

        assertThatThrownBy(() -> gpus.gate.validate(local(1, "nvidia-l40s")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("process 'train': resources.acceleratorType = nvidia-l40s")
                .hasMessageContaining("no GPU of this machine is of that type")
                .hasMessageContaining("NVIDIA A100-SXM4-40GB (1), NVIDIA H100 80GB HBM3 (2)")
                .extracting(e -> ((InvalidSettingException) e).key()).isEqualTo("resources.acceleratorType");
    }

    @Test
    void requestsTheMachineCanMeetPass() {
        Gpus gpus = Gpus.of(MIXED);

        assertThatCode(() -> {
            gpus.gate.validate(local(2, "nvidia-h100"));
            gpus.gate.validate(local(1, "a100"));
            gpus.gate.validate(local(3, null));
            gpus.gate.validate(local(0, null));
        }).doesNotThrowAnyException();
    }

    @Test
    void badHints() {
        Gpus gpus = Gpus.of(MIXED);

        assertThatThrownBy(() -> gpus.gate.validate(request("local", 1, null, Map.of("gpu/maxWait", "soon"))))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'gpu/maxWait' = 'soon' in process 'train': not a duration");
        assertThatThrownBy(() -> gpus.gate.validate(request("local", 1, null, Map.of("gpu/skip", "maybe"))))
                .hasMessageContaining("'gpu/skip' = 'maybe' in process 'train'");
        assertThatThrownBy(() -> gpus.gate.validate(request("local", 1, null, Map.of("gpu/maxwait", "5m"))))
                .hasMessageContaining("not a hint of the gpu plugin; it knows gpu/skip, gpu/maxWait");
        // Hints are checked for every executor, Slurm's too.
        assertThatThrownBy(() -> gpus.gate.validate(request("slurm", 1, null, Map.of("gpu/maxWait", "-5m"))))
                .isInstanceOf(InvalidSettingException.class);
    }

    @Test
    void slurmDecidesForItsOwnTasksAndSkipOptsOut() {
        Gpus gpus = Gpus.of(List.of());

        assertThatCode(() -> gpus.gate.validate(request("slurm", 8, "nvidia-b200", Map.of())))
                .doesNotThrowAnyException();
        assertThatCode(() -> gpus.gate.validate(request("local", 8, null, Map.of("gpu/skip", "true"))))
                .doesNotThrowAnyException();
        assertThat(gpus.gauge("devices")).isZero();
    }

    @Test
    void aDeviceListThatCannotBeHadIsNamedWithTheProcess() {
        Gpus gpus = Gpus.of(MIXED, Map.of("exclude", "7"));

        assertThatThrownBy(() -> gpus.gate.validate(local(1, null)))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("process 'train': resources.accelerators = 1: this machine's GPUs cannot be listed")
                .hasMessageContaining("plugins.gpu.exclude: '7' names no GPU of this machine");
    }
}
