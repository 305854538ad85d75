package dev.sluice.host.pipeline;

import static dev.sluice.host.pipeline.EnvFiles.load;
import static dev.sluice.host.pipeline.EnvFiles.onlyProblem;
import static dev.sluice.host.pipeline.EnvFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.openjd.model.ReferenceBehaviour;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An environment's {@code referenceRuntime:}: read from template references and inline definitions, and
 * every mistake reported with place, field and fix.
 */
class ReferenceRuntimeOptionTest {
    private static final String WRAPPER = """
            specificationVersion: environment-2023-09
            extensions: [WRAP_ACTIONS, EXPR]
            environment:
              name: Wrapper
              script:
                actions:
                  onWrapEnvEnter: {command: run, args: ["{{ WrappedAction.Command }}"]}
                  onWrapTaskRun: {command: run, args: ["{{ WrappedAction.Command }}"]}
                  onWrapEnvExit: {command: run, args: ["{{ WrappedAction.Command }}"]}
            """;

    @TempDir
    Path dir;

    private Location at(int line, int column) {
        return new Location(dir.resolve("p.yaml"), line, column);
    }

    @Test
    void aTemplateReferenceAndAnInlineDefinitionReadTheirBehaviours() {
        write(dir, "envs/wrapper.yaml", WRAPPER);
        Pipeline p = load(dir, """
                environments:
                  w:
                    template: envs/wrapper.yaml
                    referenceRuntime: [taskVariables, cancelSignals, maskTaskOutput]
                  tools:
                    variables: {A: "1"}
                    referenceRuntime: maskTaskOutput
                  files:
                    script:
                      actions: {onEnter: {command: "{{ Env.File.Setup }}"}}
                      embeddedFiles: [{name: Setup, type: TEXT, runnable: true, data: "#!/bin/sh"}]
                    referenceRuntime: [sessionDirectory, freshEmbeddedFiles]
                  plain:
                    variables: {B: "1"}
                processes:
                  p: {command: [x], environment: [w, tools, files, plain]}
                """);

        assertThat(p.environments().get("w").referenceRuntime()).containsExactlyInAnyOrder(
                ReferenceBehaviour.TASK_VARIABLES, ReferenceBehaviour.CANCEL_SIGNALS,
                ReferenceBehaviour.MASK_TASK_OUTPUT);
        assertThat(p.environments().get("tools").referenceRuntime()).containsExactly(
                ReferenceBehaviour.MASK_TASK_OUTPUT);
        assertThat(p.environments().get("files").referenceRuntime()).containsExactlyInAnyOrder(
                ReferenceBehaviour.SESSION_DIRECTORY, ReferenceBehaviour.FRESH_EMBEDDED_FILES);
        assertThat(p.environments().get("plain").referenceRuntime()).as("sluice's way by default").isEmpty();
    }

    @Test
    void anUnknownBehaviourSuggestsTheClosestAndListsThemAll() {
        Problem p = onlyProblem(dir, """
                environments:
                  e:
                    variables: {A: "1"}
                    referenceRuntime: [maskTaskOutputs]
                processes:
                  p: {command: [x], environment: e}
                """);

        assertThat(p.location()).isEqualTo(at(4, 24));
        assertThat(p.field()).isEqualTo("environments.e.referenceRuntime[0]");
        assertThat(p.message()).isEqualTo("unknown behaviour 'maskTaskOutputs'; did you mean 'maskTaskOutput'?;"
                + " sluice can run as the reference runtime does for taskVariables, cancelSignals, maskTaskOutput,"
                + " sessionDirectory, freshEmbeddedFiles"
                + " (see docs/user-guide/environments.md, Differences from the reference runtime)");
    }

    @Test
    void taskVariablesOnAnEnvironmentThatDoesNotWrapSaysWhereItBelongs() {
        Problem p = onlyProblem(dir, """
                environments:
                  e:
                    variables: {A: "1"}
                    referenceRuntime: taskVariables
                processes:
                  p: {command: [x], environment: e}
                """);

        assertThat(p.location()).isEqualTo(at(4, 23));
        assertThat(p.field()).isEqualTo("environments.e.referenceRuntime");
        assertThat(p.message()).contains("this environment does not wrap")
                .contains("list taskVariables on the wrapping environment its tasks run in");
    }

    @Test
    void freshEmbeddedFilesWithoutAFileThatHasARandomNameSaysWhy() {
        Problem none = onlyProblem(dir, """
                environments:
                  e:
                    variables: {A: "1"}
                    referenceRuntime: [sessionDirectory, freshEmbeddedFiles]
                processes:
                  p: {command: [x], environment: e}
                """);
        assertThat(none.location()).isEqualTo(at(4, 42));
        assertThat(none.field()).isEqualTo("environments.e.referenceRuntime[1]");
        assertThat(none.message()).isEqualTo("freshEmbeddedFiles gives new random names to embedded files without a"
                + " filename, and this environment has no embedded files: remove freshEmbeddedFiles, or remove the"
                + " filename of the files that should get new names");

        Problem named = onlyProblem(dir, """
                environments:
                  e:
                    script:
                      actions: {onEnter: {command: "{{ Env.File.Setup }}"}}
                      embeddedFiles: [{name: Setup, type: TEXT, runnable: true, filename: setup.sh, data: "#!/bin/sh"}]
                    referenceRuntime: freshEmbeddedFiles
                processes:
                  p: {command: [x], environment: e}
                """);
        assertThat(named.location()).isEqualTo(at(6, 23));
        assertThat(named.message()).contains("this environment has none without one (a file with a filename is"
                + " rewritten at the same path before every action as it is)");
    }

    @Test
    void aBehaviourListedTwiceAnEmptyListAndAMapAreEachReported() {
        assertThat(onlyProblem(dir, """
                environments:
                  e: {variables: {A: "1"}, referenceRuntime: [cancelSignals, cancelSignals]}
                processes:
                  p: {command: [x], environment: e}
                """).message()).isEqualTo("'cancelSignals' is listed twice; list each behaviour once");
        assertThat(onlyProblem(dir, """
                environments:
                  e: {variables: {A: "1"}, referenceRuntime: []}
                processes:
                  p: {command: [x], environment: e}
                """).message()).startsWith("the list is empty; name what to run as the reference runtime does");
        assertThat(onlyProblem(dir, """
                environments:
                  e: {variables: {A: "1"}, referenceRuntime: {cancelSignals: true}}
                processes:
                  p: {command: [x], environment: e}
                """).message()).startsWith("expected a list, e.g. [taskVariables, cancelSignals, maskTaskOutput,"
                + " sessionDirectory, freshEmbeddedFiles]");
    }

    @Test
    void inATemplateFileTheFieldIsRefusedAndSentToThePipeline() {
        write(dir, "envs/t.yaml", """
                specificationVersion: environment-2023-09
                environment:
                  name: T
                  variables: {A: "1"}
                  referenceRuntime: [cancelSignals]
                """);
        Problem p = onlyProblem(dir, """
                environments:
                  t: {template: envs/t.yaml}
                processes:
                  p: {command: [x], environment: t}
                """);

        assertThat(p.location().file()).isEqualTo(dir.resolve("envs/t.yaml"));
        assertThat(p.field()).isEqualTo("environment.referenceRuntime");
        assertThat(p.message()).contains("belongs in the pipeline, next to template:");
    }
}
