package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed YAML is named at its place in words, never in the parser's class names (issue 16). */
class YamlReaderSyntaxTest {
    @TempDir
    Path dir;

    private Problem onlyProblem(String text) throws Exception {
        Path file = Files.writeString(dir.resolve("p.yaml"), text);
        Problems problems = new Problems();
        assertThat(YamlReader.read(file, "pipeline file", problems)).isNull();
        assertThat(problems.list()).hasSize(1);
        return problems.list().get(0);
    }

    /** Found by the property tests: Jackson's message ended with SnakeYAML's event object. */
    @Test
    void aListOrMapAsAKeyIsNamedInWords() throws Exception {
        for (String text : new String[] {"? [a, b]\n", "a: 1\n? {x: 1}\n: 2\n", "{[a]: 1}\n"}) {
            Problem p = onlyProblem(text);
            assertThat(p.message()).as(text).isEqualTo("malformed YAML: a key here is a list or a map (or a '?'"
                    + " complex key); sluice reads text keys only: write the key as text, e.g. name: value")
                    .doesNotContain("org.yaml").doesNotContain("Event");
            assertThat(p.location().line()).as(text).isPositive();
        }
    }
}
