package dev.sluice.openjd.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.Cancelation;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real OpenJD environment templates are read unchanged, alone; the host's {@code
 * PipelineEnvironmentTemplatesTest} reads them from a pipeline.
 */
class EnvironmentTemplateFixturesTest {
    @Test
    void condaTemplateKeepsItsActionsFilesVariablesAndParameterDefaults() throws Exception {
        EnvironmentDef conda = EnvironmentLoader.loadTemplate(fixture("conda.yaml"), Map.of());

        assertThat(conda.name()).isEqualTo("Conda");
        assertThat(conda.templateFile()).contains(fixture("conda.yaml"));
        assertThat(conda.description()).hasValueSatisfying(d -> assertThat(d).startsWith("Activates"));
        assertThat(conda.extensions()).isEmpty();
        assertThat(conda.wrapStyle()).isEqualTo(WrapStyle.NONE);
        assertThat(conda.parameters().values()).containsExactly(
                new ParameterValue("CondaEnv", ParameterType.STRING, "base"),
                new ParameterValue("CondaRoot", ParameterType.PATH, "/opt/conda"),
                new ParameterValue("Retries", ParameterType.INT, "2"));

        ActionDef enter = conda.onEnter().orElseThrow();
        assertThat(enter.command().text()).isEqualTo("bash");
        assertThat(enter.args()).extracting(FormatString::text)
                .containsExactly("{{ Env.File.Enter }}", "{{ Param.CondaEnv }}");
        assertThat(enter.timeout()).contains(Duration.ofSeconds(900));
        assertThat(enter.resolveCancelation(ActionKind.ENVIRONMENT_ENTER))
                .isEqualTo(Cancelation.notifyThenTerminate(Duration.ofSeconds(60)));
        assertThat(enter.location().line()).isEqualTo(29);

        ActionDef exit = conda.onExit().orElseThrow();
        assertThat(exit.timeout()).isEmpty();
        assertThat(exit.resolveTimeout(ActionKind.ENVIRONMENT_EXIT)).contains(Duration.ofSeconds(300));
        assertThat(exit.resolveCancelation(ActionKind.ENVIRONMENT_EXIT)).isEqualTo(Cancelation.terminate());

        assertThat(conda.embeddedFiles()).extracting(EmbeddedFileDef::name).containsExactly("Enter", "Exit");
        EmbeddedFileDef enterFile = conda.embeddedFile("Enter").orElseThrow();
        assertThat(enterFile.filename()).contains("enter.sh");
        assertThat(enterFile.runnable()).isTrue();
        assertThat(enterFile.data().text()).contains("echo \"openjd_env: CONDA_PREFIX=$CONDA_PREFIX\"");
        assertThat(conda.embeddedFile("Exit").orElseThrow().runnable()).isFalse();

        assertThat(conda.variables().keySet()).containsExactly("PYTHONNOUSERSITE", "CONDA_ENV_NAME");
        assertThat(conda.variables().get("CONDA_ENV_NAME")
                .evaluate(Values.builder().put("Param.CondaEnv", Value.of("ml")).build())).isEqualTo("ml");
        assertThat(conda.monitor()).isEmpty();
    }

    @Test
    void wrapTaskRunTemplateWrapsTasksWithTheDraftNames() throws Exception {
        EnvironmentDef wrapper = EnvironmentLoader.loadTemplate(fixture("wrap-task-run.yaml"), Map.of());

        assertThat(wrapper.extensions()).containsExactly(Extension.WRAP_TASK_RUN);
        assertThat(wrapper.wrapStyle()).isEqualTo(WrapStyle.WRAP_TASK_RUN);
        assertThat(wrapper.wraps()).isTrue();
        assertThat(wrapper.onWrapEnvEnter()).isEmpty();
        assertThat(wrapper.onWrapEnvExit()).isEmpty();
        ActionDef hook = wrapper.onWrapTaskRun().orElseThrow();
        assertThat(hook.args()).extracting(FormatString::text)
                .containsExactly("{{ Env.File.Run }}", "{{ Task.Command }}", "{{ Task.Args }}");
        assertThat(hook.timeout()).contains(Duration.ofSeconds(3600));
        assertThat(wrapper.onExit().orElseThrow().cancelation())
                .contains(new CancelationDef(Cancelation.Mode.TERMINATE, java.util.Optional.empty()));
    }

    @Test
    void monitoredTemplateInJsonHasItsHealthCheck() throws Exception {
        EnvironmentDef server = EnvironmentLoader.loadTemplate(fixture("monitored.json"), Map.of("Port", "27000"));

        assertThat(server.name()).isEqualTo("LicenseServer");
        assertThat(server.extensions()).containsExactly(Extension.SLUICE_MONITOR);
        assertThat(server.parameters().get("Port")).isEqualTo(new ParameterValue("Port", ParameterType.INT, "27000"));
        MonitorDef monitor = server.monitor().orElseThrow();
        assertThat(monitor.period()).isEqualTo(Duration.ofSeconds(30));
        assertThat(monitor.onFailure()).isEqualTo(MonitorDef.OnFailure.TERMINATE);
        assertThat(monitor.failureThreshold()).isEqualTo(3);
        assertThat(monitor.action().command().text()).isEqualTo("lmstat");
        assertThat(monitor.action().timeout()).contains(Duration.ofSeconds(10));
        assertThat(server.onExit().orElseThrow().timeout()).contains(Duration.ofSeconds(60));
    }

    /** A fixture under {@code src/test/resources/env}. */
    static Path fixture(String name) {
        try {
            return Path.of(EnvironmentTemplateFixturesTest.class.getResource("/env/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
