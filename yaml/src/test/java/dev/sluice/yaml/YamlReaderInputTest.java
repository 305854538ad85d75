package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A YAML file is checked before it is parsed: a regular file, of a bounded size, UTF-8 throughout (issue 16). */
class YamlReaderInputTest {
    @TempDir
    Path dir;

    private Problem onlyProblem(Path file) {
        Problems problems = new Problems();
        assertThat(YamlReader.read(file, "pipeline file", problems)).isNull();
        assertThat(problems.list()).hasSize(1);
        return problems.list().get(0);
    }

    @Test
    void aFileThatIsNotUtf8IsNamedWithTheByteAndItsLine() throws Exception {
        Path file = dir.resolve("p.yaml");
        byte[] text = "processes:\n  a: {command: [echo, caf\u00e9]}\n  b: {command: [x]}\n".getBytes(
                java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(file, text);
        Problem p = onlyProblem(file);
        assertThat(p.location()).isEqualTo(new Location(file, 2, 26));
        assertThat(p.message()).isEqualTo("the pipeline file is not UTF-8 text: byte 36 (on line 2) is not part of a"
                + " UTF-8 character; save the file as UTF-8").doesNotContain("Exception");
    }

    @Test
    void theColumnCountsCharactersNotBytes() throws Exception {
        Path file = dir.resolve("p.yaml");
        // "é" and "ü" are two bytes each; the bad byte is the 8th character of its line, the 10th byte.
        byte[] good = "a: éü ".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] text = java.util.Arrays.copyOf(good, good.length + 2);
        text[good.length] = (byte) 'x';
        text[good.length + 1] = (byte) 0xff;
        Files.write(file, text);
        assertThat(onlyProblem(file).location()).isEqualTo(new Location(file, 1, 8));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aPipeIsRefusedWithoutBeingOpenedAndADeviceToo() throws Exception {
        Path fifo = dir.resolve("fifo.yaml");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThat(onlyProblem(fifo).message()).isEqualTo("pipeline file " + fifo + " is not a regular file (a pipe or"
                + " a device?); give the path of a YAML file");
        assertThat(onlyProblem(Path.of("/dev/zero")).message()).contains("is not a regular file");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aFileOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        Path file = dir.resolve("big.yaml");
        Files.write(file, ("a: \"" + "x".repeat(YamlReader.MAX_BYTES) + "\"\n").getBytes());
        assertThat(onlyProblem(file).message()).startsWith("the pipeline file is " + Files.size(file) + " bytes;"
                + " sluice reads YAML files of at most 3 MiB");
    }

    @Test
    void aFileJustUnderTheLimitIsRead() throws Exception {
        Path file = dir.resolve("long.yaml");
        StringBuilder list = new StringBuilder("a:\n");
        while (list.length() < YamlReader.MAX_BYTES - 100) {
            list.append("  - sample-").append(list.length()).append('\n');
        }
        Files.writeString(file, list);
        Problems problems = new Problems();
        assertThat(YamlReader.read(file, "pipeline file", problems)).isNotNull();
        assertThat(problems.list()).isEmpty();
    }

    @Test
    void nestingDeeperThanTheLimitIsOneProblemInWords() throws Exception {
        Path file = dir.resolve("deep.yaml");
        Files.writeString(file, "a: " + "[".repeat(3000) + "]".repeat(3000) + "\nb: " + "[".repeat(65) + "]".repeat(65)
                + "\n");
        Problems problems = new Problems();
        YamlReader.read(file, "pipeline file", problems);
        assertThat(problems.list()).as("said once, and reading stops").hasSize(1).allSatisfy(p -> assertThat(p.message()).isEqualTo(
                "nested more than 64 maps and lists deep; sluice reads at most that many levels"));
    }
}
