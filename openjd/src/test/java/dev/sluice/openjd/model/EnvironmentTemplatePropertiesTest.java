package dev.sluice.openjd.model;

import static dev.sluice.yaml.testing.Yamlish.fields;
import static dev.sluice.yaml.testing.Yamlish.listOf;
import static dev.sluice.yaml.testing.Yamlish.optional;
import static dev.sluice.yaml.testing.Yamlish.scalarOf;

import dev.sluice.yaml.testing.Checks;
import dev.sluice.yaml.testing.Yamlish;
import dev.sluice.yaml.testing.Yamlish.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every environment template is loaded, or refused with problems that name the file, a line and
 * the field, in words (issue 16). The templates are valid-shaped ones (parameters, actions, embedded
 * files, variables, a monitor) with fields mutated, and random YAML.
 */
class EnvironmentTemplatePropertiesTest {
    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("template-properties");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        dev.sluice.yaml.testing.ScratchDir.deleteTree(dir);
    }

    /** One of {@code values}, each written in a style YAML reads back as itself. */
    private static Arbitrary<Node> one(String... values) {
        return scalarOf(Arbitraries.of(values));
    }

    /** A field that is always there. */
    private static Arbitrary<List<Yamlish.Entry>> field(String key, Arbitrary<Node> value) {
        return value.map(v -> List.of(Yamlish.entry(key, v)));
    }

    static Arbitrary<Node> action() {
        return fields(
                field("command", one("bash", "./setup.sh", "echo")),
                optional("args", listOf(one("-c", "echo hi", "{{ repr_sh(Session.WorkingDirectory) }}",
                        "--flag=1"), 1, 3)),
                optional("timeout", one("10", "3600")),
                optional("cancelation", fields(field("mode", one("TERMINATE")))));
    }

    static Arbitrary<Node> parameters() {
        Arbitrary<Node> image = fields(field("name", one("Image")), field("type", one("STRING")),
                optional("default", one("ubuntu:24.04", "alpine")), optional("minLength", one("1")),
                optional("allowedValues", Arbitraries.just(Yamlish.list(List.of(Yamlish.plain("ubuntu:24.04"),
                        Yamlish.plain("alpine"), Yamlish.plain("ubuntu"))))));
        Arbitrary<Node> count = fields(field("name", one("N")), field("type", one("INT")),
                optional("default", one("3", "0")), optional("minValue", one("0")), optional("maxValue", one("10")));
        return Arbitraries.oneOf(image.map(i -> Yamlish.list(List.of(i))), count.map(c -> Yamlish.list(List.of(c))),
                image.flatMap(i -> count.map(c -> Yamlish.list(List.of(i, c)))));
    }

    static Arbitrary<Node> templates() {
        Arbitrary<Node> actions = fields(field("onEnter", action()), optional("onExit", action()));
        Arbitrary<Node> embeddedFiles = listOf(fields(field("name", one("Start", "Run")), field("type", one("TEXT")),
                field("data", one("#!/bin/sh\necho hi\n", "exec {{ repr_sh(Session.WorkingDirectory) }}")),
                optional("filename", one("start.sh")), optional("runnable", one("true", "false"))), 1, 1);
        Arbitrary<Node> environment = fields(
                field("name", one("Tools", "Container")),
                optional("description", one("tools for the tasks")),
                field("script", fields(field("actions", actions), optional("embeddedFiles", embeddedFiles))),
                optional("variables", fields(optional("PATH", one("/opt/tools/bin:/usr/bin:/bin")),
                        optional("TOOL_HOME", one("/opt/tool", "{{ Session.WorkingDirectory }}")))));
        return fields(
                field("specificationVersion", one("environment-2023-09")),
                optional("extensions", listOf(one("EXPR", "REDACTED_ENV_VARS"), 1, 1)),
                optional("parameterDefinitions", parameters()),
                field("environment", environment));
    }

    @Provide
    Arbitrary<String> documents() {
        return Yamlish.documents(templates());
    }

    @Provide
    Arbitrary<Map<String, String>> parameterValues() {
        // Mostly none, so that the defaults are used and valid templates load.
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(Map.<String, String>of())),
                Tuple.of(1, Arbitraries.maps(Arbitraries.of("Image", "CondaEnv", "N", "Nope"),
                        Arbitraries.of("ubuntu", "alpine", "3", "-1", "", "99999999999999999999", "/tmp")).ofMaxSize(2)));
    }

    @Property
    void anyTemplateLoadsOrItsProblemsAreNamed(@ForAll("documents") String text,
            @ForAll("parameterValues") Map<String, String> values) {
        Path file = Yamlish.write(dir.resolve("t.yaml"), text);
        boolean loaded = Checks.loadsOrNamesProblems(text, () -> EnvironmentLoader.loadTemplate(file, values));
        Statistics.collect(loaded ? "loaded" : "refused");
        // The shapes are valid often enough that the checks behind the parser are reached and passed.
        Statistics.coverage(c -> c.check("loaded").percentage(p -> p > 2));
    }

    @Property(tries = 1)
    void theExampleTemplatesLoad() throws Exception {
        for (String name : List.of("conda.yaml", "wrap-task-run.yaml")) {
            Path file = Path.of(EnvironmentTemplatePropertiesTest.class.getResource("/env/" + name).toURI());
            EnvironmentLoader.loadTemplate(file, Map.of());
        }
        Checks.loadsOrNamesProblems("", () -> EnvironmentLoader.loadTemplate(Yamlish.write(dir.resolve("e.yaml"),
                ""), Map.of()));
    }
}
