package dev.sluice.host.pipeline;

import static dev.sluice.host.pipeline.EnvFiles.copyFixture;
import static dev.sluice.host.pipeline.EnvFiles.load;
import static dev.sluice.host.pipeline.EnvFiles.onlyProblem;
import static dev.sluice.host.pipeline.EnvFiles.problems;
import static dev.sluice.host.pipeline.EnvFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.openjd.model.EnvironmentLoader;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Problems of template files and of the pipeline's references to them. */
class EnvironmentTemplateProblemsTest {
    @TempDir
    Path dir;

    private static final String PARAMS_TEMPLATE = """
            specificationVersion: environment-2023-09
            parameterDefinitions:
              - {name: Env, type: STRING, allowedValues: [base, ml]}
              - {name: Threads, type: INT, default: 4, minValue: 1, maxValue: 64}
              - {name: Scale, type: FLOAT, default: "1.0", minValue: 0.5, maxValue: 2}
            environment:
              name: Tool
              variables: {TOOL_ENV: "{{ Param.Env }}", THREADS: "{{ Param.Threads }}", SCALE: "{{ Param.Scale }}"}
            """;

    private static String usingTemplate(String reference) {
        return "environments:\n  tool: " + reference + "\nprocesses:\n  p: {command: [x], environment: tool}\n";
    }

    @Test
    void missingRequiredParameterIsReportedAtTheReference() {
        write(dir, "envs/tool.yaml", PARAMS_TEMPLATE);

        Problem p = onlyProblem(dir, usingTemplate("{template: envs/tool.yaml}"));

        assertThat(p.location()).isEqualTo(new Location(dir.resolve("p.yaml"), 2, 3));
        assertThat(p.field()).isEqualTo("environments.tool.parameters.Env");
        assertThat(p.message()).isEqualTo("parameter 'Env' of template " + dir.resolve("envs/tool.yaml")
                + " has no default and no value; give it one: parameters: {Env: <value>}");
    }

    @Test
    void unknownAndBadParameterValuesAreReported() {
        write(dir, "envs/tool.yaml", PARAMS_TEMPLATE);

        List<Problem> problems = problems(dir, usingTemplate(
                "{template: envs/tool.yaml, parameters: {Env: gpu, Threds: 8, Threads: many}}"));

        assertThat(problems).extracting(Problem::message).containsExactly(
                "'gpu' is not one of parameter 'Env''s allowedValues base, ml; give a value that fits",
                "template " + dir.resolve("envs/tool.yaml") + " has no parameter 'Threds'; did you mean 'Threads'?",
                "'many' is not a whole number, and parameter 'Threads' is an INT; give a value that fits");
    }

    @Test
    void intValueOutOfRangeIsReported() {
        write(dir, "envs/tool.yaml", PARAMS_TEMPLATE);

        Problem p = onlyProblem(dir, usingTemplate("{template: envs/tool.yaml, parameters: {Env: ml, Threads: 65}}"));

        assertThat(p.message()).isEqualTo("65 is more than parameter 'Threads''s maxValue 64; give a value that fits");
    }

    @Test
    void floatValuesAreCheckedAsIntsAreWithTheirPlaceAndTheFix() {
        write(dir, "envs/tool.yaml", PARAMS_TEMPLATE);

        List<Problem> problems = problems(dir, usingTemplate(
                "{template: envs/tool.yaml, parameters: {Env: ml, Scale: 2.05}}"));
        Problem big = problems.getFirst();
        assertThat(problems).hasSize(1);
        assertThat(big.location()).isEqualTo(new Location(dir.resolve("p.yaml"), 2, 65));
        assertThat(big.field()).isEqualTo("environments.tool.parameters.Scale");
        assertThat(big.message()).isEqualTo("2.05 is more than parameter 'Scale''s maxValue 2; give a value that fits");

        assertThat(onlyProblem(dir, usingTemplate("{template: envs/tool.yaml, parameters: {Env: ml, Scale: half}}"))
                .message()).isEqualTo("'half' is not a decimal number such as 2.5, -1 or 1e-3, and parameter 'Scale'"
                        + " is a FLOAT; give a value that fits");
        assertThat(load(dir, usingTemplate("{template: envs/tool.yaml, parameters: {Env: ml, Scale: 2.0}}"))
                .environments().get("tool").parameters().get("Scale").value()).isEqualTo("2.0");
    }

    @Test
    void defaultThatBreaksItsOwnConstraintsIsReportedInTheTemplate() {
        Path template = write(dir, "envs/tool.yaml", """
                specificationVersion: environment-2023-09
                parameterDefinitions:
                  - {name: Name, type: STRING, maxLength: 3, default: toolong}
                environment: {name: Tool, variables: {N: "{{ Param.Name }}"}}
                """);

        Problem p = onlyProblem(dir, usingTemplate("{template: envs/tool.yaml}"));

        assertThat(p.location().file()).isEqualTo(template);
        assertThat(p.location().line()).isEqualTo(3);
        assertThat(p.field()).isEqualTo("parameterDefinitions[0].default");
        assertThat(p.message()).startsWith("the default does not fit: 'toolong' is longer than parameter 'Name''s"
                + " maxLength 3");
    }

    @Test
    void parameterDefinitionFieldsAreCheckedByType() {
        write(dir, "envs/tool.yaml", """
                specificationVersion: environment-2023-09
                parameterDefinitions:
                  - {name: A, type: INT, minLength: 1}
                  - {name: B, type: FLOAT, maxLength: 3}
                  - {name: 9C, type: STRING}
                  - {name: A, type: STRING, default: x}
                environment: {name: Tool, variables: {X: "1"}}
                """);

        List<Problem> problems = problems(dir, usingTemplate("{template: envs/tool.yaml}"));

        assertThat(problems).extracting(Problem::field).containsExactly(
                "parameterDefinitions[0].minLength", "parameterDefinitions[1].maxLength",
                "parameterDefinitions[2].name", "parameterDefinitions[3].name");
        assertThat(problems.get(0).message()).isEqualTo("minLength does not apply to a INT parameter; remove it");
        assertThat(problems.get(1).message()).isEqualTo("maxLength does not apply to a FLOAT parameter; remove it");
        assertThat(problems.get(3).message()).startsWith("parameter 'A' is already defined at line 3");
    }

    @Test
    void undeclaredParameterInATemplateListsTheDeclaredOnes() {
        write(dir, "envs/tool.yaml", """
                specificationVersion: environment-2023-09
                parameterDefinitions: [{name: Image, type: STRING, default: x}]
                environment:
                  name: Tool
                  script: {actions: {onEnter: {command: run, args: ["{{ Param.Imag }}"]}}}
                """);

        Problem p = onlyProblem(dir, usingTemplate("{template: envs/tool.yaml}"));

        assertThat(p.field()).isEqualTo("environment.script.actions.onEnter.args[0]");
        assertThat(p.message()).startsWith("column 4: variable 'Param.Imag' is not defined in onEnter of environment"
                + " 'Tool'; defined there: Param.Image");
    }

    @Test
    void missingTemplateFileIsReportedAtTheReference() {
        Problem p = onlyProblem(dir, usingTemplate("{template: envs/nope.yaml}"));

        assertThat(p.location()).isEqualTo(new Location(dir.resolve("p.yaml"), 2, 20));
        assertThat(p.field()).isEqualTo("environments.tool.template");
        assertThat(p.message()).startsWith("no such file: " + dir.resolve("envs/nope.yaml"))
                .endsWith("; the template path is relative to the pipeline file's directory");
    }

    @Test
    void jobTemplateIsNotAnEnvironmentTemplate() {
        write(dir, "envs/job.yaml", """
                specificationVersion: jobtemplate-2023-09
                name: Job
                steps: []
                """);

        List<Problem> problems = problems(dir, usingTemplate("{template: envs/job.yaml}"));

        assertThat(problems).extracting(Problem::message).contains(
                "'jobtemplate-2023-09' is not an environment template version (this is a job template); sluice reads"
                        + " specificationVersion: environment-2023-09",
                "unknown field 'steps'; steps belong to a job template; sluice reads environment templates");
    }

    @Test
    void extensionsInsideTheEnvironmentObjectSayWhereTheyBelong() {
        write(dir, "envs/tool.yaml", """
                specificationVersion: environment-2023-09
                environment:
                  name: Tool
                  extensions: [EXPR]
                  variables: {X: "1"}
                """);

        Problem p = onlyProblem(dir, usingTemplate("{template: envs/tool.yaml}"));

        assertThat(p.field()).isEqualTo("environment.extensions");
        assertThat(p.message()).isEqualTo("unknown field 'extensions'; extensions belong at the top of the template,"
                + " next to specificationVersion");
    }

    @Test
    void templateReferencedTwiceReportsItsProblemsOnce() {
        write(dir, "envs/tool.yaml", """
                specificationVersion: environment-2023-09
                environment: {name: Tool, variables: {1X: "1"}}
                """);

        List<Problem> problems = problems(dir, """
                environments:
                  a: {template: envs/tool.yaml}
                  b: {template: envs/tool.yaml}
                processes:
                  p: {command: [x], environment: [a, b]}
                """);

        assertThat(problems).extracting(Problem::field).containsExactly("environment.variables.1X");
    }

    @Test
    void templateReferenceWithInlineFieldsIsRejected() {
        copyFixture(dir, "conda.yaml");

        Problem p = onlyProblem(dir, usingTemplate("{template: envs/conda.yaml, script: {}}"));

        assertThat(p.message()).startsWith("unknown field 'script'; an environment is a template reference");
    }

    /**
     * A template loaded alone has no reference to point at: a missing or unfitting value is named at
     * the parameter's definition, with a line (found by the property tests, issue 16: it had none).
     */
    @Test
    void loadTemplateAloneReportsParameterProblemsAtTheirDefinition() {
        Path file = write(dir, "tool.yaml", PARAMS_TEMPLATE);

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> EnvironmentLoader.loadTemplate(file, Map.of("Threads", "8")));
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.location()).isEqualTo(new Location(file, 3, 5));
            assertThat(p.message()).startsWith("parameter 'Env' of template " + file + " has no default");
        });

        e = catchThrowableOfType(InvalidInputException.class,
                () -> EnvironmentLoader.loadTemplate(file, Map.of("Env", "base", "Threads", "99")));
        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.location()).isEqualTo(
                new Location(file, 4, 5)));

        e = catchThrowableOfType(InvalidInputException.class,
                () -> EnvironmentLoader.loadTemplate(file, Map.of("Env", "base", "Nope", "1")));
        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.location().line()).isEqualTo(6));
    }
}
