package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The range_expr type: the 2023-09 schemas' {@code <IntRangeExpr>} syntax and validation, its text,
 * and what RFC 0006 lets expressions do with one.
 */
class ExprRangeExprTest {

    private static String eval(String expression) throws FormatStringException {
        return FormatString.parse("{{ " + expression + " }}").evaluate(Values.empty());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // The schemas' table, and the text each is written back as
        "`1 - 5`|`1-5`|`[1, 2, 3, 4, 5]`",
        "`-1 - 1`|`-1-1`|`[-1, 0, 1]`",
        "`1-5:2`|`1-5:2`|`[1, 3, 5]`",
        "`10-15:2,1-5`|`1-5,10-14:2`|`[1, 2, 3, 4, 5, 10, 12, 14]`",
        "`1-10:4`|`1-9:4`|`[1, 5, 9]`",
        "`1-10:2,15`|`1-9:2,15`|`[1, 3, 5, 7, 9, 15]`",
        "`7`|`7`|`[7]`",
        "`3,1,2`|`1-3`|`[1, 2, 3]`",
        "`1-5,6-9`|`1-9`|`[1, 2, 3, 4, 5, 6, 7, 8, 9]`",
        "`10-1:-3`|`1-10:3`|`[1, 4, 7, 10]`",
        "`5-4:-1`|`4,5`|`[4, 5]`",
        "` 1 - 3 ,\t8 `|`1-3,8`|`[1, 2, 3, 8]`",
    })
    void parsesAsTheSchemasSay(String text, String canonical, String values) throws Exception {
        String literal = Quoting.pyString(text);
        assertThat(eval("range_expr(" + literal + ")")).isEqualTo(canonical);
        assertThat(eval("list(range_expr(" + literal + "))")).isEqualTo(values);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`''`|is empty",
        "`  `|is empty",
        "`1-10:4,10-15`|overlapping elements 1-10:4 and 10-15",
        "`1-5,3`|overlapping elements 1-5 and 3",
        "`5-1`|counts down, so it needs a negative step, e.g. 5-1:-1",
        "`1-5:-1`|counts up, so it needs a positive step",
        "`1-5:0`|has step 0",
        "`1-5,`|ends with ','",
        "`1,,2`|expected an integer in range expression '1,,2' after '1,' but found ','",
        "`1-`|expected an integer in range expression '1-' after '1-' but found the end",
        "`1.5`|unexpected '.' in range expression '1.5' after '1'",
        "`a`|expected an integer",
        "`1-5:2:3`|unexpected ':'",
        "`99999999999999999999`|is too large",
    })
    void invalidExpressionsAreRefusedWithTheReason(String text, String message) {
        String literal = text.equals("''") ? "''" : Quoting.pyString(text);
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> eval("range_expr(" + literal + ")"));
        assertThat(e).as(text).isNotNull();
        assertThat(e.getMessage()).contains(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`range_expr([5, 1, 3, 2])`|`1-3,5`",
        "`range_expr([1, 3, 5, 6])`|`1-5:2,6`",
        "`len(range_expr('1-1000000000'))`|1000000000",
        "`min(range_expr('5,1-3')) ;; max(range_expr('5,1-3')) ;; sum(range_expr('1-100'))`|`1 5 5050`",
        "`range_expr('1-10:2')[1] ;; range_expr('1-10:2')[-1] ;; range_expr('1-1000000000')[999999999]`|`3 9 1000000000`",
        "`range_expr('1-10')[::2] ;; range_expr('1-10,20')[-3:]`|`[1, 3, 5, 7, 9] [9, 10, 20]`",
        "`5 in range_expr('1-9:2') ;; 4 in range_expr('1-9:2') ;; 4 not in range_expr('1-9:2') ;; 5.0 in range_expr('5')`|`true false true true`",
        "`[x * 10 for x in range_expr('1-3')]`|`[10, 20, 30]`",
        "`[0] + [x * 2 for x in range_expr('1-5')]`|`[0, 2, 4, 6, 8, 10]`",
        "`[0] + range_expr('1-2') ;; range_expr('1-2') + range_expr('5')`|`[0, 1, 2] [1, 2, 5]`",
        "`'frames ' + range_expr('1-3,5') ;; range_expr('2') + '!'`|`frames 1-3,5 2!`",
        "`[1, 2, 3] == range_expr('1-3') ;; range_expr('3,1-2') == range_expr('1-3') ;; range_expr('1-3') == '1-3'`|`true true false`",
        "`string(range_expr('1-3')) ;; repr_py(range_expr('1-3')) ;; repr_json(range_expr('1-3')) ;; repr_pwsh(range_expr('1-3'))`|`1-3 '1-3' \"1-3\" '1-3'`",
        "`repr_json([range_expr('1-2')])`|`[\"1,2\"]`",
        "`sorted(range_expr('3,1')) ;; upper(range_expr('1-3'))`|`[1, 3] 1-3`",
    })
    void worksWithTheOperatorsAndFunctionsOfRfc0006(String expression, String expected) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String p : expression.split(" ;; ")) {
            out.append(out.isEmpty() ? "" : " ").append(eval(p));
        }
        assertThat(out.toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`range_expr([])`|range_expr() got an empty list",
        "`range_expr(['1'])`|range_expr() needs a list of ints but got string items",
        "`range_expr(5)`|range_expr() needs a string such as '1-10:2,15' or a list of ints but got int",
        "`list(range_expr('1-2000000'))`|list() would list the 2000000 values of range expression '1-2000000'; the limit is 1000000",
        "`[x for x in range_expr('1-2000000')]`|iterating over it would list the 2000000 values",
        "`range_expr('1-5')[5]`|index 5 is out of range for length 5",
        "`range_expr('1-5') < range_expr('2')`|cannot order range_expr and range_expr",
        "`bool(range_expr('1'))`|cannot convert range_expr to bool",
        "`range_expr('1-3').sorted()`|range_expr has no method sorted(); it is a list function; convert it first: list(r).sorted(...)",
        "`sum(range_expr('4611686018427387903,-4611686018427387903-4611686018427387000'))`|integer overflow in sum()",
        "`list('1-3')`|list() needs a range_expr but got string",
    })
    void mistakesAreRefused(String expression, String message) {
        FormatStringException e = catchThrowableOfType(FormatStringException.class, () -> eval(expression));
        assertThat(e).as(expression).isNotNull();
        assertThat(e.getMessage()).contains(message).doesNotContain("Exception");
    }
}
