package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The functions expressions may call (OpenJD RFC 0006), the path properties, and the value-to-text
 * conversions they share. String functions are in {@link StringFunctions}, the quoting functions in
 * {@link Quoting}, the regular-expression functions in {@link Regexes}.
 */
final class Builtins {
    /** The most items or characters one function may build ({@code range}, {@code ljust}, ...). */
    static final long MAX_SIZE = 1_000_000;

    /** Why a call failed; the evaluator adds the location. */
    static final class CallError extends Exception {
        private static final long serialVersionUID = 1L;

        CallError(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    interface Function {
        Value apply(Args args) throws CallError;
    }

    private record Spec(String signature, int min, int max, Function body) {}

    /**
     * The arguments of one call, with the conversions RFC 0005 allows: a path or number where a string
     * is wanted and a string where a path is wanted, except for the receiver of a method call
     * ({@code p.upper()} on a path is an error, {@code upper(p)} is not).
     */
    static final class Args {
        final String function;
        final List<Value> values;
        final boolean method;

        Args(String function, List<Value> values, boolean method) {
            this.function = function;
            this.values = values;
            this.method = method;
        }

        int size() {
            return values.size();
        }

        Value get(int i) {
            return values.get(i);
        }

        private boolean receiver(int i) {
            return method && i == 0;
        }

        private String what(int i) {
            return receiver(i) ? function + "() is called on" : function + "() needs";
        }

        /** Argument {@code i} as text: a string, or (unless it is the receiver) a path, int or bool. */
        String str(int i) throws CallError {
            Value v = values.get(i);
            if (v instanceof Value.Str s) {
                return s.value();
            }
            if (receiver(i)) {
                String hint = v instanceof Value.PathValue ? "; convert it first: string(p)." + function + "(...)" : "";
                throw new CallError(v.typeName() + " has no method " + function + "(); it is a string function"
                        + hint);
            }
            if (v instanceof Value.PathValue || v instanceof Value.Int || v instanceof Value.Bool
                    || v instanceof Value.FloatValue || v instanceof Value.RangeValue) {
                return text(v);
            }
            throw new CallError(function + "() needs a string " + position(i) + " but got " + v.typeName());
        }

        /** Argument {@code i} as a path: a path, or (unless it is the receiver) a string. */
        String path(int i) throws CallError {
            Value v = values.get(i);
            if (v instanceof Value.PathValue p) {
                return p.value();
            }
            if (v instanceof Value.Str s && !receiver(i)) {
                return Paths.normalize(s.value());
            }
            String hint = v instanceof Value.Str ? "; make it a path first: path(s)." + function + "(...)" : "";
            throw new CallError(receiver(i) ? v.typeName() + " has no method " + function + "(); it is a path"
                    + " function" + hint : function + "() needs a path " + position(i) + " but got " + v.typeName());
        }

        long integer(int i) throws CallError {
            if (values.get(i) instanceof Value.Int n) {
                return n.value();
            }
            String hint = values.get(i) instanceof Value.FloatValue
                    ? "; make it whole first with int(x), round(x), floor(x) or ceil(x)" : "";
            throw new CallError(what(i) + " an int " + position(i) + " but got " + values.get(i).typeName() + hint);
        }

        /** Argument {@code i} as a list; a range expression (unless it is the receiver) as its list of ints. */
        List<Value> list(int i) throws CallError {
            if (values.get(i) instanceof Value.ListValue l) {
                return l.items();
            }
            if (values.get(i) instanceof Value.RangeValue r) {
                if (receiver(i)) {
                    throw new CallError("range_expr has no method " + function + "(); it is a list function; convert"
                            + " it first: list(r)." + function + "(...)");
                }
                return expand(r.range(), function + "()");
            }
            throw new CallError(function + "() needs a list " + position(i) + " but got " + values.get(i).typeName());
        }

        private String position(int i) {
            return switch (i) {
                case 0 -> "first";
                case 1 -> "second";
                case 2 -> "third";
                default -> "as argument " + (i + 1);
            };
        }
    }

    private static final Map<String, Spec> FUNCTIONS = new TreeMap<>();

    private static void def(String name, String signature, int min, int max, Function body) {
        FUNCTIONS.put(name, new Spec(signature, min, max, body));
    }

    /** Path properties: {@code p.name}, ... (RFC 0006 {@code __property_name__}). */
    private static final Set<String> PROPERTIES = Set.of("name", "stem", "suffix", "suffixes", "parent", "parts");

    static {
        // General
        def("len", "len(string | path | list)", 1, 1, Builtins::len);
        def("string", "string(value)", 1, 1, a -> Value.of(a.get(0) instanceof Value.Null ? "null" : text(a.get(0))));
        def("bool", "bool(bool | int | string | null)", 1, 1, Builtins::bool);
        def("int", "int(int | float | string)", 1, 1, Builtins::integer);
        def("float", "float(int | float | string)", 1, 1, Builtins::toFloat);
        def("list", "list(range_expr)", 1, 1, Builtins::list);
        def("range_expr", "range_expr(string | list[int])", 1, 1, Builtins::rangeExpr);
        def("fail", "fail(message)", 1, 1, a -> {
            throw new CallError("fail(): " + a.str(0));
        });
        // Math
        def("abs", "abs(int | float)", 1, 1, a -> {
            if (a.get(0) instanceof Value.FloatValue f) {
                return Value.of(Math.abs(f.value()));
            }
            long n = a.integer(0);
            if (n == Long.MIN_VALUE) {
                throw new CallError("integer overflow in abs(): results must fit in 64 bits");
            }
            return Value.of(Math.abs(n));
        });
        def("min", "min(a, b[, c]) | min(list | range_expr)", 1, 3, a -> extreme(a, true));
        def("max", "max(a, b[, c]) | max(list | range_expr)", 1, 3, a -> extreme(a, false));
        def("sum", "sum(list[int | float] | range_expr)", 1, 1, Builtins::sum);
        def("floor", "floor(int | float)", 1, 1, a -> whole(a, Math::floor));
        def("ceil", "ceil(int | float)", 1, 1, a -> whole(a, Math::ceil));
        def("round", "round(int | float[, ndigits])", 1, 2, Builtins::round);
        // Lists
        def("range", "range([start,] stop[, step])", 1, 3, Builtins::range);
        def("flatten", "flatten(list)", 1, 1, Builtins::flatten);
        def("sorted", "sorted(list)", 1, 1, Builtins::sorted);
        def("reversed", "reversed(list)", 1, 1, a -> new Value.ListValue(a.list(0).reversed()));
        def("unique", "unique(list)", 1, 1, Builtins::unique);
        def("any", "any(list[bool])", 1, 1, a -> anyAll(a, true));
        def("all", "all(list[bool])", 1, 1, a -> anyAll(a, false));
        def("join", "join(list[string], separator)", 2, 2, Builtins::join);
        // Quoting and serialization
        def("repr_sh", "repr_sh(string | path | list[string])", 1, 1, Quoting::reprSh);
        def("repr_cmd", "repr_cmd(string | path | list[string])", 1, 1, Quoting::reprCmd);
        def("repr_pwsh", "repr_pwsh(string | path | int | bool | list)", 1, 1, Quoting::reprPwsh);
        def("repr_py", "repr_py(value)", 1, 1, a -> Value.of(Quoting.py(a.get(0))));
        def("repr_json", "repr_json(value)", 1, 1, a -> Value.of(json(a.get(0))));
        // Paths
        def("path", "path(string | list[string])", 1, 1, Builtins::path);
        def("as_posix", "as_posix(path)", 1, 1, a -> Value.of(a.path(0)));
        def("is_absolute", "is_absolute(path)", 1, 1, a -> Value.of(Paths.isAbsolute(a.path(0))));
        def("is_relative_to", "is_relative_to(path, path)", 2, 2,
                a -> Value.of(Paths.isRelativeTo(a.path(0), a.path(1))));
        def("relative_to", "relative_to(path, path)", 2, 2, a -> pathOp(() -> Paths.relativeTo(a.path(0), a.path(1))));
        def("with_name", "with_name(path, name)", 2, 2, a -> pathOp(() -> Paths.withName(a.path(0), a.str(1))));
        def("with_stem", "with_stem(path, stem)", 2, 2, a -> pathOp(() -> Paths.withStem(a.path(0), a.str(1))));
        def("with_suffix", "with_suffix(path, suffix)", 2, 2,
                a -> pathOp(() -> Paths.withSuffix(a.path(0), a.str(1))));
        def("with_number", "with_number(path | string, int)", 2, 2, Builtins::withNumber);
        def("apply_path_mapping", "apply_path_mapping(string)", 1, 1, a -> Value.ofPath(a.str(0)));
        StringFunctions.register(Builtins::def);
        Regexes.register(Builtins::def);
    }

    private Builtins() {}

    /** Registers one function; for {@link StringFunctions}. */
    @FunctionalInterface
    interface Registry {
        void def(String name, String signature, int min, int max, Function body);
    }

    static boolean exists(String name) {
        return FUNCTIONS.containsKey(name);
    }

    static boolean isProperty(String name) {
        return PROPERTIES.contains(name);
    }

    /** Function names in alphabetical order, for error messages. */
    static List<String> names() {
        return List.copyOf(FUNCTIONS.keySet());
    }

    static Value call(String name, List<Value> args, boolean method) throws CallError {
        Spec spec = FUNCTIONS.get(name);
        if (args.size() < spec.min() || args.size() > spec.max()) {
            String count = spec.min() == spec.max() ? String.valueOf(spec.min()) : spec.min() + " to " + spec.max();
            throw new CallError(name + "() takes " + count + " argument" + (spec.max() == 1 ? "" : "s")
                    + " but got " + args.size() + ": " + spec.signature());
        }
        return spec.body().apply(new Args(name, args, method));
    }

    /** {@code v.name}: a path property. */
    static Value property(String name, Value v) throws CallError {
        if (!PROPERTIES.contains(name)) {
            if (FUNCTIONS.containsKey(name)) {
                throw new CallError("'" + name + "' is a function, not a property: call it, x." + name + "()");
            }
            throw new CallError("unknown property '." + name + "'; the properties (of a path) are name, stem, suffix,"
                    + " suffixes, parent, parts");
        }
        if (!(v instanceof Value.PathValue p)) {
            String hint = v instanceof Value.Str ? "; make it a path first: path(x)." + name : "";
            throw new CallError("property '." + name + "' needs a path but got " + v.typeName() + hint);
        }
        String s = p.value();
        return switch (name) {
            case "name" -> Value.of(Paths.name(s));
            case "stem" -> Value.of(Paths.stem(s));
            case "suffix" -> Value.of(Paths.suffix(s));
            case "suffixes" -> Value.ofStrings(Paths.suffixes(s));
            case "parent" -> Value.ofPath(Paths.parent(s));
            default -> Value.ofStrings(Paths.parts(s));
        };
    }

    @FunctionalInterface
    private interface PathOp {
        String run() throws Paths.PathError, CallError;
    }

    private static Value pathOp(PathOp op) throws CallError {
        try {
            return Value.ofPath(op.run());
        } catch (Paths.PathError e) {
            throw new CallError(e.getMessage());
        }
    }

    private static Value len(Args a) throws CallError {
        return switch (a.get(0)) {
            case Value.Str s -> Value.of(s.value().codePointCount(0, s.value().length()));
            case Value.PathValue p -> Value.of(p.value().codePointCount(0, p.value().length()));
            case Value.ListValue l -> Value.of(l.items().size());
            case Value.RangeValue r -> Value.of(r.range().size());
            default -> throw new CallError("len() needs a string, path, list or range_expr but got "
                    + a.get(0).typeName());
        };
    }

    private static Value bool(Args a) throws CallError {
        return switch (a.get(0)) {
            case Value.Bool b -> b;
            case Value.Null n -> Value.of(false);
            case Value.Int i -> Value.of(i.value() != 0);
            case Value.FloatValue f -> Value.of(f.value() != 0);
            case Value.Str s -> switch (s.value().toLowerCase(java.util.Locale.ROOT)) {
                case "1", "true", "on", "yes" -> Value.of(true);
                case "0", "false", "off", "no" -> Value.of(false);
                default -> throw new CallError("bool() cannot convert '" + s.value() + "': write one of 1, true, on,"
                        + " yes or 0, false, off, no (any case)");
            };
            default -> throw new CallError("cannot convert " + a.get(0).typeName() + " to bool; compare it instead,"
                    + " e.g. len(x) > 0");
        };
    }

    private static Value integer(Args a) throws CallError {
        Value v = a.get(0);
        if (v instanceof Value.Int) {
            return v;
        }
        if (v instanceof Value.FloatValue f) {
            Long whole = Floats.exactLong(f.value());
            if (whole == null) {
                throw new CallError("int() cannot convert " + f.display() + ": it is not a whole number in the 64-bit"
                        + " range; use round(x), floor(x) or ceil(x)");
            }
            return Value.of(whole);
        }
        if (!(v instanceof Value.Str s)) {
            throw new CallError("int() needs an int, a float or a string of digits but got " + v.typeName());
        }
        String t = s.value().strip();
        if (!t.matches("[+-]?[0-9]+(_[0-9]+)*")) {
            throw new CallError("int() cannot convert '" + s.value() + "': it is not a whole number in decimal");
        }
        try {
            return Value.of(Long.parseLong(t.replace("_", "")));
        } catch (NumberFormatException e) {
            throw new CallError("int() cannot convert '" + s.value() + "': integers are 64-bit");
        }
    }

    private static Value extreme(Args a, boolean min) throws CallError {
        String fn = min ? "min" : "max";
        if (a.size() == 1 && a.get(0) instanceof Value.RangeValue r) {
            return Value.of(min ? r.range().min() : r.range().max());
        }
        List<Value> items = a.size() == 1 ? a.list(0) : a.values;
        if (items.isEmpty()) {
            throw new CallError(fn + "() requires a non-empty list");
        }
        boolean anyFloat = false;
        Value best = null;
        for (Value item : items) {
            if (!(item instanceof Value.Int || item instanceof Value.FloatValue)) {
                throw new CallError(fn + "() works on ints and floats but got " + item.typeName()
                        + (a.size() == 1 ? " in the list" : ""));
            }
            anyFloat |= item instanceof Value.FloatValue;
            // The first of equal values wins, as in Python.
            if (best == null || (min ? order(item, best) < 0 : order(item, best) > 0)) {
                best = item;
            }
        }
        // min(int, float) is the (float, float) overload: an int result is promoted (RFC 0006).
        return anyFloat && best instanceof Value.Int i ? Value.of((double) i.value()) : best;
    }

    private static Value sum(Args a) throws CallError {
        if (a.get(0) instanceof Value.RangeValue r) {
            try {
                return Value.of(r.range().sum());
            } catch (ArithmeticException e) {
                throw new CallError("integer overflow in sum(): results must fit in 64 bits");
            }
        }
        long total = 0;
        double floatTotal = 0;
        boolean isFloat = false;
        for (Value v : a.list(0)) {
            if (v instanceof Value.FloatValue f) {
                if (!isFloat) {
                    floatTotal = total;
                    isFloat = true;
                }
                floatTotal += f.value();
            } else if (v instanceof Value.Int n) {
                if (isFloat) {
                    floatTotal += n.value();
                    continue;
                }
                try {
                    total = Math.addExact(total, n.value());
                } catch (ArithmeticException e) {
                    throw new CallError("integer overflow in sum(): results must fit in 64 bits");
                }
            } else {
                throw new CallError("sum() needs a list of ints or floats but got " + v.typeName() + " items");
            }
        }
        return isFloat ? floatResult(floatTotal, "sum()") : Value.of(total);
    }

    /** A float result of {@code what}; an error when it overflows. */
    static Value floatResult(double d, String what) throws CallError {
        try {
            return Floats.of(d, what);
        } catch (Floats.FloatError e) {
            throw new CallError(e.getMessage());
        }
    }

    private static Value toFloat(Args a) throws CallError {
        return switch (a.get(0)) {
            case Value.FloatValue f -> Value.of(f.value());
            case Value.Int i -> Value.of((double) i.value());
            case Value.Str s -> {
                try {
                    yield Floats.parse(s.value());
                } catch (Floats.FloatError e) {
                    throw new CallError(e.getMessage());
                }
            }
            default -> throw new CallError("float() needs an int, a float or a string but got " + a.get(0).typeName());
        };
    }

    /** floor and ceil: an int stays as it is, a float becomes the int next to it. */
    private static Value whole(Args a, java.util.function.DoubleUnaryOperator op) throws CallError {
        if (a.get(0) instanceof Value.Int) {
            return a.get(0);
        }
        if (!(a.get(0) instanceof Value.FloatValue f)) {
            throw new CallError(a.function + "() needs an int or a float but got " + a.get(0).typeName());
        }
        try {
            return Value.of(Floats.toLong(op.applyAsDouble(f.value()), a.function + "()"));
        } catch (Floats.FloatError e) {
            throw new CallError(e.getMessage());
        }
    }

    /**
     * Python's {@code round}, half to even on the exact value: {@code round(2.5)} is 2. Without
     * ndigits, or with ndigits <= 0, the result is an int (RFC 0006; Python keeps a float there); with
     * ndigits > 0 a float written with exactly that many decimals.
     */
    private static Value round(Args a) throws CallError {
        long ndigits = a.size() == 2 ? a.integer(1) : 0;
        if (ndigits > 100_000) {
            throw new CallError("round() can keep at most 100000 decimals, not " + ndigits);
        }
        try {
            return switch (a.get(0)) {
                case Value.Int i -> ndigits >= 0 ? i
                        : Value.of(Floats.roundToInt(new java.math.BigDecimal(i.value()), ndigits));
                case Value.FloatValue f -> {
                    if (a.size() == 1) {
                        yield Value.of(Floats.toLong(Math.rint(f.value()), "round()"));
                    }
                    yield ndigits > 0 ? Floats.round(f.value(), ndigits)
                            : Value.of(Floats.roundToInt(new java.math.BigDecimal(f.value()), ndigits));
                }
                default -> throw new CallError("round() needs an int or a float but got " + a.get(0).typeName());
            };
        } catch (Floats.FloatError e) {
            throw new CallError(e.getMessage());
        }
    }

    private static Value list(Args a) throws CallError {
        if (a.get(0) instanceof Value.ListValue) {
            return a.get(0);
        }
        if (!(a.get(0) instanceof Value.RangeValue r)) {
            throw new CallError("list() needs a range_expr but got " + a.get(0).typeName());
        }
        return new Value.ListValue(expand(r.range(), "list()"));
    }

    /** The ints of {@code r}, refused beyond {@link #MAX_SIZE}. */
    static List<Value> expand(RangeExpr r, String what) throws CallError {
        if (r.size() > MAX_SIZE) {
            throw new CallError(what + " would list the " + r.size() + " values of range expression '" + r
                    + "'; the limit is " + MAX_SIZE);
        }
        return r.values().stream().map(Value::of).toList();
    }

    private static Value rangeExpr(Args a) throws CallError {
        try {
            return switch (a.get(0)) {
                case Value.RangeValue r -> r;
                case Value.Str s -> new Value.RangeValue(RangeExpr.parse(s.value()));
                case Value.ListValue l -> {
                    List<Long> values = new ArrayList<>();
                    for (Value item : l.items()) {
                        if (!(item instanceof Value.Int n)) {
                            throw new CallError("range_expr() needs a list of ints but got " + item.typeName() + " items");
                        }
                        values.add(n.value());
                    }
                    yield new Value.RangeValue(RangeExpr.ofValues(values));
                }
                default -> throw new CallError("range_expr() needs a string such as '1-10:2,15' or a list of ints but got "
                        + a.get(0).typeName());
            };
        } catch (RangeExpr.RangeError e) {
            throw new CallError(e.getMessage());
        }
    }

    private static Value range(Args a) throws CallError {
        long start = a.size() == 1 ? 0 : a.integer(0);
        long stop = a.size() == 1 ? a.integer(0) : a.integer(1);
        long step = a.size() == 3 ? a.integer(2) : 1;
        if (step == 0) {
            throw new CallError("range() step must not be zero");
        }
        java.math.BigInteger span = java.math.BigInteger.valueOf(stop).subtract(java.math.BigInteger.valueOf(start));
        java.math.BigInteger st = java.math.BigInteger.valueOf(step);
        // ceil(span / step) items when it is positive.
        java.math.BigInteger[] qr = span.divideAndRemainder(st);
        java.math.BigInteger count = qr[0].add(qr[1].signum() != 0 ? java.math.BigInteger.ONE : java.math.BigInteger.ZERO);
        if (count.signum() <= 0) {
            return new Value.ListValue(List.of());
        }
        if (count.compareTo(java.math.BigInteger.valueOf(MAX_SIZE)) > 0) {
            throw new CallError("range() would build " + count + " items; the limit is " + MAX_SIZE);
        }
        List<Value> out = new ArrayList<>();
        for (long k = 0, n = count.longValue(); k < n; k++) {
            out.add(Value.of(start + k * step));
        }
        return new Value.ListValue(out);
    }

    private static Value flatten(Args a) throws CallError {
        if (!(a.get(0) instanceof Value.ListValue list)) {
            throw new CallError("flatten() needs a list but got " + a.get(0).typeName());
        }
        List<Value> out = new ArrayList<>();
        for (Value item : list.items()) {
            if (item instanceof Value.ListValue inner) {
                out.addAll(inner.items());
            } else {
                out.add(item);
            }
        }
        return new Value.ListValue(out);
    }

    private static Value sorted(Args a) throws CallError {
        List<Value> items = new ArrayList<>(a.list(0));
        try {
            items.sort((x, y) -> {
                try {
                    return order(x, y);
                } catch (CallError e) {
                    throw new IllegalStateException(e.getMessage());
                }
            });
        } catch (IllegalStateException e) {
            throw new CallError("sorted(): " + e.getMessage());
        }
        return new Value.ListValue(items);
    }

    private static Value unique(Args a) throws CallError {
        List<Value> out = new ArrayList<>();
        for (Value v : a.list(0)) {
            if (out.stream().noneMatch(seen -> equal(seen, v))) {
                out.add(v);
            }
        }
        return new Value.ListValue(out);
    }

    private static Value anyAll(Args a, boolean any) throws CallError {
        for (Value v : a.list(0)) {
            if (!(v instanceof Value.Bool b)) {
                throw new CallError(a.function + "() needs a list of bools but got " + v.typeName()
                        + " items; compare them first, e.g. " + a.function + "([x != '' for x in list])");
            }
            if (b.value() == any) {
                return Value.of(any);
            }
        }
        return Value.of(!any);
    }

    private static Value join(Args a) throws CallError {
        if (!(a.get(0) instanceof Value.ListValue list)) {
            throw new CallError("join() needs a list first (list.join(sep)) but got " + a.get(0).typeName());
        }
        if (!(a.get(1) instanceof Value.Str sep)) {
            throw new CallError("join() needs a string separator but got " + a.get(1).typeName());
        }
        List<String> parts = new ArrayList<>();
        for (Value item : list.items()) {
            if (item instanceof Value.ListValue) {
                throw new CallError("join() got a list of lists; flatten it first");
            }
            parts.add(text(item));
        }
        return Value.of(String.join(sep.value(), parts));
    }

    private static Value path(Args a) throws CallError {
        Value v = a.get(0);
        if (v instanceof Value.ListValue list) {
            List<String> parts = new ArrayList<>();
            for (Value item : list.items()) {
                if (!(item instanceof Value.Str || item instanceof Value.PathValue)) {
                    throw new CallError("path() needs a list of strings but got " + item.typeName() + " items");
                }
                parts.add(text(item));
            }
            return Value.ofPath(Paths.fromParts(parts));
        }
        return Value.ofPath(a.path(0));
    }

    /** RFC 0006's frame-number substitution: the last digits, %d, %0Nd or #### in the stem, else _NNNN. */
    private static Value withNumber(Args a) throws CallError {
        boolean isPath = a.get(0) instanceof Value.PathValue;
        String s = isPath ? a.path(0) : a.str(0);
        long number = a.integer(1);
        int slash = s.lastIndexOf('/');
        String dir = s.substring(0, slash + 1);
        String name = s.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 && dot < name.length() - 1 ? name.substring(0, dot) : name;
        String suffix = name.substring(stem.length());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("%(0([0-9]+))?d|#+|[0-9]+").matcher(stem);
        int at = -1;
        int end = -1;
        String replacement = null;
        while (m.find()) {
            at = m.start();
            end = m.end();
            String found = m.group();
            if (found.startsWith("%")) {
                int width = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
                replacement = padded(number, width, found);
            } else {
                replacement = padded(number, found.length(), found);
            }
        }
        String newStem = at < 0 ? stem + "_" + padded(number, 4, "") : stem.substring(0, at) + replacement
                + stem.substring(end);
        String out = dir + newStem + suffix;
        return isPath ? Value.ofPath(out) : Value.of(out);
    }

    private static String padded(long number, int width, String pattern) throws CallError {
        if (width > 32) {
            throw new CallError("with_number(): the frame number pattern '" + pattern + "' is " + width
                    + " wide; at most 32 is supported");
        }
        return width == 0 ? Long.toString(number) : String.format("%0" + width + "d", number);
    }

    /** Equality as EXPR defines it: a path equals the string of its text; lists item by item. */
    static boolean equal(Value a, Value b) {
        if ((a instanceof Value.PathValue || a instanceof Value.Str) && (b instanceof Value.PathValue
                || b instanceof Value.Str)) {
            String x = a instanceof Value.PathValue p ? p.value() : ((Value.Str) a).value();
            String y = b instanceof Value.PathValue p ? p.value() : ((Value.Str) b).value();
            return x.equals(y);
        }
        if (isNumber(a) && isNumber(b)) {
            return compareNumbers(a, b) == 0;
        }
        if (a instanceof Value.RangeValue x && b instanceof Value.RangeValue y) {
            return x.range().sameRuns(y.range()) || (x.range().size() == y.range().size()
                    && x.range().size() <= MAX_SIZE && x.range().values().equals(y.range().values()));
        }
        if (a instanceof Value.RangeValue r && b instanceof Value.ListValue) {
            return equal(b, a);
        }
        if (a instanceof Value.ListValue x && b instanceof Value.RangeValue r) {
            // RFC 0006: a range expression equals the list of its values.
            if (x.items().size() != r.range().size()) {
                return false;
            }
            for (int i = 0; i < x.items().size(); i++) {
                if (!equal(x.items().get(i), Value.of(r.range().get(i)))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Value.ListValue x && b instanceof Value.ListValue y) {
            if (x.items().size() != y.items().size()) {
                return false;
            }
            for (int i = 0; i < x.items().size(); i++) {
                if (!equal(x.items().get(i), y.items().get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * Ordering as EXPR defines it: ints and floats by value, bools (false first), strings and paths by code point, lists
     * item by item (a shorter prefix first); anything else cannot be ordered.
     */
    static int order(Value l, Value r) throws CallError {
        if (isNumber(l) && isNumber(r)) {
            return compareNumbers(l, r);
        }
        if ((l instanceof Value.Str || l instanceof Value.PathValue)
                && (r instanceof Value.Str || r instanceof Value.PathValue)) {
            return compareCodePoints(text(l), text(r));
        }
        if (l instanceof Value.Bool x && r instanceof Value.Bool y) {
            return Boolean.compare(x.value(), y.value());
        }
        if (l instanceof Value.ListValue x && r instanceof Value.ListValue y) {
            int n = Math.min(x.items().size(), y.items().size());
            for (int i = 0; i < n; i++) {
                int c = order(x.items().get(i), y.items().get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(x.items().size(), y.items().size());
        }
        throw new CallError("cannot order " + l.typeName() + " and " + r.typeName() + "; compare values of one type");
    }

    static boolean isNumber(Value v) {
        return v instanceof Value.Int || v instanceof Value.FloatValue;
    }

    /** Ints and floats compared exactly, as Python does: 2**53 + 1 > 2.0**53. */
    static int compareNumbers(Value a, Value b) {
        if (a instanceof Value.Int x && b instanceof Value.Int y) {
            return Long.compare(x.value(), y.value());
        }
        if (a instanceof Value.FloatValue x && b instanceof Value.FloatValue y) {
            return Double.compare(x.value(), y.value());
        }
        if (a instanceof Value.Int x && b instanceof Value.FloatValue y) {
            return Floats.compare(x.value(), y.value());
        }
        return -Floats.compare(((Value.Int) b).value(), ((Value.FloatValue) a).value());
    }

    // Python orders strings by code point; String.compareTo orders by UTF-16 unit, which differs
    // above U+FFFF.
    static int compareCodePoints(String a, String b) {
        return java.util.Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    static final Comparator<String> CODE_POINT_ORDER = Builtins::compareCodePoints;

    /**
     * The text of a value inside a format string: strings and paths as they are, integers in decimal,
     * booleans as true/false, null as the empty string, lists as JSON.
     */
    static String text(Value v) {
        return switch (v) {
            case Value.Str s -> s.value();
            case Value.PathValue p -> p.value();
            case Value.Int i -> Long.toString(i.value());
            case Value.FloatValue f -> f.display();
            case Value.RangeValue r -> r.range().toString();
            case Value.Bool b -> Boolean.toString(b.value());
            case Value.Null n -> "";
            case Value.ListValue l -> json(l);
        };
    }

    /** JSON text: items separated by ", " (as Python's json.dumps), non-ASCII written as is. */
    static String json(Value v) {
        StringBuilder b = new StringBuilder();
        appendJson(v, b);
        return b.toString();
    }

    private static void appendJson(Value v, StringBuilder b) {
        switch (v) {
            case Value.Str s -> appendJsonString(s.value(), b);
            case Value.PathValue p -> appendJsonString(p.value(), b);
            case Value.Int i -> b.append(i.value());
            case Value.FloatValue f -> b.append(f.display());
            case Value.RangeValue r -> appendJsonString(r.range().toString(), b);
            case Value.Bool bool -> b.append(bool.value());
            case Value.Null n -> b.append("null");
            case Value.ListValue l -> {
                b.append('[');
                for (int k = 0; k < l.items().size(); k++) {
                    if (k > 0) {
                        b.append(", ");
                    }
                    appendJson(l.items().get(k), b);
                }
                b.append(']');
            }
        }
    }

    private static void appendJsonString(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
