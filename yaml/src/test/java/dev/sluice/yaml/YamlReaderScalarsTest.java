package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a scalar reads as: its text as written, or null for YAML 1.1's null. Numbers, booleans and
 * other tags keep their text; the loaders behind the reader give them meaning.
 */
class YamlReaderScalarsTest {
    @TempDir
    Path dir;

    private YamlNode.Mapping read(String text) throws Exception {
        Problems problems = new Problems();
        YamlNode root = YamlReader.read(Files.writeString(dir.resolve("s.yaml"), text), "pipeline file", problems);
        assertThat(problems.list()).isEmpty();
        return (YamlNode.Mapping) root;
    }

    private static String text(YamlNode.Mapping map, String key) {
        return ((YamlNode.Scalar) map.entries().get(key).value()).text();
    }

    @Test
    void plainEmptyTildeAndTheThreeSpellingsOfNullAreNull() throws Exception {
        YamlNode.Mapping m = read("a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: !!null x\n");
        for (String key : new String[] {"a", "b", "c", "d", "e", "f"}) {
            assertThat(text(m, key)).as(key).isNull();
        }
    }

    @Test
    void quotedOrOtherwiseSpelledNullsAndTaggedTextKeepTheirText() throws Exception {
        YamlNode.Mapping m = read("a: 'null'\nb: \"~\"\nc: nULL\nd: !!str null\ne: ''\nf: !!null ''\n");
        assertThat(text(m, "a")).isEqualTo("null");
        assertThat(text(m, "b")).isEqualTo("~");
        assertThat(text(m, "c")).isEqualTo("nULL");
        assertThat(text(m, "d")).isEqualTo("null");
        assertThat(text(m, "e")).isEmpty();
        assertThat(text(m, "f")).isEmpty();
    }

    @Test
    void numbersBooleansAndBlockTextAreReadAsWritten() throws Exception {
        YamlNode.Mapping m = read("a: 0x1F\nb: 1_000\nc: yes\nd: .inf\ne: 007\nf: |\n  x\n  y\nnull: key\n");
        assertThat(text(m, "a")).isEqualTo("0x1F");
        assertThat(text(m, "b")).isEqualTo("1_000");
        assertThat(text(m, "c")).isEqualTo("yes");
        assertThat(text(m, "d")).isEqualTo(".inf");
        assertThat(text(m, "e")).isEqualTo("007");
        assertThat(text(m, "f")).isEqualTo("x\ny\n");
        assertThat(text(m, "null")).as("a key is text, whatever it spells").isEqualTo("key");
    }

    @Test
    void placesAreOneBasedLinesAndColumnsOfWhereEachValueStarts() throws Exception {
        YamlNode.Mapping m = read("# a comment\nouter:\n  inner: [1, {x: 2}]\n");
        YamlNode.Entry outer = m.entries().get("outer");
        assertThat(outer.keyLocation().line()).isEqualTo(2);
        assertThat(outer.keyLocation().column()).isEqualTo(1);
        YamlNode.Entry inner = ((YamlNode.Mapping) outer.value()).entries().get("inner");
        YamlNode.Sequence list = (YamlNode.Sequence) inner.value();
        assertThat(list.location().line()).isEqualTo(3);
        assertThat(list.location().column()).isEqualTo(10);
        assertThat(list.items().get(1).location().column()).isEqualTo(14);
    }
}
