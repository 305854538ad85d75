package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormatStringParseTest {

    private static FormatStringException parseError(String text) {
        return catchThrowableOfType(FormatStringException.class, () -> FormatString.parse(text));
    }

    @Test
    void literalTextHasNoVariables() throws Exception {
        FormatString s = FormatString.parse("just text { with } single braces");

        assertThat(s.isLiteral()).isTrue();
        assertThat(s.variables()).isEmpty();
        assertThat(s.evaluate(Values.empty())).isEqualTo("just text { with } single braces");
    }

    @Test
    void whitespaceInsideBracesIsOptional() throws Exception {
        Values v = Values.builder().put("Param.Scene", "s.blend").build();

        assertThat(FormatString.parse("{{Param.Scene}}").evaluate(v)).isEqualTo("s.blend");
        assertThat(FormatString.parse("{{   Param.Scene\t}}").evaluate(v)).isEqualTo("s.blend");
        assertThat(FormatString.parse("{{\n  Param.Scene\n}}").evaluate(v)).isEqualTo("s.blend");
    }

    @Test
    void variablesAreFullDottedNamesInOrderWithoutFunctionsOrLoopVariables() throws Exception {
        FormatString s = FormatString.parse(
                "{{ repr_sh(Task.Param.Frame) }} {{ [e for e in WrappedAction.Environment] }} "
                        + "{{ WrappedAction.Args.join(' ') }} {{ Task.Param.Frame }} {{ WrappedAction.Cancelation.Mode }}");

        assertThat(s.variables()).containsExactly("Task.Param.Frame", "WrappedAction.Environment",
                "WrappedAction.Args", "WrappedAction.Cancelation.Mode");
    }

    @Test
    void keywordsAfterADotAreNames() throws Exception {
        FormatString s = FormatString.parse("{{ Param.if }}");

        assertThat(s.variables()).containsExactly("Param.if");
    }

    @Test
    void aStringLiteralMayContainClosingBraces() throws Exception {
        assertThat(FormatString.parse("{{ 'a}}b' }}!").evaluate(Values.empty())).isEqualTo("a}}b!");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // text | column | part of the message
        "`abc {{ Param.X`|5|'{{' is not closed",
        "`{{ Param.X }} and {{ Param.Y`|19|'{{' is not closed",
        "`a }} b`|3|'}}' without a matching '{{'",
        "`{{ Param.X }} }}`|15|'}}' without a matching '{{'",
        "`x {{ }}`|3|empty expression",
        "`x {{}}`|3|empty expression",
        "`{{ Param.X + }}`|14|expected a value but found the end of the expression",
        "`{{ Param.X Param.Y }}`|12|expected the end of the expression but found 'Param'",
        "`{{ nope(1) }}`|4|unknown function 'nope'; the functions are abs, all, any, apply_path_mapping, as_posix, bool,",
        "`{{ Param.X.name() }}`|12|'name' is a property, not a function: write x.name without '()'",
        "`{{ Param.L[1:2:] + [1:] }}`|22|expected ']' but found ':'",
        "`{{ Param.X.upperr() }}`|12|unknown function 'upperr'",
        "`{{ 'abc }}`|1|'{{' is not closed",
        "`{{ 1.5.2 }}`|4|invalid number '1.5.2'",
        "`{{ 007 }}`|4|leading zeros are not allowed",
        "`{{ 99999999999999999999 }}`|4|integers are 64-bit",
        "`{{ Param.X # }}`|12|unexpected character '#'",
        "`{{ '\\x4' }}`|5|escape \\x needs exactly 2 hex digits",
        "`{{ Param.A if true }}`|20|expected 'else'",
        "`{{ repr_sh(Param.A }}`|20|expected ')'",
        "`{{ [1, 2 }}`|10|expected ']'",
        "`{{ Param.X.stem }}`|0|",
        "`{{ Param.X() }}`|10|unknown function 'X'",
        "`{{ '''a }}`|1|'{{' is not closed",
        "`{{ [e for E in Param.L] }}`|11|a list comprehension variable must be a name that starts with a lowercase letter",
    })
    void malformedStringsFailWithTheirColumn(String text, int column, String message) {
        if (column == 0) {
            // Control row: a valid string (properties chain into the variable name) must not fail.
            assertThat(parseError(text)).isNull();
            return;
        }
        FormatStringException e = parseError(text);

        assertThat(e).as("parse error for %s", text).isNotNull();
        assertThat(e.column()).isEqualTo(column);
        assertThat(e.getMessage()).contains("column " + column + ": ").contains(message).contains(text);
    }

    @Test
    void anErrorOnALaterLineReportsLineAndColumn() {
        FormatStringException e = parseError("#!/bin/sh\necho {{ Param.A }}\necho {{ Param.B +* }}\n");

        FormatProblem p = e.problems().getFirst();
        assertThat(p.line()).isEqualTo(3);
        assertThat(p.column()).isEqualTo(18);
        assertThat(e.getMessage()).startsWith("line 3, column 18: ");
    }

    @Test
    void parseAllReportsTheProblemsOfEveryString() {
        FormatStringException e = catchThrowableOfType(FormatStringException.class,
                () -> FormatString.parseAll(List.of("{{ Param.A + }}", "fine", "{{ }}", "{{ Param.A")));

        assertThat(e.problems()).hasSize(3);
        assertThat(e.getMessage()).startsWith("3 problems:");
    }

    /**
     * Found by the property tests (issue 16): 500 brackets overflowed the parser's stack, and a chain of
     * thousands of '+' the evaluator's; now each is a problem at its place, and 64 levels still work.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"brackets|(|)", "signs|-|", "nots|'not '|", "calls|len(|)", "lists|[|]"})
    void nestingDeeperThanTheBoundIsAProblemNotACrash(String what, String open, String close) throws Exception {
        close = close == null ? "" : close;
        String inner = what.equals("nots") ? "true" : what.equals("lists") ? "" : "'a'";
        String deep = "{{ " + open.repeat(5000) + inner + close.repeat(5000) + " }}";
        FormatStringException e = parseError(deep);
        assertThat(e).isNotNull();
        assertThat(e.problems().getFirst().detail()).startsWith("the expression is nested more than 64 levels deep");

        String ok = "{{ " + open.repeat(Parser.MAX_DEPTH - 2) + inner + close.repeat(Parser.MAX_DEPTH - 2) + " }}";
        FormatString.parse(ok);
    }

    @Test
    void aLongChainOfOperatorsIsAProblemNotACrash() throws Exception {
        FormatStringException e = parseError("{{ " + "1 + ".repeat(20_000) + "1 }}");
        assertThat(e).isNotNull();
        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage()).contains("a chain of operators");
        assertThat(FormatString.parse("{{ " + "1 + ".repeat(60) + "1 }}").evaluate(Values.empty())).isEqualTo("61");
    }
}
