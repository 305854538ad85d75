package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ShellTest {

    /** Strings a template parameter or a wrapped command might carry, chosen to break naive quoting. */
    static List<String> hostileStrings() {
        return List.of(
                "",
                "plain",
                "two words",
                "it's",
                "'",
                "''",
                "'\"'\"'",
                "say \"hi\"",
                "$(touch /tmp/sluice-pwned)",
                "`id`",
                "$HOME and ${PATH}",
                "* ? [a-z] ~",
                "line one\nline two",
                "\n",
                "tab\there",
                "back\\slash\\\\",
                "trailing backslash\\",
                "emoji \uD83D\uDE80 rocket",
                "\u05E9\u05DC\u05D5\u05DD RTL \u202E override",
                "e\u0301 combining acute",
                "-n",
                "--rm -rf /",
                "a;b|c&d>e<f",
                "!history",
                "#comment",
                "{brace,expansion}",
                "  leading and trailing  ",
                "%s %d");
    }

    @ParameterizedTest
    @MethodSource("hostileStrings")
    void shReproducesEveryStringFromItsQuotedForm(String original) throws Exception {
        List<String> words = shellWords(Shell.reprSh(original));

        assertThat(words).containsExactly(original);
    }

    @Test
    void shReproducesAListWithEmptyAndHostileElementsAsSeparateWords() throws Exception {
        List<String> list = new ArrayList<>(hostileStrings());
        list.add("");
        list.add(0, "");

        List<String> words = shellWords(Shell.reprSh(list));

        assertThat(words).containsExactlyElementsOf(list);
    }

    @Test
    void anEmptyListQuotesToNothingAndShSeesNoWords() throws Exception {
        assertThat(Shell.reprSh(List.of())).isEmpty();
        assertThat(shellWords(Shell.reprSh(List.of()))).isEmpty();
    }

    // Expected values written by hand from shlex.quote: safe set [A-Za-z0-9@%+=:,./_-] stays bare,
    // '' for empty, otherwise '...' with each ' as '"'"'.
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "hello|hello",
        "a/b_c-d.e|a/b_c-d.e",
        "user@host:8080|user@host:8080",
        "k=v,w+x%y|k=v,w+x%y",
        "-n|-n",
        "``|''",
        "hello world|'hello world'",
        "it's|'it'\"'\"'s'",
        "'|''\"'\"''",
        "$HOME|'$HOME'",
        "a;b|'a;b'",
        "*|'*'",
        "~user|'~user'",
        "caf\u00e9|'caf\u00e9'",
        "back\\slash|'back\\slash'",
        "say \"hi\"|'say \"hi\"'",
    })
    void quoteMatchesPythonShlexQuote(String input, String expected) {
        assertThat(Shell.reprSh(input)).isEqualTo(expected);
    }

    @Test
    void joinMatchesPythonShlexJoin() {
        assertThat(Shell.reprSh(List.of("echo", "hello world"))).isEqualTo("echo 'hello world'");
        assertThat(Shell.reprSh(List.of("a", "", "b"))).isEqualTo("a '' b");
        assertThat(Shell.reprSh(List.of("it's", "x"))).isEqualTo("'it'\"'\"'s' x");
        assertThat(Shell.reprSh(List.of(""))).isEqualTo("''");
    }

    @Test
    void newlinesAndTabsAreQuotedNotEscaped() {
        assertThat(Shell.reprSh("a\nb")).isEqualTo("'a\nb'");
        assertThat(Shell.reprSh("a\tb")).isEqualTo("'a\tb'");
    }

    /** Runs {@code set -- <quoted>} in /bin/sh and returns the words it produced, NUL-separated. */
    private static List<String> shellWords(String quoted) throws IOException, InterruptedException {
        String script = "set -- " + quoted + "\nfor a; do printf '%s\\0' \"$a\"; done\n";
        Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(false).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("sh finished").isTrue();
        assertThat(p.exitValue()).as("sh exit status; stderr: %s", err).isZero();
        String all = out.toString(StandardCharsets.UTF_8);
        List<String> words = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length(); i++) {
            if (all.charAt(i) == '\0') {
                words.add(all.substring(start, i));
                start = i + 1;
            }
        }
        assertThat(start).as("output ends with NUL").isEqualTo(all.length());
        return words;
    }
}
