package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** String literals as Python reads them: triple quotes, {@code \N{name}}, octal and other escapes. */
class ExprLiteralTest {

    private static String eval(String text) throws FormatStringException {
        return FormatString.parse(text).evaluate(Values.empty());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{{ '''it's \"x\"''' }}`|`it's \"x\"`",
        "`{{ \"\"\"a\"b\"\"\" }}`|`a\"b`",
        "`{{ '''}}''' }}`|`}}`",
        "`{{ r'''\\d+''' }}`|`\\d+`",
        "`{{ '\\N{EM DASH}' + \"\\N{latin small letter e with acute}\" }}`|`\u2014\u00e9`",
        "`{{ '\\N{GRINNING FACE}' }}`|`\ud83d\ude00`",
        "`{{ '\\101\\0' + 'x' }}`|`A\u0000x`",
        "`{{ '\\a\\b\\f\\v' == '\\x07\\x08\\x0c\\x0b' }}`|true",
        "`{{ '\\d' }}`|`\\d`",
        "`{{ r'\\N{EM DASH}' }}`|`\\N{EM DASH}`",
    })
    void readsStringLiteralsAsPython(String text, String expected) throws Exception {
        assertThat(eval(text)).isEqualTo(expected);
    }

    @Test
    void aTripleQuotedStringMaySpanLines() throws Exception {
        assertThat(eval("{{ '''first\nsecond''' }}")).isEqualTo("first\nsecond");
        assertThat(eval("{{ 'a\\\nb' }}")).isEqualTo("ab");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{{ '\\N{NO SUCH CHARACTER}' }}`|unknown Unicode character name 'NO SUCH CHARACTER'",
        "`{{ '\\N{LATIN 1 SUPPLEMENT 80}' }}`|unknown Unicode character name",
        "`{{ '\\N' }}`|escape \\N needs a character name in braces",
        "`{{ '\\N{EM DASH' }}`|escape \\N needs a character name in braces",
        "`{{ '''abc }}`|'{{' is not closed",
        "`{{ 'abc\n' }}`|string literal is not closed",
    })
    void badLiteralsAreRefused(String text, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class, () -> FormatString.parse(text));
        assertThat(e).as(text).isNotNull();
        assertThat(e.getMessage()).contains(message);
    }
}
