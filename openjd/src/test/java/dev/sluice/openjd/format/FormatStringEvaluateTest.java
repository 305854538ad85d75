package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FormatStringEvaluateTest {

    private static final Values VALUES = Values.builder()
            .put("Param.Image", "ubuntu:24.04")
            .put("Param.Count", 3)
            .put("Param.Quote", "it's")
            .put("Session.WorkingDirectory", "/tmp/session 1")
            .put("WrappedAction.Command", "python3")
            .putStrings("WrappedAction.Args", List.of("-c", "print('hi there')", ""))
            .putStrings("WrappedAction.Environment", List.of("A=1", "B=two words"))
            .put("WrappedAction.Timeout", Value.NULL)
            .put("WrappedAction.Cancelation.NotifyPeriodInSeconds", 120)
            .putStrings("Param.Empty", List.of())
            .build();

    private static String eval(String text) throws FormatStringException {
        return FormatString.parse(text).evaluate(VALUES);
    }

    private static FormatStringException evalError(String text) {
        return catchThrowableOfType(FormatStringException.class, () -> eval(text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`image={{ Param.Image }}`|`image=ubuntu:24.04`",
        "`{{ Param.Count }} tasks`|`3 tasks`",
        "`{{ repr_sh(Param.Quote) }}`|`'it'\"'\"'s'`",
        "`{{ repr_sh(Session.WorkingDirectory) }}`|`'/tmp/session 1'`",
        "`exec {{ repr_sh([WrappedAction.Command] + WrappedAction.Args) }}`|`exec python3 -c 'print('\"'\"'hi there'\"'\"')' ''`",
        "`{{ WrappedAction.Args.repr_sh() }}`|`-c 'print('\"'\"'hi there'\"'\"')' ''`",
        "`{{ repr_sh(Param.Count) }}`|`3`",
        "`{{ repr_json(Param.Quote) }}`|`\"it's\"`",
        "`{{ repr_json(WrappedAction.Environment) }}`|`[\"A=1\", \"B=two words\"]`",
        "`{{ repr_json(WrappedAction.Timeout) }}`|`null`",
        "`{{ repr_json([1, 2]) }}`|`[1, 2]`",
        "`{{ repr_json('a\"b\\\\c\\n\\t\\x01') }}`|`\"a\\\"b\\\\c\\n\\t\\u0001\"`",
        "`{{ repr_json(true) }}`|`true`",
        "`{{ WrappedAction.Environment }}`|`[\"A=1\", \"B=two words\"]`",
        "`{{ flatten([['-e', e] for e in WrappedAction.Environment]) }}`|`[\"-e\", \"A=1\", \"-e\", \"B=two words\"]`",
        "`{{ len(WrappedAction.Args) }}/{{ len('h\\U0001F680') }}`|`3/2`",
        "`{{ string(WrappedAction.Timeout) }} {{ string(7) }} {{ string(['a']) }}`|`null 7 [\"a\"]`",
        "`{{ WrappedAction.Environment.join(';') }}`|`A=1;B=two words`",
        "`{{ join([1, 2], '-') }}`|`1-2`",
        "`[{{ WrappedAction.Timeout }}]`|`[]`",
        "`{{ WrappedAction.Timeout or 30 }}`|`30`",
        "`{{ WrappedAction.Cancelation.NotifyPeriodInSeconds or 30 }}`|`120`",
        // Only null and false are falsy in EXPR, so 0 and '' are kept (unlike Python).
        "`{{ 0 or 5 }} {{ '' or 'x' }}`|`0 `",
        "`{{ WrappedAction.Timeout and 1 }}|{{ true and 'y' }}`|`|y`",
        "`{{ 'final' if Param.Count > 2 else 'draft' }}`|`final`",
        "`{{ 16 if Param.Image == 'x' else 4 }}`|`4`",
        "`{{ not (Param.Count == 3) }}`|`false`",
        "`{{ 1 < Param.Count <= 3 }} {{ 1 < Param.Count < 3 }}`|`true false`",
        "`{{ 'A=1' in WrappedAction.Environment }} {{ 'ubuntu' in Param.Image }} {{ 'x' not in Param.Image }}`|`true true true`",
        "`{{ Param.Count + 1 }} {{ Param.Count - 5 }} {{ Param.Count * 4 }} {{ -7 // 2 }} {{ -7 % 3 }}`|`4 -2 12 -4 2`",
        "`{{ 'ab' * 3 }} {{ [1] * 2 }}`|`ababab [1, 1]`",
        "`{{ 'v' + Param.Image }}`|`vubuntu:24.04`",
        "`{{ 0x1F + 0o7 + 0b11 + 1_000 }}`|`1041`",
        "`{{ WrappedAction.Args[0] }}{{ WrappedAction.Args[-2][0] }}`|`-cp`",
        "`{{ [x for x in [1, 2, 3, 4] if x % 2 == 0] }}`|`[2, 4]`",
        "`{{ [] + [] }} {{ [] == [] }}`|`[] true`",
        "`{{ r'\\d+' }} {{ 'a\\qb' }} {{ \"\\u00e9\" }}`|`\\d+ a\\qb \u00e9`",
        "`{{ None }}{{ null }}|{{ True }} {{ false }}`|`|true false`",
        "`{{ 1 == '1' }} {{ true == 1 }} {{ 'b' > 'a' }}`|`false false true`",
    })
    void expressionsEvaluateAsTheSpecificationSays(String text, String expected) throws Exception {
        assertThat(eval(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`ab {{ Param.Missing }}`|7|no value was given for variable 'Param.Missing'",
        "`{{ Param.Image + 1 }}`|16|cannot apply '+' to string and int; convert numbers with string(x)",
        "`{{ repr_sh(WrappedAction.Timeout) }}`|4|repr_sh() got null; supply a fallback",
        "`{{ repr_sh([['a']]) }}`|4|repr_sh() got a list of lists; flatten it first",
        "`{{ repr_sh(1, 2) }}`|4|repr_sh() takes 1 argument but got 2",
        "`{{ join(['a']) }}`|4|join() takes 2 arguments but got 1",
        "`{{ len(3) }}`|4|len() needs a string, path, list or range_expr but got int",
        "`{{ flatten('x') }}`|4|flatten() needs a list but got string",
        "`{{ [1, 'a'] }}`|4|a list cannot mix int and string items",
        "`{{ [1, null] }}`|4|a list cannot hold null",
        "`{{ 1 if Param.Count else 2 }}`|9|the condition of 'x if test else y' needs a bool",
        "`{{ not Param.Count }}`|4|'not' needs a bool",
        "`{{ Param.Args[9] }}`|0|",
        "`{{ WrappedAction.Args[3] }}`|23|index 3 is out of range for length 3",
        "`{{ Param.Count // 0 }}`|16|division by zero",
        "`{{ 9223372036854775807 + 1 }}`|24|integer overflow in '+'",
        "`{{ Param.Count < 'a' }}`|16|cannot order int and string with '<'",
        "`{{ [x for x in Param.Count] }}`|16|a list comprehension needs a list or range_expr after 'in' but got int",
        "`{{ 'a' * 2000000 }}`|8|'*' would build 2000000 items or characters; the limit is 1000000",
        "`{{ -'a' }}`|4|unary '-' needs an int or a float but got string",
        "`{{ 1 in 2 }}`|6|'in' needs a list or range_expr, or a string in a string, but got int in int",
    })
    void evaluationErrorsNameTheProblemAndColumn(String text, int column, String message) {
        FormatStringException e = evalError(text);
        if (column == 0) {
            assertThat(e.getMessage()).contains("no value was given for variable 'Param.Args'");
            return;
        }

        assertThat(e).as("error for %s", text).isNotNull();
        assertThat(e.column()).isEqualTo(column);
        assertThat(e.getMessage()).contains("column " + column + ": ").contains(message);
    }

    @Test
    void aWholeStringListExpandsToOneArgumentPerElement() throws Exception {
        List<FormatString> args = FormatString.parseAll(List.of(
                "{{Env.File.Wrap}}",
                "{{ flatten([['-e', e] for e in WrappedAction.Environment]) }}",
                "--",
                "{{WrappedAction.Command}}",
                "{{WrappedAction.Args}}"));
        Values values = VALUES.toBuilder().put("Env.File.Wrap", "/s/wrap.sh").build();

        assertThat(FormatString.evaluateArgs(args, values)).containsExactly(
                "/s/wrap.sh", "-e", "A=1", "-e", "B=two words", "--", "python3", "-c", "print('hi there')", "");
    }

    @Test
    void aWholeStringNullIsDroppedButAnEmptyStringIsKept() throws Exception {
        List<FormatString> args = FormatString.parseAll(List.of(
                "a", "{{ WrappedAction.Timeout }}", "{{ '--verbose' if Param.Count > 5 else null }}",
                "{{ '' }}", "{{ Param.Empty }}", "z"));

        assertThat(FormatString.evaluateArgs(args, VALUES)).containsExactly("a", "", "z");
    }

    @Test
    void aListInsideLargerTextIsOneArgumentOfJsonText() throws Exception {
        List<FormatString> args = FormatString.parseAll(List.of("args={{WrappedAction.Args}}", " {{Param.Empty}}"));

        assertThat(FormatString.evaluateArgs(args, VALUES))
                .containsExactly("args=[\"-c\", \"print('hi there')\", \"\"]", " []");
    }

    @Test
    void integersAndBooleansBecomeOneArgumentEach() throws Exception {
        FormatString s = FormatString.parse("{{ Param.Count }}");
        FormatString b = FormatString.parse("{{ Param.Count == 3 }}");

        assertThat(s.evaluateArg(VALUES)).containsExactly("3");
        assertThat(b.evaluateArg(VALUES)).containsExactly("true");
    }

    @Test
    void aWholeStringListOfListsMustBeFlattened() {
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> FormatString.parse("{{ [['-e', e] for e in WrappedAction.Environment] }}").evaluateArg(VALUES));

        assertThat(e.getMessage()).contains("column 1: ").contains("wrap the expression in flatten(...)");
    }

    @Test
    void argumentsSurviveAsArgvWithoutAShell() throws Exception {
        // Regression guard: list expansion must never re-join into a shell line.
        FormatString args = FormatString.parse("{{ WrappedAction.Args }}");

        assertThat(args.evaluateArg(VALUES)).containsExactly("-c", "print('hi there')", "");
    }

    @Test
    void theSameParsedStringEvaluatesWithDifferentValues() throws Exception {
        FormatString s = FormatString.parse("{{ Param.Image }}");

        assertThat(s.evaluate(Values.builder().put("Param.Image", "a").build())).isEqualTo("a");
        assertThat(s.evaluate(Values.builder().put("Param.Image", "b").build())).isEqualTo("b");
    }

    /**
     * Each '*' stayed within its bound, yet together these built a billion items (out of memory after
     * a minute of garbage collection) or compared and rendered them (issue 16); now each is a problem
     * within a second.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "{{ len([[0] * 1000000 for x in [0] * 1000]) }}",
        "{{ repr_json([[0] * 1000000] * 1000000) }}",
        "{{ [['a'] * 1000000] * 1000000 == [['a'] * 1000000] * 1000000 }}",
        "{{ [x for x in [0] * 1000000] }} {{ [x for x in [0] * 1000000] }} {{ [x for x in [0] * 1000000] }}",
    })
    @Timeout(value = 20, unit = java.util.concurrent.TimeUnit.SECONDS)
    void workBeyondTheBoundIsAProblemNotAnExhaustedHeap(String text) {
        FormatStringException e = evalError(text);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("more than 4000000 list items and characters in all");
    }

    /**
     * An empty list repeated a great many times, many times over: nothing is built, so nothing was charged,
     * yet the repetition looped over its count (found by the loaders' fuzz test: 10.9 GiB allocated).
     */
    @Test
    @Timeout(value = 20, unit = java.util.concurrent.TimeUnit.SECONDS)
    void anEmptyListRepeatedCostsNothingHoweverLargeTheCount() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThat(eval("{{ len([[0] * 0 * 59270 for x in [0] * 5927]) }}")).isEqualTo("5927");
        assertThat(eval("{{ [] * 1000000000 }}")).isEqualTo("[]");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("bytes allocated").isLessThan(64L << 20);
    }

    @Test
    void workWithinTheBoundIsDone() throws Exception {
        assertThat(eval("{{ len([x for x in [0] * 500000]) }}")).isEqualTo("500000");
        assertThat(eval("{{ len('a' * 1000000 + 'b') }}")).isEqualTo("1000001");
        assertThat(eval("{{ [0] * 1000000 }}")).hasSize(3 * 1000000);
    }
}
