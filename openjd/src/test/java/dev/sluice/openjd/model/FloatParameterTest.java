package dev.sluice.openjd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FLOAT parameters of an environment template, as the 2023-09 template schema defines
 * {@code <JobFloatParameterDefinition>}: default, allowedValues, minValue and maxValue written as
 * numbers or as strings of decimals; which definitions and which values are refused, and where.
 */
class FloatParameterTest {
    @TempDir
    Path dir;

    private static final String SCALE = """
            specificationVersion: environment-2023-09
            parameterDefinitions:
              - name: Scale
                type: FLOAT
                description: resolution scale
                default: 1.50
                minValue: 0.25
                maxValue: "4"
                userInterface: {control: SPIN_BOX, decimals: 2, singleStepDelta: 0.25}
              - name: Gamma
                type: FLOAT
                allowedValues: [1, "2.2", 2.4e0]
            environment:
              name: Render
              variables: {SCALE: "{{ Param.Scale }}", GAMMA: "{{ RawParam.Gamma }}"}
            """;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private EnvironmentDef load(String template, Map<String, String> values) throws Exception {
        return EnvironmentLoader.loadTemplate(write("env.yaml", template), values);
    }

    /** Problems of a template loaded alone, each as {@code line:column: field: message}. */
    private List<String> templateProblems(String template) throws Exception {
        Path file = write("env.yaml", template);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> EnvironmentLoader.checkTemplate(file));
        assertThat(e).as("the template is refused").isNotNull();
        return e.problems().stream().map(p -> p.location().line() + ":" + p.location().column() + ": " + p.field()
                + ": " + p.message()).toList();
    }

    /** The problems of a pipeline whose environment {@code render} is env.yaml with these parameters. */
    private List<Problem> pipelineProblems(String parameters) throws Exception {
        write("envs/env.yaml", SCALE);
        Path pipeline = write("p.yaml", "environments:\n  render: {template: envs/env.yaml, parameters: "
                + parameters + "}\n");
        Problems problems = new Problems();
        YamlNode root = YamlReader.read(pipeline, "pipeline file", problems);
        new EnvironmentLoader(pipeline, problems).read(((YamlNode.Mapping) root).entries().get("environments").value(),
                "environments");
        return problems.list();
    }

    @Test
    void aFloatDefinitionLoadsWithNumbersAndStringsOfDecimals() throws Exception {
        List<ParameterDef> defs = EnvironmentLoader.checkTemplate(write("env.yaml", SCALE)).parameters();

        ParameterDef scale = defs.get(0);
        assertThat(scale.type()).isEqualTo(ParameterType.FLOAT);
        assertThat(scale.defaultValue()).contains("1.50");
        assertThat(scale.minValue()).contains(new BigDecimal("0.25"));
        assertThat(scale.maxValue()).contains(new BigDecimal("4"));
        assertThat(defs.get(1).allowedValues()).containsExactly("1", "2.2", "2.4e0");
        assertThat(defs.get(1).defaultValue()).isEmpty();
    }

    @Test
    void valuesAreBoundAsWrittenAndShownSoInFormatStrings() throws Exception {
        EnvironmentDef env = load(SCALE, Map.of("Gamma", " 2.20 "));

        assertThat(env.parameters().get("Scale")).isEqualTo(new ParameterValue("Scale", ParameterType.FLOAT, "1.50"));
        assertThat(env.parameters().get("Gamma").value()).as("spaces around it go, the digits stay").isEqualTo("2.20");
    }

    @Test
    void valuesCompareByTheirExactDecimalValue() {
        ParameterDef gamma = new ParameterDef("Gamma", ParameterType.FLOAT, Optional.empty(), List.of("1", "2.2"),
                Optional.empty(), Optional.empty(), Optional.of(new BigDecimal("0.3")), Optional.of(new BigDecimal("2.2")),
                new Location(Path.of("env.yaml"), 1, 1));

        assertThat(gamma.violation("1.000")).as("1.000 is the allowed 1").isEmpty();
        assertThat(gamma.violation("2.2e0")).isEmpty();
        assertThat(gamma.violation("1e0")).isEmpty();
        assertThat(gamma.violation("2.2000000000000001")).as("the same double as 2.2, but more than it")
                .contains("2.2000000000000001 is more than parameter 'Gamma''s maxValue 2.2");
        assertThat(gamma.violation("0.29999999999999999"))
                .contains("0.29999999999999999 is less than parameter 'Gamma''s minValue 0.3");
        assertThat(gamma.violation("1.5")).contains("1.5 is not one of parameter 'Gamma''s allowedValues 1, 2.2");
    }

    @Test
    void aWholeNumberIsAFloatValueAndABoundOfZeroCounts() {
        ParameterDef ratio = new ParameterDef("Ratio", ParameterType.FLOAT, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.of(BigDecimal.ZERO), Optional.empty(),
                new Location(Path.of("env.yaml"), 1, 1));

        assertThat(ratio.violation("3")).isEmpty();
        assertThat(ratio.violation("0")).isEmpty();
        assertThat(ratio.violation("-0.001")).contains("-0.001 is less than parameter 'Ratio''s minValue 0");
    }

    @Test
    void aTinyBoundIsShownShortly() {
        ParameterDef tiny = new ParameterDef("Eps", ParameterType.FLOAT, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.of(ParameterDef.decimal("1e-999999999")), Optional.empty(),
                new Location(Path.of("env.yaml"), 1, 1));

        assertThat(tiny.violation("0")).contains("0 is less than parameter 'Eps''s minValue 1E-999999999");
        assertThat(tiny.violation("1e-5")).isEmpty();
    }

    @Test
    void pipelineValuesAreCheckedAtTheirPlaceWithTheFix() throws Exception {
        Path pipeline = dir.resolve("p.yaml");
        List<Problem> problems = pipelineProblems("{Scale: 0.1, Gamma: many}");

        assertThat(problems).extracting(Problem::field).containsExactly("environments.render.parameters.Scale",
                "environments.render.parameters.Gamma");
        assertThat(problems).extracting(Problem::location).containsExactly(new Location(pipeline, 2, 57),
                new Location(pipeline, 2, 69));
        assertThat(problems).extracting(Problem::message).containsExactly(
                "0.1 is less than parameter 'Scale''s minValue 0.25; give a value that fits",
                "'many' is not a decimal number such as 2.5, -1 or 1e-3, and parameter 'Gamma' is a FLOAT; give a"
                        + " value that fits");
    }

    @Test
    void pipelineValuesBeyondTheBoundsOrTheAllowedOnesAreRefused() throws Exception {
        assertThat(pipelineProblems("{Scale: \"4.0001\", Gamma: 2.4}")).extracting(Problem::message).containsExactly(
                "4.0001 is more than parameter 'Scale''s maxValue 4; give a value that fits");
        assertThat(pipelineProblems("{Gamma: 2.5}")).extracting(Problem::message).containsExactly(
                "2.5 is not one of parameter 'Gamma''s allowedValues 1, 2.2, 2.4e0; give a value that fits");
        assertThat(pipelineProblems("{Gamma: .nan}")).extracting(Problem::message).containsExactly(
                "'.nan' is not a decimal number such as 2.5, -1 or 1e-3, and parameter 'Gamma' is a FLOAT; give a"
                        + " value that fits");
        assertThat(pipelineProblems("{Gamma: inf}")).extracting(Problem::message).containsExactly(
                "'inf' is not a finite number (OpenJD expressions have no infinity or NaN), and parameter 'Gamma' is"
                        + " a FLOAT; give a value that fits");
        assertThat(pipelineProblems("{Gamma: 2.4}")).isEmpty();
    }

    @Test
    void fieldsOfOtherTypesAndBadBoundsAreRefusedInTheDefinition() throws Exception {
        assertThat(templateProblems("""
                specificationVersion: environment-2023-09
                parameterDefinitions:
                  - {name: A, type: FLOAT, minLength: 1, objectType: FILE}
                  - {name: B, type: FLOAT, minValue: low, maxValue: 1e999}
                  - {name: C, type: FLOAT, minValue: 2.5, maxValue: "2.50"}
                  - {name: D, type: FLOAT, minValue: 3, maxValue: 2.5}
                environment: {name: Bad, variables: {X: "1"}}
                """)).containsExactly(
                "3:28: parameterDefinitions[0].minLength: minLength does not apply to a FLOAT parameter; remove it",
                "3:42: parameterDefinitions[0].objectType: objectType does not apply to a FLOAT parameter; remove it",
                "4:38: parameterDefinitions[1].minValue: 'low' is not a decimal number such as 2.5, -1 or 1e-3; write"
                        + " e.g. minValue: 0.5",
                "4:53: parameterDefinitions[1].maxValue: '1e999' is beyond the largest float, about 1.8e+308; write"
                        + " e.g. maxValue: 0.5",
                "6:51: parameterDefinitions[3].maxValue: maxValue 2.5 is less than minValue 3; raise maxValue or lower"
                        + " minValue");
    }

    @Test
    void allowedValuesAndTheDefaultMustFitTheBounds() throws Exception {
        assertThat(templateProblems("""
                specificationVersion: environment-2023-09
                parameterDefinitions:
                  - {name: A, type: FLOAT, minValue: 0, maxValue: 1, allowedValues: [0.5, "1.5", x], default: 0.5}
                  - {name: B, type: FLOAT, allowedValues: [0.5, 1], default: 0.75}
                environment: {name: Bad, variables: {X: "1"}}
                """)).containsExactly(
                "3:75: parameterDefinitions[0].allowedValues[1]: 1.5 is more than parameter 'A''s maxValue 1; fix or"
                        + " remove the value",
                "3:82: parameterDefinitions[0].allowedValues[2]: 'x' is not a decimal number such as 2.5, -1 or 1e-3,"
                        + " and parameter 'A' is a FLOAT; fix or remove the value",
                "4:62: parameterDefinitions[1].default: the default does not fit: 0.75 is not one of parameter 'B''s"
                        + " allowedValues 0.5, 1; change the default");
    }

    @Test
    void aTypeOtherThanTheFourIsRefusedNamingThem() throws Exception {
        assertThat(templateProblems("""
                specificationVersion: environment-2023-09
                parameterDefinitions: [{name: A, type: DOUBLE}]
                environment: {name: Bad, variables: {X: "1"}}
                """)).containsExactly("2:40: parameterDefinitions[0].type: 'DOUBLE' is not a parameter type; write"
                + " STRING, INT, FLOAT or PATH");
    }
}
