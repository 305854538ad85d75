package dev.sluice.host.pipeline;

import static dev.sluice.host.pipeline.EnvFiles.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.Extension;
import dev.sluice.openjd.model.MonitorDef;
import dev.sluice.openjd.model.WrapStyle;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inline definitions in the pipeline's environments: map. */
class InlineEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void inlineDefinitionHasTheShapeOfAnOpenJdEnvironment() {
        Pipeline p = load(dir, """
                environments:
                  tools:
                    name: tools
                    description: Puts the tools on the PATH.
                    variables: {TOOLS: /opt/tools, MODE: fast}
                    script:
                      actions:
                        onEnter: {command: bash, args: ["{{ Env.File.Setup }}", "--dir={{ Session.WorkingDirectory }}"]}
                      embeddedFiles:
                        - {name: Setup, type: TEXT, data: "echo 'openjd_env: PATH=/opt/tools/bin:/usr/bin:/bin'"}
                processes:
                  p: {command: [x], environment: tools}
                  q: {command: [y]}
                """);

        EnvironmentDef tools = p.environments().get("tools");
        assertThat(tools.templateFile()).isEmpty();
        assertThat(tools.parameters()).isEmpty();
        assertThat(tools.description()).contains("Puts the tools on the PATH.");
        assertThat(tools.variables()).containsOnlyKeys("TOOLS", "MODE");
        assertThat(tools.onEnter().orElseThrow().args()).extracting(FormatString::text)
                .containsExactly("{{ Env.File.Setup }}", "--dir={{ Session.WorkingDirectory }}");
        assertThat(tools.onExit()).isEmpty();
        assertThat(tools.wrapStyle()).isEqualTo(WrapStyle.NONE);
        assertThat(p.processes().get("p").environments()).containsExactly("tools");
        assertThat(p.processes().get("q").environments()).isEmpty();
    }

    @Test
    void wrapActionsWrapperWithAPlainEnvironmentInsideIsOneWrappingLayer() {
        Pipeline p = load(dir, """
                environments:
                  docker:
                    extensions: [WRAP_ACTIONS, EXPR]
                    script:
                      actions:
                        onEnter: {command: docker, args: [start, c]}
                        onWrapEnvEnter: {command: docker, args: [exec, c, "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapTaskRun:
                          command: docker
                          args: [exec, c, "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]
                          cancelation: {mode: NOTIFY_THEN_TERMINATE}
                        onWrapEnvExit: {command: docker, args: [exec, c, "{{ WrappedEnv.Name }}"]}
                  conda: {variables: {CONDA_ENV: base}}
                processes:
                  p: {command: [x], environment: [docker, conda]}
                """);

        EnvironmentDef docker = p.environments().get("docker");
        assertThat(docker.wrapStyle()).isEqualTo(WrapStyle.WRAP_ACTIONS);
        assertThat(docker.extensions()).containsExactlyInAnyOrder(Extension.WRAP_ACTIONS, Extension.EXPR);
        assertThat(docker.onWrapTaskRun().orElseThrow().cancelation().orElseThrow().notifyPeriod()).isEmpty();
        assertThat(p.processes().get("p").environments()).containsExactly("docker", "conda");
    }

    @Test
    void monitoredInlineEnvironmentDefaultsToLoggingAfterOneFailure() {
        Pipeline p = load(dir, """
                environments:
                  db:
                    extensions: [SLUICE_MONITOR]
                    onMonitor:
                      command: {command: pg_isready, args: [-q]}
                      period: 15
                processes:
                  p: {command: [x], environment: db}
                """);

        MonitorDef monitor = p.environments().get("db").monitor().orElseThrow();
        assertThat(monitor.period()).isEqualTo(Duration.ofSeconds(15));
        assertThat(monitor.onFailure()).isEqualTo(MonitorDef.OnFailure.LOG);
        assertThat(monitor.failureThreshold()).isEqualTo(1);
        assertThat(monitor.action().command().text()).isEqualTo("pg_isready");
    }
}
