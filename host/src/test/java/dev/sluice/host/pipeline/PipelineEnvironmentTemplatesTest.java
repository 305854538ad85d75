package dev.sluice.host.pipeline;

import static dev.sluice.host.pipeline.EnvFiles.copyFixture;
import static dev.sluice.host.pipeline.EnvFiles.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.openjd.model.EnvironmentDef;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real OpenJD environment templates (the openjd module's fixtures) are read unchanged from a pipeline. */
class PipelineEnvironmentTemplatesTest {
    @TempDir
    Path dir;

    @Test
    void pipelineUsesTemplatesWithItsOwnParameterValuesAndKeysAsNames() {
        copyFixture(dir, "conda.yaml");
        copyFixture(dir, "wrap-task-run.yaml");
        copyFixture(dir, "monitored.json");

        Pipeline p = load(dir, """
                environments:
                  conda-ml:
                    template: envs/conda.yaml
                    parameters: {CondaEnv: ml, Retries: "04"}
                  conda-base: {template: envs/conda.yaml}
                  container: {template: envs/wrap-task-run.yaml, parameters: {Image: "rockylinux:9"}}
                  license: {template: envs/monitored.json}
                processes:
                  train:
                    command: [python, train.py]
                    environment: [container, license, conda-ml]
                  report:
                    command: [python, report.py]
                    environment: conda-base
                """);

        assertThat(p.environments().keySet()).containsExactly("conda-ml", "conda-base", "container", "license");
        EnvironmentDef ml = p.environments().get("conda-ml");
        assertThat(ml.name()).isEqualTo("conda-ml");
        assertThat(ml.parameters().get("CondaEnv").value()).isEqualTo("ml");
        assertThat(ml.parameters().get("Retries").value()).as("INT values are normalised").isEqualTo("4");
        assertThat(p.environments().get("conda-base").parameters().get("CondaEnv").value()).isEqualTo("base");
        assertThat(p.environments().get("container").parameters().get("Image").value()).isEqualTo("rockylinux:9");
        assertThat(p.environments().get("license").parameters().get("Port").value()).isEqualTo("8080");
        assertThat(ml.location().file()).isEqualTo(dir.resolve("p.yaml"));
        assertThat(ml.location().line()).isEqualTo(2);

        assertThat(p.processes().get("train").environments()).containsExactly("container", "license", "conda-ml");
        assertThat(p.processes().get("report").environments()).containsExactly("conda-base");
    }
}
