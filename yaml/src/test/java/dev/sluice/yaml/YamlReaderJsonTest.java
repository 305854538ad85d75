package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * JSON read by JSON's parser into located nodes: what YAML refuses or reads otherwise (a tab indenting,
 * {@code \/}) is read, and every mistake is said in words with its place, never in the parser's.
 */
class YamlReaderJsonTest {
    private static final Path BODY = Path.of("request body");

    private Problems problems = new Problems();

    private YamlNode read(String text) {
        problems = new Problems();
        return YamlReader.readJson(text, BODY, "request body", problems);
    }

    private Problem onlyProblem(String text) {
        read(text);
        assertThat(problems.list()).as(text).hasSize(1);
        Problem p = problems.list().get(0);
        assertThat(p.message()).as(text).doesNotContainIgnoringCase("yaml").doesNotContain("Exception")
                .doesNotContain("Feature").doesNotContain("Constraints").doesNotContain("jackson")
                .doesNotContain("Object entries").doesNotContain("field name");
        assertThat(p.location().file()).isEqualTo(BODY);
        return p;
    }

    private static String text(YamlNode node, String key) {
        return ((YamlNode.Scalar) ((YamlNode.Mapping) node).entries().get(key).value()).text();
    }

    @Test
    void aTabIndentedBodyIsReadWithItsPlaces() {
        // Go's MarshalIndent(v, "", "\t"), jq --tab, Python's indent="\t".
        YamlNode root = read("{\n\t\"class\": \"gpu\",\n\t\"execution\": {\n\t\t\"command\": [\"echo\", \"hi\"]\n\t}\n}\n");
        assertThat(problems.list()).isEmpty();
        YamlNode.Mapping m = (YamlNode.Mapping) root;
        assertThat(text(m, "class")).isEqualTo("gpu");
        assertThat(m.entries().get("class").keyLocation()).isEqualTo(new Location(BODY, 2, 2));
        assertThat(m.entries().get("class").value().location()).isEqualTo(new Location(BODY, 2, 11));
        YamlNode.Sequence command = (YamlNode.Sequence) ((YamlNode.Mapping) m.entries().get("execution").value())
                .entries().get("command").value();
        assertThat(command.items()).extracting(n -> ((YamlNode.Scalar) n).text()).containsExactly("echo", "hi");
        assertThat(command.location()).isEqualTo(new Location(BODY, 4, 14));
    }

    @Test
    void everyJsonEscapeIsReadTheEscapedSlashToo() {
        // PHP's json_encode and org.json write "/" as "\/"; YAML has no such escape.
        YamlNode root = read("{\"path\": \"\\/data\\/in.txt\", \"s\": \"a\\tb\\u00e9\\\"\\\\\"}");
        assertThat(problems.list()).isEmpty();
        assertThat(text(root, "path")).isEqualTo("/data/in.txt");
        assertThat(text(root, "s")).isEqualTo("a\tb\u00e9\"\\");
    }

    @Test
    void scalarsKeepTheirTextAndNullIsEmpty() {
        YamlNode root = read("\uFEFF{\"n\": 2, \"f\": -1.5e3, \"b\": true, \"z\": null}");
        assertThat(problems.list()).isEmpty();
        assertThat(text(root, "n")).isEqualTo("2");
        assertThat(text(root, "f")).isEqualTo("-1.5e3");
        assertThat(text(root, "b")).isEqualTo("true");
        assertThat(text(root, "z")).isNull();
        assertThat(read(" \n ")).isNull();
        assertThat(problems.list()).isEmpty();
    }

    @Test
    void aDuplicateKeyIsNamedWithBothPlaces() {
        Problem p = onlyProblem("{\"tenant\": \"a\",\n \"tenant\": \"b\"}");
        assertThat(p.field()).isEqualTo("tenant");
        assertThat(p.location()).isEqualTo(new Location(BODY, 2, 2));
        assertThat(p.message()).isEqualTo("duplicate key 'tenant', already set at line 1:2; remove one of them");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"class\": \"gpu\" \"tenant\": \"a\"}             | 1:17 | expected ',' or '}', found '\"'",
        "{\"inputs\": [\"/a\" \"/b\"]}                       | 1:18 | expected ',' or ']', found '\"'",
        "{\"class\" \"gpu\"}                                 | 1:10 | expected ':' after the key, found '\"'",
        "{class: \"gpu\"}                                    | 1:2  | expected a key in double quotes, found 'c'",
        "{'class': 'gpu'}                                    | 1:2  | (JSON quotes with \", not ')",
        "{\"class\": \"gpu\",}                               | 1:17 | a ',' before the '}' that closes an object is not JSON",
        "{\"inputs\": [\"/a\",]}                             | 1:18 | a ',' before the ']' that closes a list is not JSON",
        "{\"class\": tru}                                    | 1:14 | 'tru' is not a JSON value; write text in double quotes",
        "{\"n\": NaN}                                        | 1:10 | 'NaN' is not a JSON number",
        "{\"n\": 07}                                         | 1:8  | a JSON number does not start with 0 followed by digits",
        "{\"n\": +1}                                         | 1:8  | a JSON number does not start with '+'",
        "{\"n\": 1.}                                         | 1:8  | the number is not complete",
        "{\"s\": \"a\\qb\"}                                  | 1:10 | unknown escape '\\q' in a text; JSON's escapes are",
        "{\"s\": \"a\tb\"}                                   | 1:9  | a tab inside a text; write it as \\t",
        "{\"s\": \"\\u12\"}                                  | 1:12 | a \\u escape takes four hexadecimal digits",
        "/* a comment */ {}                                  | 1:1  | comments are not JSON",
        "{\"inputs\": [\"/a\"}                               | 1:17 | found '}' where ']' closes the list that is open",
        "{\"class\": \"gpu\"}}                               | 1:17 | found '}' with no object open to close",
        "{\"class\": \"gpu\"                                 | 1:16 | the body ends before the JSON does: an object is not closed with '}'",
        "{\"class\": \"gp                                    | 1:14 | the body ends before the JSON does: a text is not closed with '\"'",
        "{\"class\": \"gpu\"} x                              | 1:19 | 'x' is not a JSON value",
    })
    void aSyntaxErrorIsSaidInWordsAtItsPlace(String text, String at, String message) {
        Problem p = onlyProblem(text);
        assertThat(p.message()).startsWith("malformed JSON at " + at + ": ").contains(message);
        assertThat(p.location().line() + ":" + p.location().column()).isEqualTo(at);
        assertThat(p.field()).isEmpty();
    }

    @Test
    void aSecondValueAfterTheFirstIsNamed() {
        Problem p = onlyProblem("{\"a\": 1}\n{\"b\": 2}");
        assertThat(p.location()).isEqualTo(new Location(BODY, 2, 1));
        assertThat(p.message()).isEqualTo("a second JSON value starts here, after the first has ended; send one JSON"
                + " object");
    }

    @Test
    void nestingPastTheBoundIsRefusedWithTheBoundAndTheField() {
        String ok = "{\"a\": " + "[".repeat(YamlReader.MAX_JSON_DEPTH - 1) + "]".repeat(YamlReader.MAX_JSON_DEPTH - 1)
                + "}";
        assertThat(read(ok)).isNotNull();
        assertThat(problems.list()).isEmpty();
        // A million levels costs what 33 do: reading stops at the bound.
        Problem p = onlyProblem("{\"context\": {\"x\": " + "[".repeat(1_000_000));
        assertThat(p.message()).isEqualTo("the request body nests objects and lists more than 32 deep; sluice reads"
                + " at most 32 levels: flatten it");
        assertThat(p.field()).startsWith("context.x");
    }

    @Test
    void aLongNumberAndALongTextAreRefusedWithTheBound() {
        assertThat(read("{\"n\": " + "9".repeat(YamlReader.MAX_JSON_NUMBER) + "}")).isNotNull();
        assertThat(problems.list()).isEmpty();
        Problem number = onlyProblem("{\"n\": " + "9".repeat(YamlReader.MAX_JSON_NUMBER + 1) + "}");
        assertThat(number.message()).isEqualTo("a number longer than 100 characters; send it as text in double"
                + " quotes");
        Problem text = onlyProblem("{\"context\": {\"blob\": \"" + "x".repeat(YamlReader.MAX_JSON_STRING + 1) + "\"}}");
        assertThat(text.message()).startsWith("a text longer than 1048576 characters (1 MiB)");
        assertThat(text.field()).isEqualTo("context.blob");
        assertThat(text.location().line()).isEqualTo(1);
    }

    @Test
    void theWordsNeverCarryTheParsersNames() {
        for (String text : List.of("{\"a\": \u0001}", "[1, 2", "{\"a\": [}", "{\"a\" : 1 ]", "\"open", "{\"a\": -}",
                "{\"a\": 1e}", "{\"a\": 0x10}", "{\"\u0000\": 1 1}", "]")) {
            read(text);
            assertThat(problems.list()).as(text).isNotEmpty().allSatisfy(p -> assertThat(p.message())
                    .startsWith("malformed JSON at ").doesNotContain("Exception").doesNotContain("Feature")
                    .doesNotContain("Object entries").doesNotContain("REDACTED").doesNotContain("`"));
        }
    }
}
