package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.yaml.testing.Checks;
import dev.sluice.yaml.testing.Yamlish;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every document the YAML reader is given is read, or refused with problems that name the file and
 * a line, in words (issue 16). The reader is what every loader starts with, so its bounds are theirs.
 */
class YamlReaderPropertiesTest {
    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("yaml-properties");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        dev.sluice.yaml.testing.ScratchDir.deleteTree(dir);
    }

    @Provide
    Arbitrary<String> documents() {
        return Yamlish.documents(Yamlish.anyNode(5));
    }

    @Property
    void anyDocumentIsReadOrItsProblemsAreNamed(@ForAll("documents") String text) throws IOException {
        Path file = Yamlish.write(dir.resolve("d.yaml"), text);
        check(text, file);
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        // Text with a byte that is not UTF-8 somewhere, or bytes at random.
        Arbitrary<byte[]> broken = Combinators.combine(documents(), Arbitraries.integers().between(0, 10_000),
                Arbitraries.of((byte) 0x80, (byte) 0xc3, (byte) 0xff, (byte) 0xed, (byte) 0xf4)).as((text, at, bad) -> {
                    byte[] b = text.getBytes(StandardCharsets.UTF_8);
                    if (b.length > 0) {
                        b[at % b.length] = bad;
                    }
                    return b;
                });
        return Arbitraries.oneOf(broken, Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
    }

    @Property
    void anyBytesAreReadOrTheirProblemsAreNamed(@ForAll("bytes") byte[] content) throws IOException {
        Path file = Files.write(dir.resolve("b.yaml"), content);
        check(new String(content, StandardCharsets.ISO_8859_1), file);
    }

    private static void check(String text, Path file) {
        Checks.loadsOrNamesProblems(text, () -> {
            Problems problems = new Problems();
            YamlReader.read(file, "pipeline file", problems);
            problems.throwIfAny();
            return null;
        });
    }

    /** The check fails where it should: a problem without a field, outside the whole-document ones. */
    @Property(tries = 1)
    void theCheckRejectsAProblemWithoutAFieldOrInJavasWords() {
        Path f = Path.of("p.yaml");
        InvalidInputException noField = new InvalidInputException(new Problem(new Location(f, 1, 1), "", "bad cpus"));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Checks.namesEveryProblem(noField, "")))
                .hasMessageContaining("names no field");
        InvalidInputException java = new InvalidInputException(new Problem(new Location(f, 1, 1), "a",
                "java.lang.ClassCastException: x"));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Checks.namesEveryProblem(java, "")))
                .hasMessageContaining("speaks Java");
        InvalidInputException noLine = new InvalidInputException(new Problem(Location.ofFile(f), "a", "bad"));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Checks.namesEveryProblem(noLine, "")))
                .hasMessageContaining("names no line");
    }
}
