package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The load-time type check of one expression: a type per node from what is known statically (declared
 * parameter types, the session's and wrap hooks' variables, let bindings, literals, the functions'
 * signatures), and a problem for every operation whose operand types are all known and that no value of
 * those types could make work ({@code Param.Name + 1} for a STRING parameter). It never reports what
 * depends on a value (an index out of range, a division by zero, a failing conversion): anything it
 * cannot know is {@link ExprType#UNKNOWN} and passes.
 */
final class TypeCheck {

    /** The variables whose type does not depend on the template. */
    static final Map<String, ExprType> FIXED = Map.ofEntries(
            Map.entry("Job.Name", ExprType.STRING),
            Map.entry("Session.WorkingDirectory", ExprType.PATH),
            Map.entry("Session.PathMappingRulesFile", ExprType.PATH),
            Map.entry("Session.HasPathMappingRules", ExprType.BOOL),
            Map.entry("WrappedAction.Command", ExprType.STRING),
            Map.entry("WrappedAction.Args", ExprType.LIST),
            Map.entry("WrappedAction.Environment", ExprType.LIST),
            Map.entry("WrappedEnv.Name", ExprType.STRING),
            Map.entry("WrappedStep.Name", ExprType.STRING),
            Map.entry("Task.Command", ExprType.STRING),
            Map.entry("Task.Args", ExprType.LIST),
            Map.entry("Task.Environment", ExprType.LIST));
    // WrappedAction.Timeout, .Cancelation.Mode and .NotifyPeriodInSeconds may be null: unknown.

    /**
     * A function's arguments as the accessor its body uses for each ('s' text, 'p' path, 'i' int, 'l'
     * list, '*' anything or checked by value) and its result type.
     */
    private record Sig(String args, ExprType result) {}

    private static final Map<String, Sig> SIGS = new HashMap<>();

    private static void sig(String args, ExprType result, String... names) {
        for (String n : names) {
            SIGS.put(n, new Sig(args, result));
        }
    }

    static {
        ExprType s = ExprType.STRING;
        ExprType b = ExprType.BOOL;
        ExprType i = ExprType.INT;
        ExprType l = ExprType.LIST;
        ExprType p = ExprType.PATH;
        ExprType u = ExprType.UNKNOWN;
        sig("*", s, "string", "repr_py", "repr_json", "repr_sh", "repr_cmd", "repr_pwsh");
        sig("*", b, "bool");
        sig("*", i, "int");
        sig("*", ExprType.FLOAT, "float");
        sig("*", ExprType.RANGE_EXPR, "range_expr");
        sig("*", u, "fail", "min", "max", "sum", "round", "with_number");
        sig("***", l, "range");
        sig("l", l, "sorted", "reversed", "unique");
        sig("l", b, "any", "all");
        sig("s", s, "upper", "lower", "capitalize", "title", "re_escape");
        sig("s*", s, "strip", "lstrip", "rstrip", "removeprefix", "removesuffix", "ljust", "rjust", "center");
        sig("s", b, "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isascii");
        sig("s*", b, "startswith", "endswith");
        sig("s*", i, "count", "find", "rfind", "index", "rindex");
        sig("s**", s, "replace", "re_sub");
        sig("s**", l, "split", "rsplit", "re_split", "re_findall");
        sig("s*", u, "re_match", "re_search");
        sig("**", s, "zfill");
        sig("*", p, "path", "apply_path_mapping");
        sig("p", s, "as_posix");
        sig("p", b, "is_absolute");
        sig("pp", b, "is_relative_to");
        sig("pp", p, "relative_to");
        sig("p*", p, "with_name", "with_stem", "with_suffix");
    }

    private final String whole;
    private final Scope scope;
    private final Map<String, ExprType> locals = new HashMap<>();
    private final List<FormatProblem> problems = new ArrayList<>();

    private TypeCheck(String whole, Scope scope) {
        this.whole = whole;
        this.scope = scope;
    }

    /** The problems of {@code e}, a part of {@code whole}, in {@code scope}. */
    static List<FormatProblem> check(String whole, Expr e, Scope scope) {
        TypeCheck c = new TypeCheck(whole, scope);
        c.type(e);
        return c.problems;
    }

    /** The type of {@code e}; {@link ExprType#UNKNOWN} when it has a type problem. */
    static ExprType typeOf(String whole, Expr e, Scope scope) {
        TypeCheck c = new TypeCheck(whole, scope);
        ExprType t = c.type(e);
        return c.problems.isEmpty() ? t : ExprType.UNKNOWN;
    }

    private ExprType type(Expr e) {
        return switch (e) {
            case Expr.Literal l -> ExprType.of(l.value());
            case Expr.Variable v -> variable(v);
            case Expr.Local l -> locals.containsKey(l.name()) ? locals.get(l.name()) : scope.typeOf(l.name());
            case Expr.Property p -> property(type(p.target()), p.name(), p.offset());
            case Expr.ListOf l -> {
                l.items().forEach(this::type);
                yield ExprType.LIST;
            }
            case Expr.Comprehension c -> comprehension(c);
            case Expr.Call c -> call(c);
            case Expr.Arithmetic a -> arithmetic(a);
            case Expr.Comparison c -> comparison(c);
            case Expr.Logic l -> {
                ExprType left = type(l.left());
                ExprType right = type(l.right());
                yield left == right ? left : ExprType.UNKNOWN;
            }
            case Expr.Not n -> {
                needBool(type(n.operand()), n.offset(), "'not'");
                yield ExprType.BOOL;
            }
            case Expr.Sign s -> sign(s);
            case Expr.Conditional c -> {
                needBool(type(c.test()), c.test().offset(), "the condition of 'x if test else y'");
                ExprType then = type(c.then());
                ExprType otherwise = type(c.otherwise());
                yield then == otherwise ? then : ExprType.UNKNOWN;
            }
            case Expr.Index i -> index(i);
            case Expr.Slice s -> slice(s);
        };
    }

    /** As the evaluator: the full name's type, or its longest prefix's with the rest as properties. */
    private ExprType variable(Expr.Variable v) {
        ExprType direct = scope.typeOf(v.name());
        if (direct.known() || scope.allows(v.name())) {
            return direct;
        }
        String[] segments = v.name().split("\\.");
        for (int n = segments.length - 1; n >= 1; n--) {
            String prefix = String.join(".", java.util.Arrays.copyOfRange(segments, 0, n));
            if (scope.allows(prefix)) {
                ExprType t = scope.typeOf(prefix);
                int offset = v.offset() + prefix.length() + 1;
                for (int k = n; k < segments.length; k++) {
                    t = property(t, segments[k], offset);
                    offset += segments[k].length() + 1;
                }
                return t;
            }
        }
        return ExprType.UNKNOWN;
    }

    private ExprType property(ExprType target, String name, int offset) {
        if (!target.known() || !Builtins.isProperty(name)) {
            // An unknown property name is reported when it runs, with the same message.
            return ExprType.UNKNOWN;
        }
        if (target != ExprType.PATH) {
            String hint = target == ExprType.STRING ? "; make it a path first: path(x)." + name : "";
            problem(offset, "property '." + name + "' needs a path but got " + target.typeName() + hint);
            return ExprType.UNKNOWN;
        }
        return switch (name) {
            case "name", "stem", "suffix" -> ExprType.STRING;
            case "parent" -> ExprType.PATH;
            default -> ExprType.LIST;
        };
    }

    private ExprType comprehension(Expr.Comprehension c) {
        ExprType source = type(c.source());
        if (source.known() && source != ExprType.LIST && source != ExprType.RANGE_EXPR) {
            problem(c.source().offset(), "a list comprehension needs a list or range_expr after 'in' but got "
                    + source.typeName());
        }
        ExprType outer = locals.get(c.variable());
        boolean had = locals.containsKey(c.variable());
        locals.put(c.variable(), source == ExprType.RANGE_EXPR ? ExprType.INT : ExprType.UNKNOWN);
        if (c.condition() != null) {
            needBool(type(c.condition()), c.condition().offset(), "a list comprehension's 'if'");
        }
        type(c.element());
        if (had) {
            locals.put(c.variable(), outer);
        } else {
            locals.remove(c.variable());
        }
        return ExprType.LIST;
    }

    private ExprType call(Expr.Call c) {
        List<ExprType> args = new ArrayList<>();
        for (Expr arg : c.args()) {
            args.add(type(arg));
        }
        String f = c.function();
        ExprType first = args.isEmpty() ? ExprType.UNKNOWN : args.getFirst();
        switch (f) {
            case "len" -> {
                if (first.known() && first != ExprType.STRING && first != ExprType.PATH && first != ExprType.LIST
                        && first != ExprType.RANGE_EXPR) {
                    problem(c.offset(), "len() needs a string, path, list or range_expr but got " + first.typeName());
                }
                return ExprType.INT;
            }
            case "abs", "floor", "ceil" -> {
                if (first.known() && !first.number()) {
                    problem(c.offset(), f + "() needs an int or a float but got " + first.typeName());
                    return ExprType.UNKNOWN;
                }
                return f.equals("abs") ? first : ExprType.INT;
            }
            case "flatten" -> {
                if (first.known() && first != ExprType.LIST) {
                    problem(c.offset(), "flatten() needs a list but got " + first.typeName());
                }
                return ExprType.LIST;
            }
            case "list" -> {
                if (first.known() && first != ExprType.LIST && first != ExprType.RANGE_EXPR) {
                    problem(c.offset(), "list() needs a range_expr but got " + first.typeName());
                }
                return ExprType.LIST;
            }
            case "join" -> {
                if (first.known() && first != ExprType.LIST) {
                    problem(c.offset(), "join() needs a list first (list.join(sep)) but got " + first.typeName());
                } else if (args.size() > 1 && args.get(1).known() && args.get(1) != ExprType.STRING) {
                    problem(c.offset(), "join() needs a string separator but got " + args.get(1).typeName());
                }
                return ExprType.STRING;
            }
            default -> {
                // Handled below.
            }
        }
        Sig sig = SIGS.get(f);
        if (sig == null) {
            return ExprType.UNKNOWN;
        }
        for (int k = 0; k < args.size() && k < sig.args().length(); k++) {
            String why = accessorError(f, sig.args().charAt(k), args, k, c.method());
            if (why != null) {
                problem(c.offset(), why);
                return ExprType.UNKNOWN;
            }
        }
        return sig.result();
    }

    /**
     * What the function's accessor says of argument {@code k} for a value of its type, or null when it
     * takes it: the accessors look only at the type, so a sample value of that type answers for all.
     */
    private static String accessorError(String function, char kind, List<ExprType> types, int k, boolean method) {
        if (kind == '*' || !types.get(k).known()) {
            return null;
        }
        List<Value> samples = new ArrayList<>();
        for (ExprType t : types) {
            samples.add(sample(t));
        }
        Builtins.Args a = new Builtins.Args(function, samples, method);
        try {
            switch (kind) {
                case 's' -> a.str(k);
                case 'p' -> a.path(k);
                case 'i' -> a.integer(k);
                default -> a.list(k);
            }
            return null;
        } catch (Builtins.CallError e) {
            return e.getMessage();
        }
    }

    private static Value sample(ExprType t) {
        return switch (t) {
            case STRING -> Value.of("a");
            case PATH -> Value.ofPath("a");
            case INT -> Value.of(1L);
            case FLOAT -> Value.of(1.5);
            case BOOL -> Value.of(true);
            case LIST -> new Value.ListValue(List.of());
            case RANGE_EXPR -> {
                try {
                    yield new Value.RangeValue(RangeExpr.parse("1"));
                } catch (RangeExpr.RangeError e) {
                    throw new IllegalStateException(e);
                }
            }
            case NULL, UNKNOWN -> Value.NULL;
        };
    }

    private ExprType arithmetic(Expr.Arithmetic a) {
        ExprType l = type(a.left());
        ExprType r = type(a.right());
        if (!l.known() || !r.known()) {
            return ExprType.UNKNOWN;
        }
        String op = a.operator();
        if (l.number() && r.number()) {
            boolean ints = l == ExprType.INT && r == ExprType.INT;
            return switch (op) {
                case "/" -> ExprType.FLOAT;
                case "//" -> ExprType.INT;
                case "**" -> ints ? ExprType.UNKNOWN : ExprType.FLOAT;
                default -> ints ? ExprType.INT : ExprType.FLOAT;
            };
        }
        boolean text = l == ExprType.STRING || l == ExprType.PATH;
        boolean textR = r == ExprType.STRING || r == ExprType.PATH;
        switch (op) {
            case "/" -> {
                if (l == ExprType.PATH && textR) {
                    return ExprType.PATH;
                }
                if (l == ExprType.STRING && textR) {
                    problem(a.offset(), "'/' joins paths, and the left side is a string: make it a path first,"
                            + " path('...') / 'name'");
                    return ExprType.UNKNOWN;
                }
            }
            case "+" -> {
                if ((l == ExprType.RANGE_EXPR && r == ExprType.STRING)
                        || (l == ExprType.STRING && r == ExprType.RANGE_EXPR)) {
                    return ExprType.STRING;
                }
                boolean listy = l == ExprType.LIST || l == ExprType.RANGE_EXPR;
                boolean listyR = r == ExprType.LIST || r == ExprType.RANGE_EXPR;
                if (listy && listyR) {
                    return ExprType.LIST;
                }
                if (text && textR) {
                    return l == ExprType.PATH ? ExprType.PATH : ExprType.STRING;
                }
            }
            case "*" -> {
                if (r == ExprType.INT && (l == ExprType.STRING || l == ExprType.LIST)) {
                    return l;
                }
            }
            default -> {
                // Refused below.
            }
        }
        problem(a.offset(), arithmeticMessage(a, l, r));
        return ExprType.UNKNOWN;
    }

    private static String arithmeticMessage(Expr.Arithmetic a, ExprType l, ExprType r) {
        String verb = switch (a.operator()) {
            case "+" -> "add";
            case "-" -> "subtract";
            case "*" -> "multiply";
            case "/" -> "divide";
            case "//" -> "floor-divide";
            case "%" -> "take the remainder of";
            default -> "raise to a power";
        };
        String left = Show.of(a.left());
        String right = Show.of(a.right());
        String message = "cannot " + verb + " " + article(l) + " and " + article(r) + ": " + left + " "
                + a.operator() + " " + right;
        if (a.operator().equals("+") && (l == ExprType.STRING || l == ExprType.PATH) && r.number()) {
            return message + "; convert with " + r.typeName() + "(" + left + ") or string(" + right + ")";
        }
        if (a.operator().equals("+") && l.number() && (r == ExprType.STRING || r == ExprType.PATH)) {
            return message + "; convert with string(" + left + ") or " + l.typeName() + "(" + right + ")";
        }
        if (l == ExprType.STRING && r.number() || l.number() && r == ExprType.STRING) {
            String text = l == ExprType.STRING ? left : right;
            String number = l == ExprType.STRING ? r.typeName() : l.typeName();
            return message + "; convert the string first, " + number + "(" + text + ")";
        }
        return message;
    }

    private static String article(ExprType t) {
        return switch (t) {
            case INT -> "an int";
            case NULL -> "null";
            default -> "a " + t.typeName();
        };
    }

    private ExprType comparison(Expr.Comparison c) {
        List<ExprType> types = new ArrayList<>();
        for (Expr operand : c.operands()) {
            types.add(type(operand));
        }
        for (int k = 0; k < c.operators().size(); k++) {
            String op = c.operators().get(k);
            ExprType l = types.get(k);
            ExprType r = types.get(k + 1);
            if (!l.known() || !r.known()) {
                continue;
            }
            int at = c.operatorOffsets().get(k);
            switch (op) {
                case "==", "!=" -> {
                    // Any two values compare for equality.
                }
                case "in", "not in" -> {
                    boolean ok = r == ExprType.LIST || (r == ExprType.RANGE_EXPR && l.number())
                            || (r == ExprType.STRING && l == ExprType.STRING);
                    if (!ok) {
                        problem(at, "'" + op + "' needs a list or range_expr, or a string in a string, but got "
                                + l.typeName() + " " + op + " " + r.typeName());
                    }
                }
                default -> {
                    boolean ok = (l.number() && r.number())
                            || ((l == ExprType.STRING || l == ExprType.PATH) && (r == ExprType.STRING
                                    || r == ExprType.PATH))
                            || (l == ExprType.BOOL && r == ExprType.BOOL) || (l == ExprType.LIST && r == ExprType.LIST);
                    if (!ok) {
                        problem(at, "cannot order " + l.typeName() + " and " + r.typeName() + " with '" + op
                                + "'; compare values of one type");
                    }
                }
            }
        }
        return ExprType.BOOL;
    }

    private ExprType sign(Expr.Sign s) {
        ExprType t = type(s.operand());
        if (t.known() && !t.number()) {
            problem(s.offset(), "unary '" + (s.negate() ? "-" : "+") + "' needs an int or a float but got "
                    + t.typeName());
            return ExprType.UNKNOWN;
        }
        return t;
    }

    private ExprType index(Expr.Index ix) {
        ExprType target = type(ix.target());
        ExprType index = type(ix.index());
        if (index.known() && index != ExprType.INT) {
            problem(ix.index().offset(), "an index must be an int but got " + index.typeName());
        }
        if (target.known() && target != ExprType.LIST && target != ExprType.RANGE_EXPR && target != ExprType.STRING) {
            String hint = target == ExprType.PATH ? "; index its parts instead, p.parts[i]" : "";
            problem(ix.offset(), "only lists, strings and range expressions can be indexed, not " + target.typeName()
                    + hint);
            return ExprType.UNKNOWN;
        }
        return switch (target) {
            case STRING -> ExprType.STRING;
            case RANGE_EXPR -> ExprType.INT;
            default -> ExprType.UNKNOWN;
        };
    }

    private ExprType slice(Expr.Slice sl) {
        ExprType target = type(sl.target());
        for (Expr bound : new Expr[] {sl.start(), sl.stop(), sl.step()}) {
            if (bound != null) {
                ExprType t = type(bound);
                if (t.known() && t != ExprType.INT && t != ExprType.NULL) {
                    problem(bound.offset(), "a slice bound must be an int or null but got " + t.typeName());
                }
            }
        }
        if (target.known() && target != ExprType.LIST && target != ExprType.RANGE_EXPR && target != ExprType.STRING) {
            String hint = target == ExprType.PATH ? "; slice its parts instead, p.parts[a:b]" : "";
            problem(sl.offset(), "only lists, strings and range expressions can be sliced, not " + target.typeName()
                    + hint);
            return ExprType.UNKNOWN;
        }
        return target == ExprType.STRING ? ExprType.STRING : target.known() ? ExprType.LIST : ExprType.UNKNOWN;
    }

    private void needBool(ExprType t, int offset, String where) {
        if (t.known() && t != ExprType.BOOL) {
            problem(offset, where + " needs a bool (true or false) but got " + t.typeName()
                    + "; compare explicitly, e.g. x != null or x == 'yes'");
        }
    }

    private void problem(int offset, String detail) {
        problems.add(FormatProblem.at(whole, offset, detail));
    }

    /** An expression written back as text, for messages. */
    static final class Show {
        private Show() {}

        static String of(Expr e) {
            return switch (e) {
                case Expr.Literal l -> l.value() instanceof Value.Str s ? "'" + s.value().replace("'", "\\'") + "'"
                        : Builtins.text(l.value()).isEmpty() ? "null" : Builtins.text(l.value());
                case Expr.Variable v -> v.name();
                case Expr.Local l -> l.name();
                case Expr.Property p -> of(p.target()) + "." + p.name();
                case Expr.Call c -> c.method() && !c.args().isEmpty()
                        ? of(c.args().getFirst()) + "." + c.function() + "(" + join(c.args().subList(1, c.args().size()))
                                + ")"
                        : c.function() + "(" + join(c.args()) + ")";
                case Expr.Index i -> of(i.target()) + "[" + of(i.index()) + "]";
                case Expr.ListOf l -> "[" + join(l.items()) + "]";
                case Expr.Arithmetic a -> "(" + of(a.left()) + " " + a.operator() + " " + of(a.right()) + ")";
                default -> "(...)";
            };
        }

        private static String join(List<Expr> items) {
            List<String> out = new ArrayList<>();
            items.forEach(i -> out.add(of(i)));
            return String.join(", ", out);
        }
    }

}
