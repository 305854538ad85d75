package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Resources;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskRequest;
import dev.sluice.spi.testing.TestPluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `sluice validate` and the start of a run say about bad images, hints and settings. */
class ValidationTest {
    @TempDir
    Path tmp;
    private Path program;

    @BeforeEach
    void setUp() {
        program = StandIn.install(tmp);
    }

    private ApptainerGate gate(Map<String, String> config) {
        Map<String, String> all = new HashMap<>(Map.of("apptainer", program.toString(), "cacheDir",
                tmp.resolve("cache").toString()));
        all.putAll(config);
        TestPluginContext context = TestPluginContext.of(ApptainerGate.ID).withConfig(all);
        return new ApptainerGate(context, Apptainer.create(context, CommandRunner.processes(Map.of()),
                Duration.ofMillis(10)));
    }

    private static TaskRequest request(String executor, Map<String, String> hints) {
        return new TaskRequest("align", executor, Resources.DEFAULT, Hints.of(hints, "process 'align'"));
    }

    private static void refused(ApptainerGate gate, Map<String, String> hints, String... fragments) {
        var thrown = assertThatThrownBy(() -> gate.validate(request("local", hints)))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("process 'align'");
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
        thrown.hasMessageNotContaining("Exception");
    }

    @Test
    void goodRequestsPass() {
        ApptainerGate g = gate(Map.of("allowedHostPaths", "/data"));
        for (String image : new String[] {"docker://busybox:1.36", "docker://registry.local:5000/lab/tool@sha256:"
                + "ab".repeat(32), "oras://registry.local/lab/tool:1", "library://lab/default/tool:1.0",
                "library://alpine:3.19", "shub://vsoch/hello-world"}) {
            assertThatCode(() -> g.validate(request("slurm", Map.of("apptainer/image", image)))).as(image)
                    .doesNotThrowAnyException();
        }
        assertThatCode(() -> g.validate(request("local", Map.of()))).doesNotThrowAnyException();
        Path sif = StandIn.fakeSif(tmp.resolve("img/tool.sif"));
        assertThatCode(() -> g.validate(request("local", Map.of("apptainer/image", sif.toString(),
                "apptainer/binds", "/data:/data:ro", "apptainer/options", "--writable-tmpfs"))))
                .doesNotThrowAnyException();
        assertThatCode(() -> g.validate(request("local", Map.of("apptainer/image", tmp.toString()))))
                .as("a sandbox directory").doesNotThrowAnyException();
    }

    @Test
    void imagesApptainerCannotTake() {
        ApptainerGate g = gate(Map.of());
        refused(g, Map.of("apptainer/image", "http://example.org/tool.sif"), "'apptainer/image'",
                "pulls docker://, oras://, library:// or shub://", "give its absolute path");
        refused(g, Map.of("apptainer/image", "docker://Lab/Tool:2"), "lower-case", "docker://[registry/]");
        refused(g, Map.of("apptainer/image", "busybox:1.36"), "write docker://busybox:1.36");
        refused(g, Map.of("apptainer/image", "images/tool.sif"), "absolute path");
        refused(g, Map.of("apptainer/image", tmp.resolve("missing.sif").toString()), "missing.sif does not exist");
        refused(g, Map.of("apptainer/image", tmp.resolve("nothing-here").toString()), "neither");
        refused(g, Map.of("apptainer/image", "shub://just-one"), "shub://user/collection");
        refused(g, Map.of("apptainer/image", " "), "the image is empty");
    }

    @Test
    void aFileThatIsNotASifIsRefused() throws Exception {
        Path notSif = java.nio.file.Files.writeString(tmp.resolve("text.sif"), "hello");
        refused(gate(Map.of()), Map.of("apptainer/image", notSif.toString()), "is not a SIF file");
    }

    @Test
    void imagesOutsideTheAllowList() {
        ApptainerGate g = gate(Map.of("allowedImages", "registry.local/lab/*"));
        refused(g, Map.of("apptainer/image", "docker://evil.example/miner:1"), "allow-list",
                "plugins.apptainer.allowedImages: registry.local/lab/*", "ask the operator");
        assertThatCode(() -> g.validate(request("local", Map.of("apptainer/image", "docker://registry.local/lab/t:1"))))
                .doesNotThrowAnyException();
    }

    @Test
    void badHints() {
        ApptainerGate g = gate(Map.of());
        refused(g, Map.of("apptainer/imag", "docker://busybox"), "not a hint of the apptainer plugin",
                "apptainer/image");
        refused(g, Map.of("apptainer/image", "docker://busybox", "apptainer/binds", "data:/data"),
                "'apptainer/binds'", "absolute path");
        refused(g, Map.of("apptainer/image", "docker://busybox", "apptainer/binds", "/a:/b:rx"), "ro or rw");
        refused(g, Map.of("apptainer/image", "docker://busybox", "apptainer/options", "--cleanenv"),
                "'apptainer/options'", "set by the plugin itself");
        refused(g, Map.of("apptainer/image", "docker://busybox", "apptainer/options", "writable"), "starting with '-'");
        refused(g, Map.of("apptainer/image", "docker://busybox", "apptainer/maxWait", "soon"), "apptainer/maxWait",
                "not a duration");
        refused(g, Map.of("apptainer/image", "docker://busybox", "apptainer/skip", "maybe"), "true or false");
    }

    @Test
    void theDockerExecutorIsRefused() {
        assertThatThrownBy(() -> gate(Map.of()).validate(request("docker", Map.of("apptainer/image", "docker://busybox"))))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("docker executor")
                .hasMessageContaining("use docker/image there");
    }

    @Test
    void aMissingProgramIsReportedBeforeAnythingRuns() {
        ApptainerGate g = gate(Map.of("apptainer", tmp.resolve("no/apptainer").toString()));
        assertThatThrownBy(() -> g.validate(request("local", Map.of("apptainer/image", "docker://busybox"))))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("process 'align' runs in Apptainer")
                .hasMessageContaining("plugins.apptainer.apptainer");
    }

    @Test
    void badSettingsNameTheKeyAndTheFix() {
        Map<String, String[]> cases = Map.of(
                "cacheDir", new String[] {"relative/dir", "absolute path"},
                "pullTimeout", new String[] {"0s", "positive duration"},
                "pullRetries", new String[] {"-1", "0 (never retry) or more"},
                "maxConcurrentPulls", new String[] {"0", "1 or more"},
                "monitorPeriod", new String[] {"100ms", "1s or more"},
                "allowedImages", new String[] {"lab@sha256:xyz", "pinned digest"},
                "options", new String[] {"--nv", "set by the plugin itself"},
                "apptainer", new String[] {"apptainer", "absolute path"});
        cases.forEach((key, v) -> assertThatThrownBy(() -> ApptainerSettings.from(
                Settings.of(Map.of(key, v[0]), "plugins.apptainer of the config")))
                .as(key).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'" + key + "' = '" + v[0] + "' in plugins.apptainer of the config")
                .hasMessageContaining(v[1]));
        assertThatThrownBy(() -> ApptainerSettings.from(Settings.of(Map.of("cachedir", "/x"), "plugins.apptainer")))
                .hasMessageContaining("unknown setting 'cachedir'").hasMessageContaining("cacheDir");
    }

    @Test
    void defaults() {
        ApptainerSettings s = ApptainerSettings.from(Settings.of(Map.of(), "plugins.apptainer"));
        assertThat(s.cacheDir().toString()).endsWith("sluice/apptainer");
        assertThat(s.pullTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(s.pullRetries()).isEqualTo(3);
        assertThat(s.pullBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.maxConcurrentPulls()).isEqualTo(2);
        assertThat(s.monitorPeriod()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.maxWait()).isNull();
        assertThat(s.program()).isEmpty();
    }

    @Test
    void pullFailuresAreClassifiedByApptainersWords() {
        assertThat(PullFailure.of(java.util.List.of("FATAL:   While making image from oci registry: ... received "
                + "unexpected HTTP status: 503 Service Unavailable"), 255).retryable()).isTrue();
        assertThat(PullFailure.of(java.util.List.of("FATAL:   ... dial tcp 10.0.0.1:443: i/o timeout"), 255).retryable())
                .isTrue();
        assertThat(PullFailure.of(java.util.List.of("FATAL:   ... manifest unknown: manifest unknown"), 255).retryable())
                .isFalse();
        assertThat(PullFailure.of(java.util.List.of("FATAL:   ... unauthorized: authentication required (timeout?)"),
                255).retryable()).as("permanent words win").isFalse();
        assertThat(PullFailure.of(java.util.List.of("something odd"), 3).retryable()).isFalse();
        assertThat(PullFailure.of(java.util.List.of("INFO:    x", "FATAL:   While pulling: boom"), 255).message())
                .isEqualTo("While pulling: boom");
    }
}
