package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.host.config.ConfigLoader;
import dev.sluice.yaml.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config's serve section: read by sluice serve, left be by sluice run, each mistake named. */
class ServeSettingsTest {
    @TempDir
    Path dir;

    private Path config(String yaml) throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), yaml);
    }

    @Test
    void theSectionIsReadAndTheRestOfTheConfigStillLoadsForRun() throws Exception {
        Path file = config("""
                serve:
                  address: 0.0.0.0
                  auth: {tokenFile: secrets/token}
                  maxBodyBytes: 64KB
                  limits: {maxStreams: 8, perTenant: {maxQueued: 10}}
                  classes:
                    cpu_short: {}
                    gpu:
                process:
                  withLabel:
                    gpu: {resources: {accelerators: 1}}
                """);
        ServeSettings s = ServeSettings.load(file);
        assertThat(s.api().address()).isEqualTo("0.0.0.0");
        assertThat(s.api().tokenFile()).isEqualTo(dir.resolve("secrets/token"));
        assertThat(s.api().token()).isNull();
        assertThat(s.api().maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(s.classes()).containsOnlyKeys("cpu_short", "gpu");
        assertThat(s.drain()).as("onStop: drain by default, for 10 minutes").hasMinutes(10);
        assertThat(s.limits().maxStreams()).isEqualTo(8);
        assertThat(s.limits().perTenant().maxQueued()).isEqualTo(10);
        assertThat(s.limits().total().maxQueued()).as("a bound there always is").isEqualTo(100_000);
        assertThat(ConfigLoader.load(file).withLabel()).containsKey("gpu");
    }

    @Test
    void aClassNameMayHoldADotAsALabelMay() throws Exception {
        assertThat(ServeSettings.load(config("serve: {classes: {gpu.a100: {}, cpu-short_2: {}}}\n")).classes())
                .containsOnlyKeys("gpu.a100", "cpu-short_2");
    }

    @Test
    void noSectionOrNoClassSaysWhatToAdd() throws Exception {
        assertThatThrownBy(() -> ServeSettings.load(config("process: {defaults: {cpus: 1}}\n")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("serve.classes")
                .hasMessageContaining("serve: {classes: {cpu_short: {}}}");
        assertThatThrownBy(() -> ServeSettings.load(null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("at least one class");
        assertThatThrownBy(() -> ServeSettings.load(config("serve: {classes: {}}\n")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no classes");
    }

    @Test
    void mistakesNameFileLineFieldAndFix() throws Exception {
        Path file = config("""
                serve:
                  adress: 0.0.0.0
                  onStop: later
                  auth: {token: short, tokenFile: t}
                  classes:
                    "bad class": {}
                    ok: {executor: docker}
                """);
        assertThatThrownBy(() -> ServeSettings.load(file)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.getMessage()).contains(file + ":2:3").contains("serve.adress")
                    .contains("did you mean 'address'?");
            assertThat(e.getMessage()).contains("serve.auth").contains("give token or tokenFile, not both");
            assertThat(e.getMessage()).contains("serve.onStop: 'later' is not a way to stop; write drain");
            assertThat(e.getMessage()).contains("serve.auth.token").contains("at least 16");
            assertThat(e.getMessage()).contains("serve.classes.bad class: 'bad class' is not a class name; use"
                    + " letters, digits, '_', '-' and '.', as for a label");
            assertThat(e.getMessage()).contains("serve.classes.ok.executor")
                    .contains("how a class runs is set by process.withLabel.ok.executor");
        });
    }

    @Test
    void aClassSaysWhatItsTasksMaySetAndCallbacksWhereTheyMayGo() throws Exception {
        ServeSettings s = ServeSettings.load(config("""
                serve:
                  classes:
                    gpu:
                      maxQueued: 50
                      container: apptainer
                      maxResources: {cpus: 8, memory: 64GiB, time: 24h, accelerators: 2}
                      taskHints: [files/maxWait, gpu/*]
                    plain: {}
                  callbacks: {allowedHosts: [orch.lab, "*.hooks.lab"], giveUpAfter: 2h, timeout: 3s}
                """));
        ClassSettings gpu = s.classes().get("gpu");
        assertThat(gpu.limit().maxQueued()).isEqualTo(50);
        assertThat(gpu.containerOn("local")).isEqualTo("apptainer");
        assertThat(gpu.maxResources()).isEqualTo(new Submission.Ask(8, 64L << 30, java.time.Duration.ofHours(24), 2,
                null));
        assertThat(gpu.allowsHint("files/maxWait")).isTrue();
        assertThat(gpu.allowsHint("gpu/share")).isTrue();
        assertThat(gpu.allowsHint("files/skip")).isFalse();
        assertThat(gpu.allowsHint("gpux/share")).as("a plugin's all is its own namespace only").isFalse();
        ClassSettings plain = s.classes().get("plain");
        assertThat(plain.containerOn("docker")).as("a class on docker gives docker its tasks' images").isEqualTo("docker");
        assertThat(plain.containerOn("local")).isNull();
        assertThat(plain.allowsHint("files/maxWait")).as("no hints unless the operator lists them").isFalse();
        assertThat(s.callbacks().allowedHosts()).containsExactly("orch.lab", "*.hooks.lab");
        assertThat(s.callbacks().giveUpAfter()).hasHours(2);
        assertThat(s.callbacks().timeout()).hasSeconds(3);
        assertThat(ServeSettings.load(config("serve: {classes: {a: {}}}\n")).callbacks())
                .isEqualTo(CallbackSettings.DEFAULT);
    }

    @Test
    void mistakesInAClassOrTheCallbacksAreNamed() throws Exception {
        Path file = config("""
                serve:
                  classes:
                    gpu:
                      container: podman
                      maxResources: {cpus: 0, acceleratorType: a100}
                      taskHints: [maxWait]
                  callbacks: {allowedHosts: ["http://orch.lab/x"], giveUpAfter: soon}
                """);
        assertThatThrownBy(() -> ServeSettings.load(file)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.getMessage()).contains(file + ":4:18: serve.classes.gpu.container: 'podman' is not a"
                    + " container plugin sluice serve knows; write docker or apptainer");
            assertThat(e.getMessage()).contains("serve.classes.gpu.maxResources.cpus");
            assertThat(e.getMessage()).contains("acceleratorType is not a bound");
            assertThat(e.getMessage()).contains("serve.classes.gpu.taskHints: 'maxWait' is not a hint");
            assertThat(e.getMessage()).contains("serve.callbacks.allowedHosts: 'http://orch.lab/x' is not a host");
            assertThat(e.getMessage()).contains("serve.callbacks.giveUpAfter");
        });
    }
}
