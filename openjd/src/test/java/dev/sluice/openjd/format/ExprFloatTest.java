package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Floats in expressions: Python's text for them, Python's arithmetic, int/float mixing, and the
 * functions of RFC 0006 that take or give floats. Expected values are what Python 3 gives (and RFC
 * 0006 where it differs from Python, as for {@code //} and {@code round} giving ints).
 */
class ExprFloatTest {

    private static String eval(String expression) throws FormatStringException {
        return FormatString.parse("{{ " + expression + " }}").evaluate(Values.builder().put("Param.N", 7).build());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "0.1|0.1",
        "1e16|1e+16",
        "1.5|1.5",
        "10000000000.0|10000000000.0",
        "1e-05|1e-05",
        "0.0001|0.0001",
        "4.9e-324|5e-324",
        "1.7976931348623157e308|1.7976931348623157e+308",
        "9.223372036854775807e18|9.223372036854776e+18",
        "0.30000000000000004|0.30000000000000004",
        "123456789012345678.0|1.2345678901234568e+17",
        "1e22|1e+22",
        "1e23|1e+23",
        "2.5e-05|2.5e-05",
        "100.0|100.0",
        "-0.5|-0.5",
        "9999999999999998.0|9999999999999998.0",
        "0.0|0.0",
        "-0.0|0.0",
    })
    void floatsAreWrittenAsPythonsReprWritesThem(double value, String python) {
        assertThat(Floats.repr(value)).isEqualTo(python);
    }

    @Test
    void theTextOfAnyFloatReadsBackAsThatFloatAndIsNoLongerThanJavasShortest() {
        Random random = new Random(18);
        for (int n = 0; n < 20_000; n++) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (!Double.isFinite(d)) {
                continue;
            }
            String text = Floats.repr(d);
            assertThat(Double.parseDouble(text)).as(text).isEqualTo(d + 0.0);
            String javaDigits = Double.toString(Math.abs(d)).replaceFirst("E.*", "").replace(".", "")
                    .replaceFirst("^0+", "").replaceFirst("0+$", "");
            String ourDigits = text.replaceFirst("e.*", "").replace("-", "").replace(".", "")
                    .replaceFirst("^0+", "").replaceFirst("0+$", "");
            assertThat(ourDigits.length()).as(text).isLessThanOrEqualTo(javaDigits.length());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // Literals keep their text while only passed on (RFC 0005 float pass-through).
        "`1.50`|1.50",
        "`1.50 + 0`|1.5",
        "`1_000.5`|1000.5",
        "`.5 ;; 5. ;; 1e3 ;; 1E-3`|`0.5 5.0 1e3 1E-3`",
        "`[1.50, 2]`|`[1.50, 2.0]`",
        // Arithmetic, as Python
        "`0.1 + 0.2`|0.30000000000000004",
        "`1 / 2 ;; 6 / 3 ;; -7 / 2`|`0.5 2.0 -3.5`",
        "`Param.N / 2`|3.5",
        "`9007199254740993 / 1`|9007199254740992.0",
        "`4611686018427387905 / 3`|1.5372286728091292e+18",
        "`1 + 2.5 ;; 2 * 1.5 ;; 3 - 0.5`|`3.5 3.0 2.5`",
        "`7.5 // 2 ;; -7.5 // 2 ;; 7 // 2.0`|`3 -4 3`",
        "`7.5 % 2 ;; -7.5 % 2 ;; 7.5 % -2 ;; -4.0 % 2`|`1.5 0.5 -0.5 0.0`",
        "`2 ** -1 ;; 2 ** 0.5 ;; 4.0 ** 2 ;; (-8.0) ** 3`|`0.5 1.4142135623730951 16.0 -512.0`",
        "`-(1.5) ;; +2.5 ;; -(0.0)`|`-1.5 2.5 0.0`",
        "`1e308 * 10 if false else 1`|1",
        // Comparisons across int and float
        "`1 == 1.0 ;; [1, 2] == [1.0, 2.0] ;; 1.5 == '1.5' ;; 1.0 == true`|`true true false false`",
        "`1 < 1.5 ;; 2.0 <= 2 ;; 9007199254740993 > 9007199254740992.0 ;; 1.5 in [1, 1.5]`|`true true true true`",
        "`sorted([2, 0.5, 1]) ;; [1] + [2.5]`|`[0.5, 1.0, 2.0] [1.0, 2.5]`",
        "`[[1], [2.5]]`|`[[1.0], [2.5]]`",
        // Functions
        "`float(3) ;; float(' -2.5 ') ;; float('1_0.5') ;; float('1e3') ;; float(2.5)`|`3.0 -2.5 10.5 1000.0 2.5`",
        "`int(3.0) ;; int(-2.0) ;; string(2.5) ;; bool(0.0) ;; bool(0.1)`|`3 -2 2.5 false true`",
        "`floor(2.7) ;; floor(-2.5) ;; ceil(2.1) ;; ceil(-2.5) ;; floor(3) ;; ceil(-3)`|`2 -3 3 -2 3 -3`",
        "`round(0.5) ;; round(1.5) ;; round(2.5) ;; round(-2.5) ;; round(2.675, 2)`|`0 2 2 -2 2.67`",
        "`round(3.5, 2) ;; round(3.14159, 3) ;; round(1234.5, -1) ;; round(1234.5, 0) ;; round(0.001, 2)`|`3.50 3.142 1230 1234 0.00`",
        "`round(25, -1) ;; round(35, -1) ;; round(7, 2)`|`20 40 7`",
        "`round(3.5, 2) + 1`|4.5",
        "`abs(-2.5) ;; min(1, 2.5) ;; max(1, 2.5) ;; max([3, 1.5]) ;; min(2.0, 2)`|`2.5 1.0 2.5 3.0 2.0`",
        "`sum([0.5, 1, 1.5]) ;; sum([1, 2])`|`3.0 3`",
        "`zfill(-2.5, 6) ;; zfill(1e16 * 1, 8)`|`-002.5 0001e+16`",
        "`repr_py(0.1) ;; repr_json([1.5, 1e16 * 1]) ;; repr_pwsh(2.5) ;; repr_sh(1.5)`|`0.1 [1.5, 1e+16] 2.5 1.5`",
        "`'x' * int(2.0)`|xx",
    })
    void evaluatesAsPythonAndTheRfcSay(String expression, String expected) throws Exception {
        String[] parts = expression.split(" ;; ");
        StringBuilder out = new StringBuilder();
        for (String p : parts) {
            out.append(out.isEmpty() ? "" : " ").append(eval(p));
        }
        assertThat(out.toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`1 / 0`|division by zero in '/'",
        "`1.5 // 0`|division by zero in '//'",
        "`1.5 % 0.0`|division by zero in '%'",
        "`1e308 * 10`|'*' overflows: the result is beyond the largest float",
        "`0.0 ** -1`|0 ** -1 divides by zero",
        "`(-8.0) ** 0.5`|has no real result",
        "`1e400`|float literal '1e400' is beyond the largest float",
        "`int(2.5)`|int() cannot convert 2.5: it is not a whole number",
        "`int(1e19)`|int() cannot convert 1e19: it is not a whole number in the 64-bit range",
        "`float('nan') ;; x`|infinity and NaN are not values here",
        "`float('inf')`|infinity and NaN are not values here",
        "`float('1.5x')`|float() cannot convert '1.5x'",
        "`float([1])`|float() needs an int, a float or a string but got list",
        "`floor(1e300)`|integer overflow in floor()",
        "`round(1.5, 200000)`|round() can keep at most 100000 decimals",
        "`'x' * 2.0`|cannot apply '*' to string and float",
        "`range(2.0)`|range() needs an int first but got float; make it whole first with int(x), round(x)",
        "`1.5 < 'a'`|cannot order float and string",
        "`[1.5, 'a']`|a list cannot mix int and string items",
    })
    void errorsNameTheProblem(String expression, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> eval(expression.split(" ;; ")[0]));
        assertThat(e).as(expression).isNotNull();
        assertThat(e.getMessage()).contains(message).doesNotContain("Exception").doesNotContain("java.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{{ 1.5x }}`|invalid number '1.5x'",
        "`{{ 1e }}`|an exponent needs digits",
        "`{{ 1__0.5 }}`|'_' may only separate digits",
        "`{{ 1_.5 }}`|'_' may only separate digits",
        "`{{ 42.zfill(5) }}`|a method call on a number needs brackets, (42).zfill(5)",
    })
    void badFloatLiteralsAreSyntaxErrors(String text, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class, () -> FormatString.parse(text));
        assertThat(e).as(text).isNotNull();
        assertThat(e.getMessage()).contains(message).contains("column 4");
    }
}
