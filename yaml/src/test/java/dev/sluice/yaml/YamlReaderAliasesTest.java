package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anchors, aliases and merge keys, read for Open Job Description templates as YAML 1.1 reads them
 * (issue 18), with a bound against alias bombs; pipelines and configs keep refusing aliases.
 */
class YamlReaderAliasesTest {
    @TempDir
    Path dir;

    private Path write(String text) throws Exception {
        return Files.writeString(dir.resolve("t.yaml"), text);
    }

    @Test
    void anAliasRepeatsItsAnchoredValueAndItsPlacesNameTheTextAndTheAlias() throws Exception {
        Path file = write("""
                a: &hook
                  command: echo
                  args: [x]
                b: *hook
                """);
        Problems problems = new Problems();
        YamlNode.Mapping root = (YamlNode.Mapping) YamlReader.readWithAliases(file, "environment template", problems);
        assertThat(problems.list()).isEmpty();
        YamlNode.Mapping b = (YamlNode.Mapping) root.entries().get("b").value();
        YamlNode.Scalar command = (YamlNode.Scalar) b.entries().get("command").value();
        assertThat(command.text()).isEqualTo("echo");
        // The text is on line 2; it is used through the alias on line 4.
        assertThat(command.location().line()).isEqualTo(2);
        assertThat(command.location().alias().name()).isEqualTo("hook");
        assertThat(command.location().alias().at().line()).isEqualTo(4);
        assertThat(command.location().toString()).isEqualTo(file + ":2:12 (through the alias *hook at line 4:4)");
        assertThat(((YamlNode.Sequence) b.entries().get("args").value()).items()).hasSize(1);
        // The anchored value itself is where it is written, without an alias.
        YamlNode.Mapping a = (YamlNode.Mapping) root.entries().get("a").value();
        assertThat(a.entries().get("command").value().location().alias()).isNull();
    }

    @Test
    void aMergeKeyFillsInTheKeysTheMapDoesNotSet() throws Exception {
        Path file = write("""
                base: &base {command: echo, timeout: 10}
                hook:
                  <<: *base
                  timeout: 20
                """);
        Problems problems = new Problems();
        YamlNode.Mapping root = (YamlNode.Mapping) YamlReader.readWithAliases(file, "environment template", problems);
        assertThat(problems.list()).isEmpty();
        YamlNode.Mapping hook = (YamlNode.Mapping) root.entries().get("hook").value();
        assertThat(hook.entries().keySet()).containsExactly("timeout", "command");
        assertThat(((YamlNode.Scalar) hook.entries().get("timeout").value()).text()).isEqualTo("20");
        assertThat(((YamlNode.Scalar) hook.entries().get("command").value()).text()).isEqualTo("echo");
    }

    @Test
    void aMergeKeyOfTextIsAProblem() throws Exception {
        Path file = write("a: &a text\nb:\n  <<: *a\n");
        Problems problems = new Problems();
        YamlReader.readWithAliases(file, "environment template", problems);
        assertThat(problems.list()).extracting(Problem::toString).containsExactly(file + ":1:4 (through the alias *a"
                + " at line 3:7): b.<<: a merge key (<<) takes a map or a list of maps, e.g. <<: *defaults, got the"
                + " text 'text'");
    }

    @Test
    void pipelinesAndConfigsStillRefuseAliases() throws Exception {
        Path file = write("a: &x 1\nb: *x\n");
        Problems problems = new Problems();
        YamlReader.read(file, "pipeline file", problems);
        assertThat(problems.list()).extracting(Problem::toString)
                .containsExactly(file + ":2:4: b: YAML aliases (*x) are not supported; write the value out in full");
    }

    @Test
    void anAliasWithoutAnAnchorAndOneInsideItsOwnAnchorAreProblems() throws Exception {
        Path file = write("a: *nothing\nb: &self [1, *self]\n");
        Problems problems = new Problems();
        YamlReader.readWithAliases(file, "environment template", problems);
        assertThat(problems.list()).extracting(Problem::toString).containsExactly(
                file + ":1:4: a: no anchor &nothing before this alias; anchor a value first (&nothing) or write the"
                        + " value out",
                file + ":2:14: b[1]: the alias *self is inside the value anchored as &self, which would contain"
                        + " itself; write the value out");
    }

    /** Nine levels, each aliasing the one before ten times: 10^9 values if expanded. */
    @Test
    void anAliasBombIsOneProblemAndQuick() throws Exception {
        StringBuilder text = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 9; i++) {
            String p = "*l" + (i - 1);
            text.append("l").append(i).append(": &l").append(i).append(" [").append(String.join(", ",
                    java.util.Collections.nCopies(10, p))).append("]\n");
        }
        Path file = write(text.toString());
        Problems problems = new Problems();
        long start = System.nanoTime();
        assertThat(YamlReader.readWithAliases(file, "environment template", problems)).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(problems.list()).hasSize(1);
        assertThat(problems.list().get(0).message()).isEqualTo("aliases add more than 100000 values to the file (an"
                + " alias of a value that holds aliases repeats all of them); write the values out, or alias less"
                + " deeply");
        assertThat(problems.list().get(0).field()).startsWith("l");
    }

    @Test
    void nestingThroughAnAliasIsBoundedToo() throws Exception {
        String deep = "[".repeat(40) + "]".repeat(40);
        Path file = write("a: &d " + deep + "\nb: " + "[".repeat(30) + "*d" + "]".repeat(30) + "\n");
        Problems problems = new Problems();
        assertThat(YamlReader.readWithAliases(file, "environment template", problems)).isNull();
        assertThat(problems.list()).extracting(Problem::message).containsExactly("nested more than 64 maps and lists"
                + " deep through the alias *d; sluice reads at most that many levels");
    }
}
