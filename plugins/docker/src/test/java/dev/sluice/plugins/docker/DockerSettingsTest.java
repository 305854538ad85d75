package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerSettingsTest {
    private static final String PINNED = "sha256:" + "ab".repeat(32);

    private static DockerSettings settings(Map<String, String> values) {
        return DockerSettings.from(Settings.of(values, "plugins.docker of the config"));
    }

    @Test
    void defaults() {
        DockerSettings s = settings(Map.of());
        assertThat(s.pull()).isEqualTo(DockerSettings.PullPolicy.MISSING);
        assertThat(s.network()).isEqualTo("bridge");
        assertThat(s.user()).as("the user sluice runs as").matches("\\d+:\\d+");
        assertThat(s.keepAlive()).containsExactly("sleep", "infinity");
        assertThat(s.isolation()).isEqualTo(DockerSettings.Isolation.SESSION);
        assertThat(s.monitorPeriod()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.allowedImages().allows("anything:1")).isTrue();
    }

    @Test
    void badValuesNameTheKeyAndTheFix() {
        assertThatThrownBy(() -> settings(Map.of("pull", "sometimes"))).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'pull' = 'sometimes' in plugins.docker of the config")
                .hasMessageContaining("missing").hasMessageContaining("never");
        assertThatThrownBy(() -> settings(Map.of("hots", "unix:///x"))).hasMessageContaining("unknown setting 'hots'")
                .hasMessageContaining("host");
        assertThatThrownBy(() -> settings(Map.of("host", "/var/run/docker.sock"))).hasMessageContaining("unix://");
        assertThatThrownBy(() -> settings(Map.of("mounts", "data:/data"))).hasMessageContaining("absolute");
        assertThatThrownBy(() -> settings(Map.of("allowedImages", "lab@sha256:nothex")))
                .hasMessageContaining("pinned digest");
        assertThatThrownBy(() -> settings(Map.of("allowedImages", "Lab/Tool@" + PINNED)))
                .hasMessageContaining("'allowedImages' = 'Lab/Tool@" + PINNED + "'").hasMessageContaining("lower-case");
        assertThatThrownBy(() -> settings(Map.of("allowedImages", "Busybox:1"))).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> settings(Map.of("monitorPeriod", "100ms"))).hasMessageContaining("1s or more");
        assertThatThrownBy(() -> settings(Map.of("isolation", "vm"))).hasMessageContaining("session")
                .hasMessageContaining("task");
    }

    @Test
    void imageUserKeepsTheImagesOwnUser() {
        assertThat(settings(Map.of("user", "image")).user()).isNull();
        assertThat(settings(Map.of("user", "1000:100")).user()).isEqualTo("1000:100");
    }

    @Test
    void aTasksOwnMountReachesOnlyHostPathsTheOperatorAllows() {
        Hints hints = Hints.of(Map.of("docker/image", "lab/tool:2", "docker/mounts", "/:/host"), "process 'align'");
        assertThatThrownBy(() -> TaskOptions.of(hints, settings(Map.of("mounts", "/etc:/host-etc:ro"))))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("'docker/mounts' = '/:/host' in process 'align': / is not among the host paths the operator"
                        + " lets tasks mount (plugins.docker.allowedHostPaths: none); ask the operator to add it or a"
                        + " folder above it, or have the operator mount it for every task");
        assertThat(TaskOptions.of(Hints.of(Map.of("docker/image", "lab/tool:2"), "p"),
                settings(Map.of("mounts", "/etc:/host-etc:ro"))).orElseThrow().mounts())
                .as("the operator's own mounts are the operator's").hasSize(1);
    }

    @Test
    void hintsChooseIsolationAndAddMountsToTheOperators() {
        DockerSettings s = settings(Map.of("mounts", "/data/refs:/refs:ro", "allowedHostPaths", "/scratch, /in"));
        Hints hints = Hints.of(Map.of("docker/image", "lab/tool:2", "docker/isolation", "task",
                "docker/mounts", "/scratch, /in:/in:ro"), "process 'align'");
        TaskOptions o = TaskOptions.of(hints, s).orElseThrow();
        assertThat(o.image()).isEqualTo("lab/tool:2");
        assertThat(o.isolation()).isEqualTo(DockerSettings.Isolation.TASK);
        assertThat(o.mounts()).containsExactly(new Mount(Path.of("/data/refs"), Path.of("/refs"), true),
                new Mount(Path.of("/scratch"), Path.of("/scratch"), false), new Mount(Path.of("/in"), Path.of("/in"), true));
    }

    @Test
    void badImageReferenceIsRefusedNamingTheHint() {
        Hints hints = Hints.of(Map.of("docker/image", "Lab/Tool:2"), "process 'align'");
        assertThatThrownBy(() -> TaskOptions.of(hints, settings(Map.of())))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'docker/image' = 'Lab/Tool:2' in process 'align'")
                .hasMessageContaining("lower-case");
    }
}
