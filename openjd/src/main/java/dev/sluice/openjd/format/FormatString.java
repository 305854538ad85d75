package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed OpenJD format string: literal text with {@code {{ expression }}} interpolations.
 * Immutable and thread-safe; parse once, evaluate for every task.
 *
 * <pre>{@code
 * FormatString s = FormatString.parse("exec {{ repr_sh(WrappedAction.Args) }}");
 * List<FormatProblem> problems = s.validate(Scope.WRAP_TASK_HOOK);   // before anything runs
 * String line = s.evaluate(values);
 * }</pre>
 */
public final class FormatString {

    /** A run of literal text, or one interpolation. */
    private sealed interface Part {}

    private record Text(String text) implements Part {}

    private record Interpolation(Expr expr, int openOffset) implements Part {}

    private final String text;
    private final List<Part> parts;

    private FormatString(String text, List<Part> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /**
     * Parses {@code text}.
     *
     * @throws FormatStringException on an unclosed {@code {{}, an empty {@code {{ }}}, a {@code }}}
     *         with no {@code {{} before it, a syntax error or an unknown function; the problem
     *         carries the column
     */
    public static FormatString parse(String text) throws FormatStringException {
        Objects.requireNonNull(text, "text");
        List<Part> parts = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int open = text.indexOf("{{", pos);
            int strayClose = text.indexOf("}}", pos);
            if (strayClose >= 0 && (open < 0 || strayClose < open)) {
                throw new FormatStringException(FormatProblem.at(text, strayClose,
                        "'}}' without a matching '{{' before it; literal braces cannot be written as '}}'"));
            }
            if (open < 0) {
                parts.add(new Text(text.substring(pos)));
                break;
            }
            if (open > pos) {
                parts.add(new Text(text.substring(pos, open)));
            }
            int close = findClose(text, open + 2);
            if (close < 0) {
                throw new FormatStringException(FormatProblem.at(text, open,
                        "'{{' is not closed: add '}}' after the expression"));
            }
            parts.add(new Interpolation(Parser.parse(text, open + 2, close), open));
            pos = close + 2;
        }
        return new FormatString(text, parts);
    }

    /** The index of the {@code }}} that closes an expression starting at {@code from}, or -1. */
    private static int findClose(String text, int from) {
        String closing = null;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (closing != null) {
                // A '}}' inside a string literal does not end the expression.
                if (c == '\\') {
                    i++;
                } else if (text.startsWith(closing, i)) {
                    i += closing.length() - 1;
                    closing = null;
                }
            } else if (c == '\'' || c == '"') {
                closing = text.startsWith(String.valueOf(c).repeat(3), i) ? String.valueOf(c).repeat(3) : String.valueOf(c);
                i += closing.length() - 1;
            } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
                return i;
            }
        }
        return -1;
    }

    /** Parses every string; all problems of all of them are reported together. */
    public static List<FormatString> parseAll(List<String> texts) throws FormatStringException {
        List<FormatString> parsed = new ArrayList<>();
        List<FormatProblem> problems = new ArrayList<>();
        for (String t : texts) {
            try {
                parsed.add(parse(t));
            } catch (FormatStringException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new FormatStringException(problems);
        }
        return parsed;
    }

    /** The original text. */
    public String text() {
        return text;
    }

    /** Whether the string has no interpolation at all. */
    public boolean isLiteral() {
        return parts.stream().noneMatch(p -> p instanceof Interpolation);
    }

    /**
     * The template variables the string references, in order of first appearance: full dotted
     * names such as {@code Task.Param.Frame}, with any properties written after them
     * ({@code Param.File.stem}); function names, comprehension variables and let bindings excluded.
     */
    public Set<String> variables() {
        Set<String> names = new LinkedHashSet<>();
        for (Expr.Variable v : variableRefs()) {
            names.add(v.name());
        }
        return Collections.unmodifiableSet(names);
    }

    private List<Expr.Variable> variableRefs() {
        List<Expr.Variable> refs = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Interpolation i) {
                collect(i.expr(), refs);
            }
        }
        return refs;
    }

    static void collect(Expr e, List<Expr.Variable> out) {
        if (e instanceof Expr.Variable v) {
            out.add(v);
        }
        for (Expr child : Parser.children(e)) {
            collect(child, out);
        }
    }

    /**
     * Every reference to a variable that does not exist in {@code scope}, each with its column and
     * a message that says where the variable is available; when every name exists, every type error no
     * value could avoid ({@code Param.Name + 1} with {@code Param.Name} a string in {@code scope}'s
     * {@linkplain Scope#withTypes types}). Empty when the string is fine there.
     */
    public List<FormatProblem> validate(Scope scope) {
        List<FormatProblem> problems = new ArrayList<>();
        for (Expr.Variable v : variableRefs()) {
            scope.whyNot(scope.base(v.name())).ifPresent(why -> problems.add(FormatProblem.at(text, v.offset(), why)));
        }
        for (Part p : parts) {
            if (p instanceof Interpolation i) {
                problems.addAll(checkLocals(text, i.expr(), scope));
            }
        }
        if (problems.isEmpty()) {
            // Types only once every name is known: an unknown name has no type to check.
            for (Part p : parts) {
                if (p instanceof Interpolation i) {
                    problems.addAll(TypeCheck.check(text, i.expr(), scope));
                }
            }
        }
        problems.sort(java.util.Comparator.comparingInt(FormatProblem::offset));
        return problems;
    }

    /**
     * The lowercase names of {@code e} that are neither comprehension variables nor let bindings of
     * {@code scope}, and the comprehension variables that hide a let binding.
     */
    static List<FormatProblem> checkLocals(String text, Expr e, Scope scope) {
        List<FormatProblem> problems = new ArrayList<>();
        Parser.freeLocals(e).forEach((name, offset) -> {
            if (!scope.hasBinding(name)) {
                String known = scope.bindings().isEmpty() ? "" : "; the let bindings here are "
                        + String.join(", ", scope.bindings());
                problems.add(FormatProblem.at(text, offset, "unknown name '" + name + "': lowercase names are let"
                        + " bindings (script.let) or list comprehension variables" + known + "; template variables"
                        + " start with a capital (Param., Task., Session., Env., WrappedAction., ...)"));
            }
        });
        Parser.comprehensionVariables(e).forEach((name, offset) -> {
            if (scope.hasBinding(name)) {
                problems.add(FormatProblem.at(text, offset, "list comprehension variable '" + name
                        + "' hides the let binding of the same name; rename it"));
            }
        });
        return problems;
    }

    /**
     * The lowercase names the string uses that no list comprehension binds: the let bindings it needs
     * (and any misspelt names), in order of first appearance.
     */
    public Set<String> bindings() {
        Set<String> names = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p instanceof Interpolation i) {
                names.addAll(Parser.freeLocals(i.expr()).keySet());
            }
        }
        return Collections.unmodifiableSet(names);
    }

    /**
     * Parses and validates in one step, for checking a template before it runs: a syntax error, or
     * else every out-of-scope variable.
     */
    public static List<FormatProblem> validate(String text, Scope scope) {
        try {
            return parse(text).validate(scope);
        } catch (FormatStringException e) {
            return e.problems();
        }
    }

    /**
     * The string with every interpolation replaced by its value's text: strings as they are,
     * integers in decimal, booleans as true/false, null as nothing, lists as JSON.
     *
     * @throws FormatStringException if a variable has no value or an expression fails (a type
     *         error, an index out of range, ...), with the column
     */
    public String evaluate(Values values) throws FormatStringException {
        StringBuilder out = new StringBuilder();
        Evaluator evaluator = new Evaluator(text, values);
        for (Part p : parts) {
            switch (p) {
                case Text t -> out.append(t.text());
                case Interpolation i -> out.append(evaluator.text(evaluator.eval(i.expr()), i.openOffset()));
            }
        }
        return out.toString();
    }

    /**
     * This string as entries of an argument list. A string that is exactly one interpolation
     * ({@code "{{ WrappedAction.Args }}"}, nothing around the braces) follows the EXPR list-item
     * rule: a list gives one entry per element, null gives no entry, anything else one entry. Any
     * other string gives exactly one entry, {@link #evaluate(Values)}.
     *
     * @throws FormatStringException as {@link #evaluate(Values)}, or if a whole-string list holds
     *         lists (flatten it first)
     */
    public List<String> evaluateArg(Values values) throws FormatStringException {
        if (parts.size() != 1 || !(parts.getFirst() instanceof Interpolation i)) {
            return List.of(evaluate(values));
        }
        Evaluator evaluator = new Evaluator(text, values);
        Value v = evaluator.eval(i.expr());
        return switch (v) {
            case Value.Null n -> List.of();
            case Value.ListValue list -> {
                List<String> entries = new ArrayList<>();
                for (Value item : list.items()) {
                    if (item instanceof Value.ListValue) {
                        throw new FormatStringException(FormatProblem.at(text, i.openOffset(),
                                "an argument list entry evaluated to a list of lists; "
                                        + "wrap the expression in flatten(...) to pass its items as arguments"));
                    }
                    entries.add(evaluator.text(item, i.openOffset()));
                }
                yield entries;
            }
            default -> List.of(evaluator.text(v, i.openOffset()));
        };
    }

    /**
     * An action's {@code args}: each string expanded with {@link #evaluateArg(Values)}, in order.
     * The result is an argv, never re-joined into a shell line.
     */
    public static List<String> evaluateArgs(List<FormatString> args, Values values) throws FormatStringException {
        List<String> argv = new ArrayList<>();
        for (FormatString arg : args) {
            argv.addAll(arg.evaluateArg(values));
        }
        return argv;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FormatString other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
