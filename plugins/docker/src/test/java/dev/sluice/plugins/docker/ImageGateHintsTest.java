package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.NOPLogger;

/** What {@code sluice validate} says of a process's docker hints, before anything runs. */
class ImageGateHintsTest {

    private static ImageGate gate(Map<String, String> config) {
        Settings settings = Settings.of(config, "plugins.docker of the config");
        return new ImageGate(new PluginContext() {
            @Override
            public String pluginId() {
                return "docker";
            }

            @Override
            public Settings config() {
                return settings;
            }

            @Override
            public TimeSource time() {
                return TimeSource.system();
            }

            @Override
            public PluginMetrics metrics() {
                return PluginMetrics.none();
            }

            @Override
            public Logger logger() {
                return NOPLogger.NOP_LOGGER;
            }
        });
    }

    private static Hints hints(Map<String, String> values) {
        return Hints.of(values, "process 'align'");
    }

    @Test
    void misspeltHintIsRefusedListingTheKnownOnes() {
        assertThatThrownBy(() -> gate(Map.of()).validateHints(hints(Map.of("docker/imag", "busybox:1"))))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'docker/imag'")
                .hasMessageContaining("docker/image, docker/isolation, docker/mounts, docker/skip, docker/maxWait");
    }

    @Test
    void imageOutsideTheAllowListIsRefusedWithTheList() {
        ImageGate gate = gate(Map.of("allowedImages", "registry.local/lab/*"));
        assertThatThrownBy(() -> gate.validateHints(hints(Map.of("docker/image", "evil.example/miner:1"))))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("evil.example/miner:1").hasMessageContaining("registry.local/lab/*");
        assertThatCode(() -> gate.validateHints(hints(Map.of("docker/image", "registry.local/lab/tool:2"))))
                .doesNotThrowAnyException();
    }

    @Test
    void badIsolationAndMountsAreRefused() {
        ImageGate gate = gate(Map.of());
        assertThatThrownBy(() -> gate.validateHints(hints(Map.of("docker/image", "busybox:1",
                "docker/isolation", "vm")))).hasMessageContaining("docker/isolation");
        assertThatThrownBy(() -> gate.validateHints(hints(Map.of("docker/image", "busybox:1",
                "docker/mounts", "relative:/data")))).hasMessageContaining("absolute");
    }
}
