package dev.sluice.plugins.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The model-name rule, XID lines, PCI addresses and the config section. */
class SmallPartsTest {

    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @CsvSource({
        "nvidia-h100, NVIDIA H100 80GB HBM3, true",
        "h100, NVIDIA H100 80GB HBM3, true",
        "H100_80GB, NVIDIA H100 80GB HBM3, true",
        "nvidia-h100-80gb, NVIDIA H100 80GB HBM3, true",
        "a100, NVIDIA A100-SXM4-40GB, true",
        "tesla-v100, Tesla V100-SXM2-16GB, true",
        "nvidia-tesla-v100, Tesla V100-SXM2-16GB, true",
        "rtx-4090, NVIDIA GeForce RTX 4090, true",
        "nvidia, NVIDIA L4, true",
        "h200, NVIDIA GH200 480GB, false",
        "l4, NVIDIA L40S, false",
        "nvidia-h100, NVIDIA A100-SXM4-40GB, false",
        "80gb-h100, NVIDIA H100 80GB HBM3, false",
    })
    void acceleratorTypeMatchesWholeWordsOfTheModelName(String type, String name, boolean matches) {
        assertThat(ModelMatch.matches(type, name)).isEqualTo(matches);
    }

    @Test
    void noTypeMatchesEveryDevice() {
        assertThat(ModelMatch.matches(null, "NVIDIA L4")).isTrue();
        assertThat(ModelMatch.matches(" ", "NVIDIA L4")).isTrue();
    }

    @Test
    void readsXidLinesInBothOfTheDriversSpellings() {
        String line = "[ 8812.123456] NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, name=python, GPU has fallen off the bus.";
        assertThat(XidEvent.parse(line)).contains(new XidEvent("0000:3b:00", 79, line));
        assertThat(XidEvent.parse("NVRM: Xid (0000:03:00): 14, Channel 00000001"))
                .map(XidEvent::pciAddress).contains("0000:03:00");
        assertThat(XidEvent.parse("Mar 1 10:00:00 node kernel: NVRM: Xid (PCI:0000:AF:00.0): 48, An uncorrectable "
                + "double bit error")).map(XidEvent::code).contains(48);
        assertThat(XidEvent.parse("[ 1.0] nvidia-nvlink: Nvlink Core is being initialized")).isEmpty();
        assertThat(XidEvent.parse("NVRM: Xid (PCI:0000:3b:00): 99999999999, too long")).isEmpty();
    }

    @Test
    void theDefaultFatalXidsAreTheDocumentedOnes() {
        assertThat(XidEvent.DEFAULT_FATAL).containsExactlyInAnyOrder(48, 62, 63, 64, 74, 79, 92, 94, 95, 119, 120)
                .doesNotContain(13, 31, 43); // application faults: the device is fine
    }

    @Test
    void pciAddressesOfNvidiaSmiAndTheKernelCompareEqual() {
        assertThat(PciAddress.normalize("00000000:3B:00.0")).contains("0000:3b:00");
        assertThat(PciAddress.normalize("PCI:0000:3b:00")).contains("0000:3b:00");
        assertThat(PciAddress.normalize("0001:AF:1F.3")).contains("0001:af:1f");
        assertThat(PciAddress.normalize("somewhere")).isEmpty();
        assertThat(PciAddress.normalize("")).isEmpty();
    }

    @Test
    void settingsDefaults() {
        GpuSettings s = GpuSettings.defaults();

        assertThat(s.devices()).isEmpty();
        assertThat(s.exclude()).isEmpty();
        assertThat(s.nvidiaSmi()).isEqualTo("nvidia-smi");
        assertThat(s.nvidiaSmiTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.visibleDevices()).isEqualTo(GpuSettings.VisibleDevices.UUID);
        assertThat(s.schedulerAssigned()).containsExactly("slurm");
        assertThat(s.maxWait()).isEmpty();
        assertThat(s.healthCheck()).isTrue();
        assertThat(s.healthPeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.kernelLog()).containsExactly("dmesg");
        assertThat(s.fatalXids()).isEqualTo(XidEvent.DEFAULT_FATAL);
    }

    @Test
    void settingsAsWritten() {
        GpuSettings s = GpuSettings.from(Settings.of(Map.of("exclude", "0\nGPU-91ab", "nvidiaSmi", "/opt/nv/bin/nvidia-smi",
                "nvidiaSmiTimeout", "3s", "visibleDevices", "index", "schedulerAssigned", "slurm, lsf", "maxWait", "2h",
                "healthCheck", "true", "healthPeriod", "1m", "kernelLog", "journalctl -k --no-pager",
                "fatalXids", "79, 48"), "config plugins.gpu"));

        assertThat(s.exclude()).containsExactly("0", "GPU-91ab");
        assertThat(s.nvidiaSmi()).isEqualTo("/opt/nv/bin/nvidia-smi");
        assertThat(s.nvidiaSmiTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.visibleDevices()).isEqualTo(GpuSettings.VisibleDevices.INDEX);
        assertThat(s.schedulerAssigned()).containsExactlyInAnyOrder("slurm", "lsf");
        assertThat(s.maxWait()).contains(Duration.ofHours(2));
        assertThat(s.healthPeriod()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.kernelLog()).containsExactly("journalctl", "-k", "--no-pager");
        assertThat(s.fatalXids()).isEqualTo(Set.of(48, 79));
        assertThat(GpuSettings.from(Settings.of(Map.of("kernelLog", "off"), "c")).kernelLog()).isEmpty();
        assertThat(GpuSettings.from(Settings.of(Map.of("schedulerAssigned", ""), "c")).assignsItself("slurm")).isFalse();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "visibleDevices   | minor     | write uuid (CUDA_VISIBLE_DEVICES=GPU-5e8c...) or index",
        "healthPeriod     | 200ms     | must be at least 1s",
        "nvidiaSmiTimeout | forever   | not a duration",
        "fatalXids        | 79, lost  | 'lost' is not an XID number",
        "maxWait          | PT-5M     | must not be negative",
        "maxWait          | -5m       | not a duration",
        "healthCheck      | sometimes | not a boolean",
        "excludes         | 0         | not a setting of the gpu plugin; it knows devices, exclude, fatalXids",
    })
    void badSettingsNameTheKeyAndTheFix(String key, String value, String problem) {
        assertThatThrownBy(() -> GpuSettings.from(Settings.of(Map.of(key, value), "config plugins.gpu")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("'" + key + "' = '" + value + "' in config plugins.gpu: ")
                .hasMessageContaining(problem);
    }
}
