package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * repr_py, repr_cmd, repr_pwsh and repr_sh (OpenJD RFC 0006): the exact text for each rule, and round
 * trips through the real interpreter (sh, bash, python3) where this machine has one.
 */
class QuotingTest {

    /** Strings a template may be handed: quotes, line breaks, empty, non-ASCII, and each shell's specials. */
    static List<String> hostile() {
        return List.of("", "plain", "two words", "it's", "say \"hi\"", "a'b\"c", "line1\nline2", "cr\r\nlf",
                "tab\there", "100%", "%PATH%", "a ^ b", "a & b | c > d < e", "(x)", "hello!", "$HOME", "${HOME}",
                "`whoami`", "$(id)", "back\\slash", "trailing\\", "*.exr", "~user", "#comment", ";rm -rf /", "-n",
                "caf\u00e9", "\u65e5\u672c\u8a9e", "rocket \uD83D\uDE80", "nbsp\u00a0x", "nel\u0085x", "ls\u2028x",
                "zw\u200bx", "del\u007fx", "bell\u0007x", "'", "\"", "''", "\\'", "\u2019curly\u2018");
    }

    private static String eval(String expression, Values values) throws FormatStringException {
        return FormatString.parse("{{ " + expression + " }}").evaluate(values);
    }

    private static String call(String function, String argument) throws FormatStringException {
        return eval(function + "(X)", Values.builder().put("X", argument).build());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // repr_py: Python's repr
        "`repr_py('abc')`|`'abc'`",
        "`repr_py(\"it's\")`|`\"it's\"`",
        "`repr_py('say \"hi\"')`|`'say \"hi\"'`",
        "`repr_py('both \\' and \"')`|`'both \\' and \"'`",
        "`repr_py('tab\\tnl\\ncr\\rbs\\\\')`|`'tab\\tnl\\ncr\\rbs\\\\'`",
        "`repr_py('\\x00 \\x7f \\x85 \\xa0 \\u00e9 \\u2028 \\U0001F680 \\U000e0001 \\u200b')`|`'\\x00 \\x7f \\x85 \\xa0 \u00e9 \\u2028 \uD83D\uDE80 \\U000e0001 \\u200b'`",
        "`repr_py('')`|`''`",
        "`repr_py(42)` |`42`",
        "`repr_py(-7)` |`-7`",
        "`repr_py(true) + repr_py(false)`|`TrueFalse`",
        "`repr_py(null)`|`None`",
        "`repr_py(['a', 'b', 'c'])`|`['a', 'b', 'c']`",
        "`repr_py([[1, 2], [3]])`|`[[1, 2], [3]]`",
        "`repr_py([])`|`[]`",
        "`repr_py(path('/a b/c.txt'))`|`'/a b/c.txt'`",
        // repr_cmd: the RFC's own examples, and the empty string
        "`repr_cmd('hello')`|`hello`",
        "`repr_cmd('a & b')`|`\"a & b\"`",
        "`repr_cmd('a ^ b')`|`\"a ^^ b\"`",
        "`repr_cmd('100%')`|`\"100%%\"`",
        "`repr_cmd('say \"hi\"')`|`\"say ^\"hi^\"\"`",
        "`repr_cmd('hello!')`|`\"hello^^!\"`",
        "`repr_cmd('a\\nb')`|`\"ab\"`",
        "`repr_cmd('a\\r\\nb c')`|`\"ab c\"`",
        "`repr_cmd('')`|`\"\"`",
        "`repr_cmd('C:\\\\Program Files\\\\x')`|`\"C:\\Program Files\\x\"`",
        "`repr_cmd('caf\u00e9')`|`caf\u00e9`",
        "`repr_cmd('$HOME')`|`$HOME`",
        "`repr_cmd(['echo', 'hello & world'])`|`echo \"hello & world\"`",
        "`repr_cmd('OUTPUT_DIR=' + path('/out dir'))`|`\"OUTPUT_DIR=/out dir\"`",
        // repr_pwsh: PowerShell literals
        "`repr_pwsh(\"it's\")`|`'it''s'`",
        "`repr_pwsh('$env:PATH $(id) @(x) %x% ^ !')`|`'$env:PATH $(id) @(x) %x% ^ !'`",
        "`repr_pwsh('a\\nb')`|`'a\nb'`",
        "`repr_pwsh('')`|`''`",
        "`repr_pwsh('\u2019x\u2018')`|`'\u2019\u2019x\u2018\u2018'`",
        "`repr_pwsh(42)`|`42`",
        "`repr_pwsh(true) + repr_pwsh(false)`|`$true$false`",
        "`repr_pwsh(['a', 'b'])`|`@('a', 'b')`",
        "`repr_pwsh([[1, 2], [3]])`|`@(@(1, 2), @(3))`",
        "`repr_pwsh([])`|`@()`",
        "`repr_pwsh(path(\"/x/it's\"))`|`'/x/it''s'`",
        // repr_sh on paths and lists of paths
        "`repr_sh(path('/a b'))`|`'/a b'`",
        "`repr_sh([path('/a b'), path('/c')])`|`'/a b' /c`",
    })
    void quotesExactlyAsSpecified(String expression, String expected) throws Exception {
        assertThat(eval(expression.strip(), Values.empty())).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`repr_cmd(null)`|repr_cmd() needs a string, path or list of strings but got null; supply a fallback",
        "`repr_cmd(42)`|repr_cmd() needs a string, path or list of strings but got int; convert it, repr_cmd(string(x))",
        "`repr_cmd([1])`|repr_cmd() needs a list of strings but got int items",
        "`repr_cmd([['a']])`|repr_cmd() got a list of lists; flatten it first",
        "`repr_pwsh(null)`|repr_pwsh() got null; supply a fallback, e.g. repr_pwsh(x or '')",
        "`repr_py()`|repr_py() takes 1 argument but got 0",
    })
    void refusesWhatItCannotQuote(String expression, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> eval(expression, Values.empty()));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void reprPyOfALoneSurrogateEscapesIt() {
        assertThat(Quoting.pyString("a\uD800b")).isEqualTo("'a\\ud800b'");
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void reprShRoundTripsThroughShAndBash(String s) throws Exception {
        String quoted = call("repr_sh", s);
        for (String shell : List.of("/bin/sh", "/bin/bash")) {
            assumeTrue(Files.isExecutable(Path.of(shell)), shell + " is not installed");
            assertThat(run(List.of(shell, "-c", "printf '%s' " + quoted))).as("%s on %s", shell, quoted)
                    .isEqualTo(s);
        }
    }

    @Test
    void reprShOfAListRoundTripsAsSeparateWords() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "/bin/sh is not installed");
        List<String> words = hostile();
        Values values = Values.builder().putStrings("X", words).build();
        String out = run(List.of("/bin/sh", "-c", "for a in " + eval("repr_sh(X)", values)
                + "; do printf '%s\\001' \"$a\"; done"));
        assertThat(out.split("\u0001", -1)).containsExactlyElementsOf(concat(words, ""));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void reprPyRoundTripsThroughPython(String s) throws Exception {
        assumeTrue(python() != null, "python3 is not installed");
        String literal = call("repr_py", s);
        String program = "import sys; sys.stdout.buffer.write((" + literal + ").encode('utf-8'))";
        assertThat(run(List.of(python(), "-c", program))).as("python3 on %s", literal).isEqualTo(s);
        // Python's repr of the same string is the same text.
        String again = run(List.of(python(), "-c", "import sys; sys.stdout.buffer.write(repr(" + literal
                + ").encode('utf-8'))"));
        assertThat(literal).isEqualTo(again);
    }

    @Test
    void reprPyAndReprJsonOfListsRoundTripThroughPython() throws Exception {
        assumeTrue(python() != null, "python3 is not installed");
        Values values = Values.builder().putStrings("X", hostile()).build();
        String py = eval("repr_py([X, [1, -2], [true, false]])", values.toBuilder().build())
                .replace("\n", "\\n");
        String fromPython = run(List.of(python(), "-c", "import sys; v = " + eval("repr_py(X)", values)
                + "; sys.stdout.buffer.write(repr(v).encode('utf-8'))"));
        assertThat(fromPython).isEqualTo(eval("repr_py(X)", values));
        String json = eval("repr_json(X)", values);
        String viaJson = run(List.of(python(), "-c", "import json, sys; v = json.loads(sys.argv[1]); "
                + "sys.stdout.buffer.write(repr(v).encode('utf-8'))", json));
        assertThat(viaJson).isEqualTo(eval("repr_py(X)", values));
        assertThat(py).startsWith("[[");
    }

    private static List<String> concat(List<String> a, String last) {
        List<String> out = new ArrayList<>(a);
        out.add(last);
        return out;
    }

    private static String python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "python3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command.getFirst()).isTrue();
        assertThat(p.exitValue()).as("exit status of %s; stderr: %s", command, err).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }
}
