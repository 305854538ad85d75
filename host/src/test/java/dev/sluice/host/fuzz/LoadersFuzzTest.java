package dev.sluice.host.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.host.config.ConfigLoader;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.plugins.PluginLoadException;
import dev.sluice.host.run.RunPlan;
import dev.sluice.openjd.format.FormatProblem;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.Scope;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.EnvironmentLoader;
import dev.sluice.spi.TimeSource;
import dev.sluice.yaml.testing.Bounded;
import dev.sluice.yaml.testing.Checks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The loaders' fuzz target (issue 16), run by Jazzer: coverage-guided mutation of the files under
 * {@code examples/} and the YAML of the tests, through each loader {@code sluice validate} uses and
 * the format strings. The property is that of the property tests ({@link Checks}, {@link Bounded}):
 * every input loads, or is refused with problems that name file, line and field in words, within 10 s
 * and 512 MiB; anything else is a finding, saved as a crash file.
 *
 * <p>An input is the file's bytes followed by one byte that picks the loader ({@link Target}), so
 * that one target covers all of them: Jazzer fuzzes one target per run. In the build it runs in the
 * {@code fuzz} execution of the host's pom for a fixed number of inputs; {@code bench/run-fuzz} runs
 * it for longer; without {@code JAZZER_FUZZ} only the seeds run.
 */
class LoadersFuzzTest {
    /** What the last byte of an input picks. */
    enum Target { PIPELINE, CONFIG, TEMPLATE, FORMAT_STRING, VALIDATE }

    private static final Values VALUES = Values.builder()
            .put("Param.Image", "ubuntu:24.04")
            .put("Task.Param.x", "x")
            .put("Session.WorkingDirectory", "/tmp/s")
            .putStrings("WrappedAction.Args", List.of("-c", "echo 'hi'"))
            .put("WrappedAction.Timeout", Value.NULL)
            .build();

    private static Path dir;

    @BeforeAll
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("loaders-fuzz");
        Files.createDirectories(dir.resolve("envs"));
        Files.createDirectories(dir.resolve("plugins"));
        // Templates the example pipelines refer to, so that references resolve and reach the template checks.
        for (Path t : yamlFiles(repositoryRoot().resolve("examples/envs"))) {
            Files.copy(t, dir.resolve("envs").resolve(t.getFileName()));
        }
        // Once through every loader before the inputs count: loading (and, when fuzzing, instrumenting)
        // their classes takes seconds, which the first inputs would otherwise be charged with.
        for (byte[] seed : seeds().limit(200).toList()) {
            try {
                run(seed);
            } catch (AssertionError ignored) {
                // A seed that fails is reported when it runs as a seed.
            }
        }
    }

    @AfterAll
    static void removeDir() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10m")
    void loaders(byte[] input) throws IOException {
        run(input);
    }

    private static void run(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        Target target = Target.values()[Byte.toUnsignedInt(input[input.length - 1]) % Target.values().length];
        byte[] content = Arrays.copyOf(input, input.length - 1);
        // Messages quote what the input says; the check of Java's words leaves out what the input holds.
        String text = new String(content, StandardCharsets.UTF_8);
        switch (target) {
            case PIPELINE -> {
                Path p = Files.write(dir.resolve("p.yaml"), content);
                Checks.loadsOrNamesProblems(text, () -> PipelineLoader.load(p));
            }
            case CONFIG -> {
                Path c = Files.write(dir.resolve("c.yaml"), content);
                Checks.loadsOrNamesProblems(text, () -> ConfigLoader.load(c));
            }
            case TEMPLATE -> {
                Path t = Files.write(dir.resolve("t.yaml"), content);
                Checks.loadsOrNamesProblems(text, () -> EnvironmentLoader.loadTemplate(t, Map.of()));
            }
            case VALIDATE -> {
                Path p = Files.write(dir.resolve("v.yaml"), content);
                Checks.loadsOrNamesProblems(text, () -> {
                    try (RunPlan plan = RunPlan.load(p, null, dir.resolve("plugins"), TimeSource.system())) {
                        return plan;
                    } catch (PluginLoadException e) {
                        String why = Checks.javaWords(e.getMessage(), text);
                        if (why != null) {
                            throw new AssertionError("the plugin problem '" + e.getMessage() + "' " + why);
                        }
                        return null;
                    }
                });
            }
            case FORMAT_STRING -> formatString(text);
        }
    }

    /** Parses, validates and evaluates {@code text}; a refusal must place each problem in the string. */
    private static void formatString(String text) {
        Bounded.Outcome<FormatStringException> outcome = Bounded.run(text, () -> {
            try {
                FormatString parsed = FormatString.parse(text);
                List<FormatProblem> problems = parsed.validate(Scope.WRAP_TASK_HOOK);
                if (!problems.isEmpty()) {
                    return new FormatStringException(problems);
                }
                parsed.evaluate(VALUES);
                parsed.evaluateArg(VALUES);
                return null;
            } catch (FormatStringException e) {
                return e;
            }
        });
        if (outcome.thrown() != null) {
            throw new AssertionError("crashed with " + outcome.thrown() + " on the format string:\n"
                    + Checks.quote(text), outcome.thrown());
        }
        if (outcome.value() != null) {
            for (FormatProblem p : outcome.value().problems()) {
                String why = p.line() < 1 || p.column() < 1 || p.offset() > text.length() ? "is not placed in the string"
                        : p.detail().isBlank() ? "says nothing" : Checks.javaWords(p.detail(), text);
                if (why != null) {
                    throw new AssertionError("the problem '" + p.message() + "' " + why + "; the format string:\n"
                            + Checks.quote(text));
                }
            }
        }
    }

    // ----- seeds -----------------------------------------------------------------------------------

    /**
     * The seeds: every YAML file under {@code examples/} and the tests' resources, and the YAML text
     * blocks of the tests' sources, each for the loader its content is for, and every format string
     * in them. Read from the working tree, so that a new example or test is a new seed.
     */
    static Stream<byte[]> seeds() throws IOException {
        Path root = repositoryRoot();
        List<String> texts = new ArrayList<>();
        for (String d : List.of("examples", "host/src/test/resources", "openjd/src/test/resources")) {
            for (Path f : yamlFiles(root.resolve(d))) {
                texts.add(Files.readString(f));
            }
        }
        for (String d : List.of("host/src/test/java", "openjd/src/test/java", "yaml/src/test/java")) {
            for (Path f : javaFiles(root.resolve(d))) {
                texts.addAll(textBlocks(Files.readString(f)));
            }
        }
        List<byte[]> seeds = new ArrayList<>();
        Pattern interpolation = Pattern.compile("\\{\\{[^\\n]*?}}");
        for (String t : texts) {
            if (t.contains("specificationVersion")) {
                seeds.add(seed(t, Target.TEMPLATE));
            }
            if (t.contains("processes")) {
                seeds.add(seed(t, Target.PIPELINE));
                seeds.add(seed(t, Target.VALIDATE));
            }
            if (t.contains("executors") || t.contains("process:") || t.contains("secretEnv")) {
                seeds.add(seed(t, Target.CONFIG));
            }
            Matcher m = interpolation.matcher(t);
            while (m.find()) {
                seeds.add(seed(m.group(), Target.FORMAT_STRING));
            }
        }
        return seeds.stream().distinct();
    }

    private static byte[] seed(String text, Target target) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(b, b.length + 1);
        out[b.length] = (byte) target.ordinal();
        return out;
    }

    /** The Java text blocks of {@code source} that look like YAML, with their indentation and escapes as Java reads them. */
    static List<String> textBlocks(String source) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("\"\"\"\\n(.*?)\"\"\"", Pattern.DOTALL).matcher(source);
        while (m.find()) {
            String block;
            try {
                block = m.group(1).stripIndent().translateEscapes();
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (block.contains(":")) {
                blocks.add(block);
            }
        }
        return blocks;
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The checkout's root: the tests run in {@code host/}. */
    static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new UncheckedIOException(new IOException("no checkout with examples/ above " + here));
    }
}
