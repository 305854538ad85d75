package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code let} binding of the EXPR extension (OpenJD RFC 0005), such as
 * {@code work_dir = Param.OutputDir / 'work'}: a lowercase name and the expression whose value it
 * names. A script's bindings are evaluated in order, once, and each may use the ones before it; the
 * script's actions and embedded files use them as {@code {{ work_dir }}}.
 *
 * <pre>{@code
 * List<LetBinding> lets = List.of(LetBinding.parse("out = Session.WorkingDirectory / 'out'"));
 * List<FormatProblem> problems = LetBinding.validateAll(lets, scope);   // before anything runs
 * Values withLets = LetBinding.bindAll(lets, values);                   // when the script starts
 * }</pre>
 */
public final class LetBinding {
    private static final Pattern HEAD = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=(?!=)");
    private static final Set<String> KEYWORDS = Set.of("if", "else", "and", "or", "not", "for", "in", "true",
            "false", "null", "lambda", "let");
    /** RFC 0005's longest binding name. */
    static final int MAX_NAME = 512;

    private final String text;
    private final String name;
    private final Expr expr;

    private LetBinding(String text, String name, Expr expr) {
        this.text = text;
        this.name = name;
        this.expr = expr;
    }

    /**
     * Parses {@code name = expression}.
     *
     * @throws FormatStringException when there is no {@code name =}, the name does not start with a
     *         lowercase letter or '_', or the expression has a syntax error; with the column
     */
    public static LetBinding parse(String text) throws FormatStringException {
        Objects.requireNonNull(text, "text");
        Matcher m = HEAD.matcher(text);
        if (!m.lookingAt()) {
            throw new FormatStringException(FormatProblem.at(text, 0, "a let binding reads 'name = expression',"
                    + " e.g. work_dir = Param.OutputDir / 'work'; the name starts with a lowercase letter or '_'"));
        }
        String name = m.group(1);
        int at = m.start(1);
        if (!Character.isLowerCase(name.charAt(0)) && name.charAt(0) != '_') {
            throw new FormatStringException(FormatProblem.at(text, at, "let binding name '" + name + "' must start"
                    + " with a lowercase letter or '_' (names with a capital are the template's variables);"
                    + " e.g. " + Character.toLowerCase(name.charAt(0)) + name.substring(1)));
        }
        if (KEYWORDS.contains(name)) {
            throw new FormatStringException(FormatProblem.at(text, at, "'" + name + "' is a keyword and cannot be"
                    + " a let binding name; choose another name"));
        }
        if (name.length() > MAX_NAME) {
            throw new FormatStringException(FormatProblem.at(text, at, "let binding name has " + name.length()
                    + " characters; at most " + MAX_NAME + " are allowed"));
        }
        if (text.substring(m.end()).isBlank()) {
            throw new FormatStringException(FormatProblem.at(text, m.end(), "the let binding '" + name
                    + "' has no expression after '='"));
        }
        return new LetBinding(text, name, Parser.parse(text, m.end(), text.length()));
    }

    /** The bound name. */
    public String name() {
        return name;
    }

    /** The binding as written. */
    public String text() {
        return text;
    }

    /**
     * Checks each binding in order against {@code scope} plus the bindings before it: unknown variables
     * and names, and a name bound twice. Empty when all are fine.
     */
    public static List<FormatProblem> validateAll(List<LetBinding> lets, Scope scope) {
        List<FormatProblem> problems = new ArrayList<>();
        Set<String> bound = new LinkedHashSet<>(scope.bindings());
        Map<String, ExprType> types = new HashMap<>();
        for (LetBinding let : lets) {
            Scope here = scope.withBindings(bound).withTypes(types);
            List<Expr.Variable> refs = new ArrayList<>();
            FormatString.collect(let.expr, refs);
            int before = problems.size();
            for (Expr.Variable v : refs) {
                here.whyNot(here.base(v.name())).ifPresent(why -> problems.add(FormatProblem.at(let.text, v.offset(),
                        why)));
            }
            problems.addAll(FormatString.checkLocals(let.text, let.expr, here));
            if (problems.size() == before) {
                problems.addAll(TypeCheck.check(let.text, let.expr, here));
            }
            types.putIfAbsent(let.name, TypeCheck.typeOf(let.text, let.expr, here));
            if (!bound.add(let.name)) {
                problems.add(FormatProblem.at(let.text, let.text.indexOf(let.name), "'" + let.name
                        + "' is bound twice in this let block; give the second binding another name"));
            }
        }
        return problems;
    }

    /**
     * The type of each binding's expression known before any value is ({@link ExprType#UNKNOWN} where
     * it depends on a value), each seeing the ones before it: for the type check of what uses them.
     */
    public static Map<String, ExprType> types(List<LetBinding> lets, Scope scope) {
        Map<String, ExprType> types = new HashMap<>();
        for (LetBinding let : lets) {
            Scope here = scope.withBindings(types.keySet()).withTypes(types);
            types.putIfAbsent(let.name, TypeCheck.typeOf(let.text, let.expr, here));
        }
        return types;
    }

    /** The value of this binding's expression. */
    public Value evaluate(Values values) throws FormatStringException {
        return new Evaluator(text, values).eval(expr);
    }

    /** {@code values} with every binding added, evaluated in order (each sees the ones before it). */
    public static Values bindAll(List<LetBinding> lets, Values values) throws FormatStringException {
        Values out = values;
        for (LetBinding let : lets) {
            out = out.toBuilder().put(let.name, let.evaluate(out)).build();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LetBinding other && other.text.equals(text);
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
