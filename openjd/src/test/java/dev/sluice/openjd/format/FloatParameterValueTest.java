package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The value of a FLOAT parameter ({@link Value#ofFloatText}): which texts are numbers, how one is shown
 * while only passed on (RFC 0005's float pass-through) and once computed on, and that it is a float in
 * expressions (RFC 0005: a parameter's expression type is its type in lower case, for RawParam too).
 */
class FloatParameterValueTest {

    private static String eval(String expression, String v) throws FormatStringException {
        Value f = Value.ofFloatText(v);
        return FormatString.parse("{{ " + expression + " }}").evaluate(Values.builder().put("Param.V", f)
                .put("RawParam.V", f).put("Param.N", 2).build());
    }

    @ParameterizedTest(name = "''{0}'' is shown as {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // As written, the RFC's own example (3.500), when it is a JSON number, which Python reads alike.
        "3.500|3.500",
        "7|7",
        "-2.50|-2.50",
        "0|0",
        "1e-3|1e-3",
        "6.02E23|6.02E23",
        "`  2.5\t`|2.5",
        // Other spellings Python's float() and Decimal() accept: Python's shortest form, so that
        // repr_json and repr_py of the value stay literals.
        "+2.5|2.5",
        ".5|0.5",
        "5.|5.0",
        "1_000.5|1000.5",
        "007|7.0",
    })
    void aValueIsShownAsWrittenWhenThatIsAPortableNumber(String text, String shown) throws Exception {
        assertThat(eval("Param.V", text)).isEqualTo(shown);
        assertThat(eval("RawParam.V", text)).isEqualTo(shown);
    }

    @ParameterizedTest(name = "{0} with V={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // Computed on, it is a 64-bit float written as Python writes it.
        "`Param.V + 1`|3.500|4.5",
        "`Param.V * Param.N`|7|14.0",
        "`Param.V / 2`|7|3.5",
        "`Param.V // 1`|3.500|3",
        "`-Param.V`|3.500|-3.5",
        "`round(Param.V, 1)`|2.25|2.2",
        "`int(Param.V)`|7|7",
        "`string(Param.V) + 's'`|3.500|3.500s",
        // It is a float, equal to ints and floats of its value, and not to text.
        "`Param.V == 3.5`|3.500|true",
        "`Param.V == 7`|7|true",
        "`Param.V == '3.500'`|3.500|false",
        "`RawParam.V > 3`|3.500|true",
        "`1 if Param.V < 0.5 else 2`|0.25|1",
        "`min(Param.V, 1)`|0.25|0.25",
        "`[Param.V, Param.N]`|0.25|`[0.25, 2.0]`",
        "`repr_json(Param.V)`|3.500|3.500",
        "`repr_py([Param.V])`|+1|`[1.0]`",
        "`repr_sh(Param.V)`|-0.5|-0.5",
    })
    void itIsAFloatInExpressions(String expression, String v, String expected) throws Exception {
        assertThat(eval(expression, v)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`Param.V.upper()`|float has no method upper()",
        "`Param.V + 'x'`|cannot apply '+' to float and string",
    })
    void stringOperationsOnItAreTypeErrors(String expression, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class, () -> eval(expression, "1.5"));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains(message);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "many|is not a decimal number such as 2.5, -1 or 1e-3",
        "``|is not a decimal number such as 2.5, -1 or 1e-3",
        "1.2.3|is not a decimal number such as 2.5, -1 or 1e-3",
        "0x10|is not a decimal number such as 2.5, -1 or 1e-3",
        "`1,5`|is not a decimal number such as 2.5, -1 or 1e-3",
        "1__0|is not a decimal number such as 2.5, -1 or 1e-3",
        "true|is not a decimal number such as 2.5, -1 or 1e-3",
        "inf|is not a finite number (OpenJD expressions have no infinity or NaN)",
        "-Infinity|is not a finite number (OpenJD expressions have no infinity or NaN)",
        "NaN|is not a finite number (OpenJD expressions have no infinity or NaN)",
        ".inf|is not a decimal number such as 2.5, -1 or 1e-3",
        "1e400|is beyond the largest float, about 1.8e+308",
        "-1.8e308|is beyond the largest float, about 1.8e+308",
    })
    void textThatIsNotAFiniteDecimalNumberIsRefusedSayingWhy(String text, String why) {
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class,
                () -> Value.ofFloatText(text));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo(why);
    }
}
