package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The regular-expression functions of RFC 0006, and the dialect: what Python's re and Rust's regex
 * both read the same way is accepted, everything else is refused by name. Expected results are what
 * both engines give (where they differ on an accepted pattern, Rust's, as the reference does).
 */
class ExprRegexTest {

    private static String eval(String expression) throws FormatStringException {
        return FormatString.parse("{{ " + expression + " }}").evaluate(Values.builder()
                .put("Param.File", "shot010_v003.exr").build());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // The RFC's examples
        "`re_search('asset_v042_final.abc', r'_v(\\d+)')`|`[\"_v042\", \"042\"]`",
        "`re_match('v042_final', r'v(\\d+)') ;; re_match('asset_v042', r'v(\\d+)')`|`[\"v042\", \"042\"] `",
        "`re_search('render_001.exr', r'_\\d+\\.exr$') != null`|true",
        "`re_search('hello123', r'\\d+')`|`[\"123\"]`",
        "`re_search(Param.File, r'shot(\\d+)_v(\\d+)')`|`[\"shot010_v003\", \"010\", \"003\"]`",
        "`re_search('diffuse.1023.tx', r'\\.(10\\d{2})\\.')[1]`|1023",
        "`re_findall('shot010_shot020_shot035_comp.nk', r'shot(\\d+)')`|`[\"010\", \"020\", \"035\"]`",
        "`re_findall('shot010_shot020_shot035_comp.nk', r'shot\\d+')`|`[\"shot010\", \"shot020\", \"shot035\"]`",
        "`re_findall('v1.2.3 and v4.5.6', r'v(\\d+)\\.(\\d+)\\.(\\d+)')`|`[[\"1\", \"2\", \"3\"], [\"4\", \"5\", \"6\"]]`",
        "`re_sub('frame_001', r'\\d+', '002')`|frame_002",
        "`re_escape('file[1].txt')`|`file\\[1\\]\\.txt`",
        // Unicode classes, as both engines have them
        "`re_findall('h\u00e9llo w\u00f6rld \u0663', r'\\w+')`|`[\"h\u00e9llo\", \"w\u00f6rld\", \"\u0663\"]`",
        "`re_findall('\u0661\u06623', r'\\d')`|`[\"\u0661\", \"\u0662\", \"3\"]`",
        "`re_search('b', r'(a)|(b)')`|`[\"b\", \"\", \"b\"]`",
        "`re_search('ab', r'(?P<first>a)(?:b)')`|`[\"ab\", \"a\"]`",
        "`re_search('a.b', r'a\\.b') ;; re_search('axb', r'a\\.b')`|`[\"a.b\"] `",
        "`re_search('x\u00e9y', r'[\u00e0-\u00ff]') ;; re_search('a-b', r'[a\\-]+')`|`[\"\u00e9\"] [\"a-\"]`",
        "`re_search('a]b', r'[]a]+') ;; re_search('$^', r'[$^]+')`|`[\"a]\"] [\"$^\"]`",
        "`re_search('aaa', r'a{2}') ;; re_search('aaa', r'a{1,}?') ;; re_search('{x}', r'\\{x\\}')`|`[\"aa\"] [\"a\"] [\"{x}\"]`",
        "`re_search('\t', r'\\t') != null ;; re_search('A', r'\\x41') != null ;; re_search('\u00e9', r'\\u00e9') != null`|`true true true`",
        "`re_search('line\\n', r'line$')`|",
        "`re_search('a\\nb', r'a.b')`|",
        // Iteration, re_sub and re_split
        "`re_sub('abc', r'x*', '-')`|-a-b-c-",
        "`re_sub('baaab', r'a*', '-')`|-b-b-",
        "`re_sub('a.b', r'\\.', '\\\\') ;; re_sub('a', r'a', '$')`|`a\\b $`",
        "`re_split('a, b;c,d', r'[,;]\\s*') ;; re_split('a, b;c,d', r'[,;]\\s*', 2)`|`[\"a\", \"b\", \"c\", \"d\"] [\"a\", \"b\", \"c,d\"]`",
        "`re_split('a,b,c', ',', -1) ;; re_split('a,b,c', ',', 0)`|`[\"a,b,c\"] [\"a\", \"b\", \"c\"]`",
        "`re_findall('\ud83d\ude00\ud83d\ude00', r'x*')`|`[\"\", \"\", \"\"]`",
        "`re_search(Param.File, re_escape('v003.exr')) != null`|true",
    })
    void matchesAsBothEnginesDo(String expression, String expected) throws Exception {
        StringBuilder out = new StringBuilder();
        String[] parts = expression.split(" ;; ");
        for (int k = 0; k < parts.length; k++) {
            out.append(k == 0 ? "" : " ").append(eval(parts[k]));
        }
        assertThat(out.toString()).isEqualTo(expected == null ? "" : expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`(?=a)`|look-ahead '(?=...)', which Rust's regex lacks",
        "`(?!a)`|look-ahead '(?!...)'",
        "`(?<=a)b`|look-behind '(?<=...)'",
        "`(?<!a)b`|look-behind '(?<!...)'",
        "`(a)\\1`|a backreference or octal escape in Python",
        "`(?P<x>a)(?P=x)`|the named backreference '(?P=...)'",
        "`(?<x>a)`|the group name syntax '(?<name>...)', which Python's re lacks",
        "`(?>a)`|the atomic group '(?>...)'",
        "`a*+`|a possessive repetition '*+'",
        "`a{2}+`|a possessive repetition '{+'",
        "`(?i)abc`|the inline flags '(?i)'",
        "`(?i:abc)`|the inline flags '(?i:'",
        "`(?#note)a`|the comment '(?#...)'",
        "`(a)?(?(1)b|c)`|the conditional",
        "`a\\Z`|'\\Z', Python's end of string",
        "`a\\z`|'\\z', Rust's end of string",
        "`\\x{41}`|the brace escape '\\x{...}'",
        "`\\u{41}`|the brace escape '\\u{...}'",
        "`\\p{L}`|the Unicode class '\\p'",
        "`\\pL`|the Unicode class '\\p'",
        "`\\N{DIGIT ONE}`|the named character '\\N{...}'",
        "`\\<word\\>`|'\\<' (a word boundary in Rust's regex",
        "`\\Qa.b\\E`|the escape '\\Q'",
        "`\\h`|the escape '\\h'",
        "`\\R`|the escape '\\R'",
        "`\\G`|the escape '\\G'",
        "`\\e`|the escape '\\e'",
        "`\\cA`|the escape '\\c'",
        "`\\k<x>`|the escape '\\k'",
        "`\\0`|a backreference or octal escape",
        "`\\\u00e9`|an escaped non-ASCII character",
        "`[[:alpha:]]`|'[' inside [...]",
        "`[a-z&&[^aeiou]]`|'&&' inside [...]",
        "`[a--b]`|'--' inside [...]",
        "`[a~~b]`|'~~' inside [...]",
        "`[\\d-z]`|a range from a class such as \\d",
        "`[a-\\w]`|a range to a class such as \\d",
        "`[z-a]`|the range z-a that runs backwards",
        "`[a-b-c]`|a '-' right after a range",
        "`[\\b]`|'\\b' inside [...]",
        "`[abc`|'[' is not closed",
        "`(abc`|'(' is not closed",
        "`abc)`|')' has no '(' before it",
        "`*a`|'*' has nothing before it to repeat",
        "`a**`|a repetition of a repetition",
        "`^*`|a repetition of an assertion",
        "`a{,3}`|'{,m}' without a minimum",
        "`a{3,2}`|with its maximum below its minimum",
        "`a{1001}`|a repetition of more than 1000",
        "`a{`|a '{' that does not start a repetition",
        "`{2}`|'{' has nothing before it to repeat",
        "`\\x4`|'\\x' without exactly 2 hex digits",
        "`\\ud800`|which is not a Unicode character",
        "`(?P<1x>a)`|group name '1x'",
        "`(?P<x>a)(?P<x>b)`|a second group named 'x'",
        "`a\\`|a '\\' at the end of the pattern",
    })
    void constructsOutsideTheIntersectionAreRefusedByName(String pattern, String construct) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> eval("re_search('abc', " + Quoting.pyString(pattern) + ")"));
        assertThat(e).as(pattern).isNotNull();
        assertThat(e.getMessage()).contains("re_search(): the pattern").contains(construct)
                .contains("OpenJD patterns are what Python's re and Rust's regex both read the same way")
                .doesNotContain("Exception");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`re_search('a', '')`|re_search() needs a non-empty pattern",
        "`re_sub('a', 'a', '\\\\1')`|the replacement has the group reference '\\1...'",
        "`re_sub('a', '(a)', '\\\\g<1>')`|group reference '\\g<...'",
        "`re_sub('a', 'a', '$1') ;; re_sub('a', 'a', '${x}')`|group reference '$1...'",
        "`re_split('a1b', r'(\\d)')`|re_split(): the pattern has a capturing group",
    })
    void otherMistakesAreRefused(String expression, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> eval(expression.split(" ;; ")[0]));
        assertThat(e).as(expression).isNotNull();
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void catastrophicBacktrackingIsCutOffWithAnError() {
        // java.util.regex takes minutes over this one; Rust's engine, linear in the string, does not.
        String s = "a,".repeat(30);
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> eval("re_search('" + s + "', r'(.*?,){15}x')"));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("re_search() gave up: the pattern backtracks too much");
    }

    @Test
    void escapedTextMatchesItselfAndOnlyItself() throws Exception {
        String text = "a.b*c+d?e(f)g[h]i{j}k|l^m$n#o&p-q~r\\s t";
        String escaped = Regexes.escape(text);
        Regexes.Compiled c = Regexes.compile("re_search", escaped);
        assertThat(c.pattern().matcher(text).matches()).isTrue();
        assertThat(c.pattern().matcher(text.replace('.', 'x')).matches()).isFalse();
        assertThat(c.groups()).isZero();
    }

    @Test
    void theJavaPatternWritesEveryLiteralByItsCodePoint() throws Exception {
        Regexes.Compiled c = Regexes.compile("re_search", "a#b c$");
        assertThat(c.pattern().pattern()).isEqualTo("a\\x{23}b\\x{20}c\\z");
        assertThat(c.pattern().flags() & Pattern.UNICODE_CHARACTER_CLASS).isNotZero();
    }
}
