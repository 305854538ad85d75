package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The load-time type check: what no value of the declared types could make work is refused with its
 * column; what depends on a value, or on a type that is not known, passes.
 */
class ExprTypeCheckTest {

    /** An environment action with parameters Name (STRING), Frame (INT), Scale (FLOAT), Out (PATH). */
    private static final Scope SCOPE = Scope.of("onEnter", Set.of("Param.Name", "Param.Frame", "Param.Scale",
            "Param.Out", "RawParam.Name", "RawParam.Out", "Session.WorkingDirectory", "Session.HasPathMappingRules",
            "Job.Name", "Env.File.Run", "WrappedAction.Command", "WrappedAction.Args", "WrappedAction.Timeout",
            "Task.Param.Any"))
            .withTypes(Map.of("Param.Name", ExprType.STRING, "Param.Frame", ExprType.INT, "Param.Scale",
                    ExprType.FLOAT, "Param.Out", ExprType.PATH, "RawParam.Name", ExprType.STRING, "RawParam.Out",
                    ExprType.STRING, "Env.File.Run", ExprType.PATH));

    private static List<String> problems(String text) throws FormatStringException {
        return FormatString.parse(text).validate(SCOPE).stream().map(FormatProblem::detail).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{{ Param.Name + 'x' }}", "{{ int(Param.Name) + 1 }}", "{{ Param.Name + string(1) }}",
        "{{ Param.Frame + 1 }}", "{{ Param.Frame * Param.Scale / 2 }}", "{{ Param.Frame // 0 }}",
        "{{ Param.Out / 'a' / Param.Name }}", "{{ Param.Out.parent.name.upper() }}", "{{ Param.Out + '.bak' }}",
        "{{ Param.Name * 3 }}", "{{ [1, 2][5] }}", "{{ Param.Name[0] }}", "{{ Param.Name[1:] }}",
        "{{ re_match(Param.Name, '(') }}", "{{ Param.Frame if Param.Frame > 0 else -Param.Frame }}",
        "{{ Param.Name.upper() if Param.Name == 'a' else Param.Name }}", "{{ 'x' in Param.Name }}",
        "{{ Param.Frame in range_expr('1-10') }}", "{{ [x + 1 for x in range_expr('1-3')] }}",
        "{{ [x + 1 for x in WrappedAction.Args] }}", "{{ WrappedAction.Timeout + 1 }}",
        "{{ Task.Param.Any + 1 }}", "{{ repr_sh(WrappedAction.Args) }}", "{{ join(WrappedAction.Args, ' ') }}",
        "{{ Session.WorkingDirectory / 'out' }}", "{{ Env.File.Run.name }}", "{{ Job.Name.lower() }}",
        "{{ upper(Param.Out) }}", "{{ len(Param.Out) }}", "{{ Param.Scale ** 2 }}", "{{ abs(Param.Scale) }}",
        "{{ RawParam.Out.upper() }}", "{{ Param.Name or 'default' }}", "{{ int('abc') }}",
        "{{ not Session.HasPathMappingRules }}", "{{ Param.Frame < Param.Scale }}", "{{ zfill(Param.Frame, 4) }}"})
    void validFormsLoad(String text) throws Exception {
        assertThat(problems(text)).as(text).isEmpty();
    }

    @Test
    void aStringPlusAnIntIsRefusedWithTheConversions() throws Exception {
        List<FormatProblem> p = FormatString.parse("echo {{ Param.Name + 1 }}").validate(SCOPE);

        assertThat(p).extracting(FormatProblem::detail).containsExactly(
                "cannot add a string and an int: Param.Name + 1; convert with int(Param.Name) or string(1)");
        assertThat(p.getFirst().column()).isEqualTo(20);
    }

    @Test
    void anIntPlusAStringIsRefused() throws Exception {
        assertThat(problems("{{ Param.Frame + Param.Name }}")).containsExactly("cannot add an int and a string:"
                + " Param.Frame + Param.Name; convert with string(Param.Frame) or int(Param.Name)");
    }

    @Test
    void theOtherOperatorsAreRefusedOnTypesNoValueFits() throws Exception {
        assertThat(problems("{{ Param.Name - 1 }}")).containsExactly(
                "cannot subtract a string and an int: Param.Name - 1; convert the string first, int(Param.Name)");
        assertThat(problems("{{ Param.Out * 2 }}")).containsExactly("cannot multiply a path and an int: Param.Out * 2");
        assertThat(problems("{{ Param.Name / 'a' }}")).containsExactly("'/' joins paths, and the left side is a"
                + " string: make it a path first, path('...') / 'name'");
        assertThat(problems("{{ -Param.Name }}")).containsExactly("unary '-' needs an int or a float but got string");
    }

    @Test
    void aLiteralOfTheWrongTypeIsRefused() throws Exception {
        assertThat(problems("{{ 'a' + 1 }}")).containsExactly(
                "cannot add a string and an int: 'a' + 1; convert with int('a') or string(1)");
    }

    @Test
    void functionsAreCheckedAgainstTheirSignatures() throws Exception {
        assertThat(problems("{{ Param.Out.upper() }}")).containsExactly(
                "path has no method upper(); it is a string function; convert it first: string(p).upper(...)");
        assertThat(problems("{{ len(Param.Frame) }}")).containsExactly(
                "len() needs a string, path, list or range_expr but got int");
        assertThat(problems("{{ join(WrappedAction.Args, 1) }}")).containsExactly(
                "join() needs a string separator but got int");
        assertThat(problems("{{ upper(WrappedAction.Args) }}")).containsExactly(
                "upper() needs a string first but got list");
        assertThat(problems("{{ len(Param.Frame + 1) }}")).containsExactly(
                "len() needs a string, path, list or range_expr but got int");
        assertThat(problems("{{ Param.Name.upper() + 1 }}")).containsExactly(
                "cannot add a string and an int: Param.Name.upper() + 1; convert with int(Param.Name.upper())"
                        + " or string(1)");
    }

    @Test
    void propertiesIndexesAndConditionsAreChecked() throws Exception {
        assertThat(problems("{{ Param.Name.stem }}")).containsExactly(
                "property '.stem' needs a path but got string; make it a path first: path(x).stem");
        assertThat(problems("{{ Param.Out[0] }}")).containsExactly(
                "only lists, strings and range expressions can be indexed, not path; index its parts instead,"
                        + " p.parts[i]");
        assertThat(problems("{{ Param.Name['a'] }}")).containsExactly("an index must be an int but got string");
        assertThat(problems("{{ 1 if Param.Name else 2 }}")).containsExactly("the condition of 'x if test else y'"
                + " needs a bool (true or false) but got string; compare explicitly, e.g. x != null or x == 'yes'");
        assertThat(problems("{{ Param.Frame in Param.Name }}")).containsExactly(
                "'in' needs a list or range_expr, or a string in a string, but got int in string");
        assertThat(problems("{{ Param.Name < 1 }}")).containsExactly(
                "cannot order string and int with '<'; compare values of one type");
    }

    @Test
    void letBindingsCarryTheTypeOfTheirExpression() throws Exception {
        List<LetBinding> lets = List.of(LetBinding.parse("out = Param.Out / 'render'"),
                LetBinding.parse("n = Param.Frame + 1"), LetBinding.parse("bad = n + 'x'"));
        Scope scope = SCOPE.withBindings(List.of());

        assertThat(LetBinding.validateAll(lets, scope)).extracting(FormatProblem::detail).containsExactly(
                "cannot add an int and a string: n + 'x'; convert with string(n) or int('x')");
        Map<String, ExprType> types = LetBinding.types(lets, scope);
        assertThat(types).containsEntry("out", ExprType.PATH).containsEntry("n", ExprType.INT)
                .containsEntry("bad", ExprType.UNKNOWN);
        Scope withLets = scope.withBindings(types.keySet()).withTypes(types);
        assertThat(FormatString.parse("{{ out.name }} {{ n * 2 }}").validate(withLets)).isEmpty();
        assertThat(FormatString.parse("{{ out + 1 }}").validate(withLets)).extracting(FormatProblem::detail)
                .containsExactly("cannot add a path and an int: out + 1; convert with int(out) or string(1)");
    }

    @Test
    void aComprehensionVariableOverARangeIsAnInt() throws Exception {
        assertThat(problems("{{ [x.upper() for x in range_expr('1-3')] }}")).containsExactly(
                "int has no method upper(); it is a string function");
        assertThat(problems("{{ [x for x in Param.Frame] }}")).containsExactly(
                "a list comprehension needs a list or range_expr after 'in' but got int");
    }

    @Test
    void anUnknownNameIsReportedAloneWithoutATypeError() throws Exception {
        assertThat(problems("{{ Param.Nope + 1 }}")).hasSize(1).first().asString().contains("Param.Nope");
    }
}
