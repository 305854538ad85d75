package dev.sluice.openjd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.yaml.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code script.let} in an environment template (OpenJD RFC 0005, EXPR): what loads and what is refused. */
class EnvironmentLetTest {
    @TempDir
    Path dir;

    private EnvironmentDef load(String extensions, String let, String arg) throws Exception {
        Path file = dir.resolve("env.yaml");
        Files.writeString(file, """
                specificationVersion: environment-2023-09
                %s
                parameterDefinitions:
                  - {name: OutDir, type: PATH, default: /out}
                environment:
                  name: Setup
                  script:
                    let:
                %s
                    actions:
                      onEnter: {command: echo, args: ["%s"]}
                """.formatted(extensions, let.indent(6).stripTrailing(), arg));
        return EnvironmentLoader.loadTemplate(file, Map.of());
    }

    private String problems(String extensions, String let, String arg) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> load(extensions, let, arg));
        assertThat(e).as("expected the template to be refused").isNotNull();
        return e.getMessage();
    }

    @Test
    void bindingsLoadInOrderAndActionsMayUseThem() throws Exception {
        EnvironmentDef env = load("extensions: [EXPR]", """
                - "work_dir = Param.OutDir / 'work'"
                - "log = work_dir / (Job.Name + '.log')"
                """, "{{ log.name }}");

        assertThat(env.let()).extracting(b -> b.name()).containsExactly("work_dir", "log");
    }

    @Test
    void letNeedsTheExprExtension() {
        assertThat(problems("", "- \"x = 1\"", "a")).contains("let bindings belong to the EXPR extension");
    }

    @Test
    void badBindingsAreRefusedWithTheirItem() {
        assertThat(problems("extensions: [EXPR]", "- \"Work = 1\"", "a"))
                .contains("script.let[0]").contains("let binding name 'Work' must start with a lowercase letter");
        assertThat(problems("extensions: [EXPR]", "- \"x == 1\"", "a")).contains("a let binding reads 'name = expression'");
        assertThat(problems("extensions: [EXPR]", "- \"x = 1\"\n- \"x = 2\"", "a"))
                .contains("script.let[1]").contains("'x' is bound twice");
        assertThat(problems("extensions: [EXPR]", "- \"y = x + 1\"\n- \"x = 1\"", "a"))
                .contains("script.let[0]").contains("unknown name 'x'");
        assertThat(problems("extensions: [EXPR]", "- \"x = Param.Nope\"", "a"))
                .contains("variable 'Param.Nope' is not defined");
        assertThat(problems("extensions: [EXPR]", "- \"x = 1 +\"", "a")).contains("expected a value");
    }

    @Test
    void actionsMayUseOnlyBoundNamesAndNoComprehensionMayHideOne() {
        assertThat(problems("extensions: [EXPR]", "- \"x = 1\"", "{{ y }}"))
                .contains("unknown name 'y'").contains("the let bindings here are x");
        assertThat(problems("extensions: [EXPR]", "- \"x = [1]\"", "{{ [x for x in x] }}"))
                .contains("list comprehension variable 'x' hides the let binding");
    }
}
