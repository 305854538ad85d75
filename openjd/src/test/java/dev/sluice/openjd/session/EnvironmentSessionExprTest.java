package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.spi.TaskException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EXPR in a running session: let bindings, path-typed session values and path operations, FLOAT
 * parameters as floats (issue 18).
 */
class EnvironmentSessionExprTest {
    @TempDir
    Path dir;

    @Test
    void letBindingsAreEvaluatedOnceWhenEnteredAndUsedByActionsAndEmbeddedFiles() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  setup:
                    extensions: [EXPR]
                    script:
                      let:
                        - "out = Session.WorkingDirectory / 'work dir'"
                        - "log = out / 'setup.log'"
                        - "names = [out.name, log.stem, log.suffix, log.parent.name]"
                      embeddedFiles:
                        - name: Enter
                          type: TEXT
                          data: |
                            mkdir -p {{ repr_sh(out) }}
                            echo {{ repr_sh(names.join(',')) }} > {{ repr_sh(log) }}
                            echo {{ repr_sh(Env.File.Enter.name) }} >> {{ repr_sh(log) }}
                      actions:
                        onEnter: {command: bash, args: ["{{ Env.File.Enter }}"]}
                processes:
                  p: {command: [x], environment: setup}
                """)) {
            rig.enter("p");

            // A file without a filename gets a random name, as in OpenJD.
            assertThat(rig.lines("work dir/setup.log")).hasSize(2).startsWith("work dir,setup,.log,work dir");
            assertThat(rig.lines("work dir/setup.log").get(1)).matches("file-[0-9a-f]{16}");
            rig.session.exitAll();
        }
    }

    @Test
    void aFloatParameterIsShownAsWrittenAndIsAFloatInExpressions() throws Exception {
        SessionRig.write(dir, "envs/render.yaml", """
                specificationVersion: environment-2023-09
                extensions: [EXPR]
                parameterDefinitions:
                  - {name: Scale, type: FLOAT, default: 1.50, minValue: 0.25}
                  - {name: Frames, type: INT, default: 3}
                environment:
                  name: Render
                  script:
                    let:
                      - "half = Param.Scale / 2"
                    actions:
                      onEnter:
                        command: bash
                        args: [-c, "echo openjd_env: DOUBLED={{ repr_sh(Param.Scale * 2) }}; echo openjd_env: HALF={{ half }}"]
                  variables:
                    SCALE: "{{ Param.Scale }}"
                    RAW: "{{ RawParam.Scale }}"
                    BIG: "{{ 'yes' if Param.Scale > 1 else 'no' }}"
                    TOTAL: "{{ Param.Scale * Param.Frames }}"
                """);
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  render: {template: envs/render.yaml, parameters: {Scale: "3.500"}}
                processes:
                  p: {command: [x], environment: render}
                """)) {
            rig.enter("p");

            assertThat(rig.launch("p", java.util.List.of("x"), java.util.Map.of()).command().environment())
                    .containsEntry("SCALE", "3.500").containsEntry("RAW", "3.500").containsEntry("HALF", "1.75")
                    .containsEntry("BIG", "yes").containsEntry("TOTAL", "10.5").containsEntry("DOUBLED", "7.0");
            rig.session.exitAll();
        }
    }

    @Test
    void aLetBindingThatFailsStopsTheEnterWithTheBindingsMessage() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  setup:
                    extensions: [EXPR]
                    script:
                      let:
                        - "bad = Session.WorkingDirectory.with_suffix('_x')"
                      actions:
                        onEnter: {command: bash, args: [-c, "echo {{ bad }}"]}
                processes:
                  p: {command: [x], environment: setup}
                """)) {
            TaskException e = catchThrowableOfType(TaskException.class, () -> rig.enter("p"));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("environment 'setup'").contains("could not be entered")
                    .contains("invalid suffix '_x'").contains("bad = Session.WorkingDirectory");
        }
    }
}
