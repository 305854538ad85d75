package dev.sluice.openjd.format;

import dev.sluice.yaml.testing.Bounded;
import dev.sluice.yaml.testing.Checks;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Every format string is parsed, validated and evaluated, or refused with problems that have a line,
 * a column in the string and words without Java's; never another exception, never past the bounds
 * of {@link Bounded} (issue 16). The strings come from a grammar of the expressions, mutated, so that
 * most reach the evaluator.
 */
class FormatStringPropertiesTest {
    private static final Values VALUES = Values.builder()
            .put("Param.A", "ubuntu:24.04")
            .put("Param.N", 3)
            .putStrings("Param.L", List.of("a", "b c", ""))
            .put("Task.Param.x", "x")
            .put("Session.WorkingDirectory", "/tmp/s")
            .putStrings("WrappedAction.Args", List.of("-c", "echo 'hi'"))
            .put("WrappedAction.Timeout", Value.NULL)
            .build();
    private static final List<Scope> SCOPES = List.of(Scope.ENVIRONMENT_ACTION, Scope.ENVIRONMENT_EMBEDDED_FILE,
            Scope.WRAP_ENV_HOOK, Scope.WRAP_TASK_HOOK, Scope.TASK_ACTION);

    @Provide
    Arbitrary<String> formatStrings() {
        return formatStringsArbitrary();
    }

    /** Format strings: text around interpolations of generated expressions, sometimes damaged. */
    static Arbitrary<String> formatStringsArbitrary() {
        Arbitrary<String> text = Arbitraries.of("", "exec ", " ", "a=", "{", "}", "\n", "$HOME", "{{", "}}", "\u00e9",
                "\uD83D\uDE00");
        Arbitrary<String> interpolation = expressions(4).map(e -> "{{ " + e + " }}");
        Arbitrary<String> whole = Combinators.combine(text, interpolation, text).as((a, b, c) -> a + b + c)
                .list().ofMinSize(1).ofMaxSize(3).map(parts -> String.join("", parts));
        return Arbitraries.frequencyOf(
                Tuple.of(6, whole),
                Tuple.of(2, damaged(whole)),
                Tuple.of(1, deep()),
                Tuple.of(1, Arbitraries.strings().withChars("{}()[]'\"\\.,:+-*/%<>=!_ aA1xrRuU").ofMaxLength(40)));
    }

    /** Expressions of the EXPR grammar, nested up to {@code depth}, with names and functions right and wrong. */
    static Arbitrary<String> expressions(int depth) {
        Arbitrary<String> leaf = Arbitraries.oneOf(
                Arbitraries.of("Param.A", "Param.N", "Param.L", "RawParam.A", "Task.Param.x", "Task.Param.y",
                        "Session.WorkingDirectory", "Env.File.F", "WrappedAction.Args", "WrappedAction.Timeout",
                        "Unknown.X", "Param", "x", "_", "Param.A.B", "Param.1"),
                Arbitraries.of("0", "1", "-1", "3", "0x1F", "0o7", "0b11", "1_000", "9223372036854775807",
                        "9223372036854775808", "99999999999999999999999", "1.5", "1e3", "007", "0x", "1__0"),
                Arbitraries.of("'a'", "\"b\"", "''", "'it''s'", "'\\n'", "'\\x41'", "'\\u00e9'", "'\\U0001F680'",
                        "r'\\d'", "'\\q'", "'unterminated", "\"\\", "'\\x4'", "'\\uD800'", "'\\U00110000'"),
                Arbitraries.of("True", "False", "None", "null", "true", "false"));
        return Arbitraries.recursive(() -> leaf, inner -> Arbitraries.oneOf(
                leaf,
                Combinators.combine(Arbitraries.of("repr_sh", "repr_json", "flatten", "len", "string", "join", "nope",
                        "Param.A.repr_sh"), inner.list().ofMaxSize(3))
                        .as((f, args) -> f + "(" + String.join(", ", args) + ")"),
                Combinators.combine(inner, Arbitraries.of("+", "-", "*", "//", "%", "/", "**", "==", "!=", "<", ">",
                        "<=", ">=", "in", "not in", "and", "or"), inner).as((a, op, b) -> a + " " + op + " " + b),
                Combinators.combine(Arbitraries.of("-", "+", "not "), inner).as((op, a) -> op + a),
                Combinators.combine(inner, inner, inner).as((a, b, c) -> a + " if " + b + " else " + c),
                inner.list().ofMaxSize(4).map(l -> "[" + String.join(", ", l) + "]"),
                Combinators.combine(inner, inner).as((a, b) -> "[x for x in " + a + " if " + b + "]"),
                Combinators.combine(inner, inner).as((a, b) -> a + "[" + b + "]"),
                Combinators.combine(inner, inner).as((a, b) -> a + "[" + b + ":]"),
                inner.map(a -> "(" + a + ")"),
                inner.map(a -> a + ".join(',')")), 0, depth);
    }

    /** Nesting far deeper than anyone writes: brackets, signs, negations, calls, conditionals. */
    static Arbitrary<String> deep() {
        return Combinators.combine(Arbitraries.integers().between(100, 20_000), Arbitraries.integers().between(0, 5))
                .as((n, kind) -> "{{ " + switch (kind) {
                    case 0 -> "(".repeat(n) + "1" + ")".repeat(n);
                    case 1 -> "-".repeat(n) + "1";
                    case 2 -> "not ".repeat(n) + "true";
                    case 3 -> "[".repeat(n) + "]".repeat(n);
                    case 4 -> "len(".repeat(n) + "'a'" + ")".repeat(n);
                    default -> "1 if ".repeat(n) + "1" + " else 1".repeat(n);
                } + " }}");
    }

    private static Arbitrary<String> damaged(Arbitrary<String> texts) {
        return Combinators.combine(texts, Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(0, 2),
                Arbitraries.of("{{", "}}", "'", "\"", "(", ")", "[", "]", ",", ".", "\\", "\n", " for ", " if ", "\u0000"))
                .as((t, pos, kind, s) -> {
                    int p = pos % (t.length() + 1);
                    return switch (kind) {
                        case 0 -> t.substring(0, p) + s + t.substring(p);
                        case 1 -> t.substring(0, p) + t.substring(Math.min(t.length(), p + 1));
                        default -> t.substring(0, p);
                    };
                });
    }

    @Property
    void anyFormatStringIsEvaluatedOrItsProblemsArePlaced(@ForAll("formatStrings") String text,
            @ForAll("scopes") Scope scope) {
        Bounded.Outcome<Object> outcome = Bounded.run(text, () -> {
            FormatString parsed;
            try {
                parsed = FormatString.parse(text);
            } catch (FormatStringException e) {
                return e;
            }
            List<FormatProblem> problems = parsed.validate(scope);
            if (!problems.isEmpty()) {
                return new FormatStringException(problems);
            }
            try {
                parsed.evaluate(VALUES);
                parsed.evaluateArg(VALUES);
                return null;
            } catch (FormatStringException e) {
                return e;
            }
        });
        if (outcome.thrown() != null) {
            throw new AssertionError("crashed with " + outcome.thrown() + " on the format string:\n"
                    + Checks.quote(text), outcome.thrown());
        }
        if (outcome.value() instanceof FormatStringException e) {
            placed(e, text);
        }
    }

    @Provide
    Arbitrary<Scope> scopes() {
        return Arbitraries.of(SCOPES);
    }

    /** Each problem has a line and a column inside the string (or just past its end) and says what is wrong in words. */
    static void placed(FormatStringException e, String text) {
        for (FormatProblem p : e.problems()) {
            String why = null;
            if (p.line() < 1 || p.column() < 1 || p.offset() < 0 || p.offset() > text.length()) {
                why = "is not placed in the string (line " + p.line() + ", column " + p.column() + ")";
            } else if (p.detail().isBlank()) {
                why = "says nothing";
            } else {
                why = Checks.javaWords(p.detail(), text);
            }
            if (why != null) {
                throw new AssertionError("the problem '" + p.message() + "' " + why + "; the format string:\n"
                        + Checks.quote(text));
            }
        }
    }
}
