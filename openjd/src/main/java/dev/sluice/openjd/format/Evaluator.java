package dev.sluice.openjd.format;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Evaluates an {@link Expr} with the EXPR semantics sluice supports. */
final class Evaluator {
    // Bounds what '*' repetition can build, so a template cannot exhaust the host's memory.
    private static final long MAX_SIZE = 1_000_000;
    /**
     * The most work one evaluation of a format string may do, in units of one sub-expression
     * evaluated, or one list item or character built, rendered or compared. Each '*' keeps within
     * {@link #MAX_SIZE}, yet [[0] * 1000000 for x in [0] * 1000] would build a billion items, and
     * comparing or rendering lists that share their items a billion more (issue 16): this bounds the
     * whole, so that no template takes the host's memory or time. Far above what a template needs.
     */
    static final long MAX_WORK = 4_000_000;

    private long work;

    private final String whole;
    private final Values values;
    private final Map<String, Value> locals = new HashMap<>();

    Evaluator(String whole, Values values) {
        this.whole = whole;
        this.values = values;
    }

    Value eval(Expr e) throws FormatStringException {
        charge(1, e.offset());
        return switch (e) {
            case Expr.Literal l -> l.value();
            case Expr.Variable v -> variable(v);
            case Expr.Local l -> local(l);
            case Expr.Property p -> property(eval(p.target()), p.name(), p.offset());
            case Expr.Slice sl -> slice(sl);
            case Expr.ListOf l -> list(l);
            case Expr.Comprehension c -> comprehension(c);
            case Expr.Call c -> call(c);
            case Expr.Arithmetic a -> arithmetic(a);
            case Expr.Comparison c -> comparison(c);
            case Expr.Logic l -> logic(l);
            case Expr.Not n -> Value.of(!bool(eval(n.operand()), n.offset(), "'not'"));
            case Expr.Sign s -> sign(s);
            case Expr.Conditional c -> bool(eval(c.test()), c.test().offset(), "the condition of 'x if test else y'")
                    ? eval(c.then()) : eval(c.otherwise());
            case Expr.Index i -> index(i);
        };
    }

    /**
     * A template variable: its value, or else the value of its longest prefix that has one with the
     * rest applied as properties ({@code Param.File.parent.name}).
     */
    private Value variable(Expr.Variable v) throws FormatStringException {
        Optional<Value> direct = values.get(v.name());
        if (direct.isPresent()) {
            return direct.get();
        }
        String[] segments = v.name().split("\\.");
        for (int n = segments.length - 1; n >= 1; n--) {
            Optional<Value> base = values.get(String.join(".", Arrays.copyOfRange(segments, 0, n)));
            if (base.isPresent()) {
                Value value = base.get();
                int offset = v.offset() + String.join(".", Arrays.copyOfRange(segments, 0, n)).length() + 1;
                for (int k = n; k < segments.length; k++) {
                    value = property(value, segments[k], offset);
                    offset += segments[k].length() + 1;
                }
                return value;
            }
        }
        if (v.name().equals("Job.Name")) {
            throw error(v.offset(), "Job.Name has no value: the host that runs this session did not pass the"
                    + " pipeline's name");
        }
        throw error(v.offset(), "no value was given for variable '" + v.name() + "'");
    }

    /** A comprehension variable, or else a let binding. */
    private Value local(Expr.Local l) throws FormatStringException {
        Value v = locals.get(l.name());
        if (v != null) {
            return v;
        }
        return values.get(l.name()).orElseThrow(() -> error(l.offset(), "unknown name '" + l.name()
                + "': lowercase names are let bindings (script.let) or list comprehension variables; template"
                + " variables start with a capital (Param., Task., Session., Env., WrappedAction., ...)"));
    }

    private Value property(Value target, String name, int offset) throws FormatStringException {
        charge(1, offset);
        try {
            return Builtins.property(name, target);
        } catch (Builtins.CallError ex) {
            throw error(offset, ex.getMessage());
        }
    }

    private Value list(Expr.ListOf l) throws FormatStringException {
        List<Value> items = new ArrayList<>();
        for (Expr item : l.items()) {
            items.add(eval(item));
        }
        charge(items.size(), l.offset());
        return checkedList(items, l.offset());
    }

    private Value comprehension(Expr.Comprehension c) throws FormatStringException {
        Value source = eval(c.source());
        List<Value> sourceItems;
        if (source instanceof Value.ListValue list) {
            sourceItems = list.items();
        } else if (source instanceof Value.RangeValue range) {
            sourceItems = expand(range, c.source().offset());
        } else {
            throw error(c.source().offset(), "a list comprehension needs a list or range_expr after 'in' but got "
                    + source.typeName());
        }
        List<Value> out = new ArrayList<>();
        for (Value item : sourceItems) {
            locals.put(c.variable(), item);
            if (c.condition() == null
                    || bool(eval(c.condition()), c.condition().offset(), "a list comprehension's 'if'")) {
                out.add(eval(c.element()));
            }
        }
        locals.remove(c.variable());
        charge(out.size(), c.offset());
        return checkedList(out, c.offset());
    }

    /**
     * A list with the EXPR rules: no null items; all scalars of one type, or all lists. Paths mixed with
     * strings become strings (a list of paths alone stays one).
     */
    private Value checkedList(List<Value> items, int offset) throws FormatStringException {
        String type = null;
        boolean mixed = false;
        for (Value item : items) {
            if (item instanceof Value.Null) {
                throw error(offset, "a list cannot hold null; leave the item out with a list comprehension's 'if'");
            }
            String t = switch (item.typeName()) {
                case "path" -> "string";
                case "float" -> "int";
                default -> item.typeName();
            };
            if (type != null && !type.equals(t)) {
                throw error(offset, "a list cannot mix " + type + " and " + t
                        + " items; convert them with string(x)");
            }
            mixed |= item instanceof Value.Str;
            type = t;
        }
        if (mixed && items.stream().anyMatch(i -> i instanceof Value.PathValue)) {
            items = items.stream().map(i -> i instanceof Value.PathValue p ? Value.of(p.value()) : i).toList();
        }
        items = promoted(items);
        if (items.stream().allMatch(i -> i instanceof Value.ListValue)
                && items.stream().flatMap(i -> ((Value.ListValue) i).items().stream())
                        .anyMatch(i -> i instanceof Value.FloatValue)) {
            // [[1], [2.5]] is a list of lists of floats (RFC 0005).
            List<Value> inner = new ArrayList<>();
            for (Value item : items) {
                inner.add(new Value.ListValue(((Value.ListValue) item).items().stream()
                        .map(i -> i instanceof Value.Int n ? Value.of((double) n.value()) : i).toList()));
            }
            items = inner;
        }
        return new Value.ListValue(items);
    }

    /** Ints among floats become floats: [1, 2.5] is [1.0, 2.5], as RFC 0005 infers list[float]. */
    private static List<Value> promoted(List<Value> items) {
        if (items.stream().noneMatch(i -> i instanceof Value.FloatValue)
                || items.stream().noneMatch(i -> i instanceof Value.Int)) {
            return items;
        }
        return items.stream().map(i -> i instanceof Value.Int n ? Value.of((double) n.value()) : i).toList();
    }

    /** The ints of a range expression, within the list size limit. */
    private List<Value> expand(Value.RangeValue range, int offset) throws FormatStringException {
        try {
            List<Value> items = Builtins.expand(range.range(), "iterating over it");
            charge(items.size(), offset);
            return items;
        } catch (Builtins.CallError e) {
            throw error(offset, e.getMessage());
        }
    }

    private Value call(Expr.Call c) throws FormatStringException {
        List<Value> args = new ArrayList<>();
        for (Expr arg : c.args()) {
            args.add(eval(arg));
        }
        // The functions render, copy or walk their arguments whole.
        for (Value arg : args) {
            charge(size(arg, MAX_WORK - work), c.offset());
        }
        Value result;
        try {
            result = Builtins.call(c.function(), args, c.method());
        } catch (Builtins.CallError ex) {
            throw error(c.offset(), ex.getMessage());
        }
        charge(size(result, MAX_WORK - work), c.offset());
        return result;
    }

    private Value arithmetic(Expr.Arithmetic a) throws FormatStringException {
        Value l = eval(a.left());
        Value r = eval(a.right());
        if ((l instanceof Value.FloatValue && Builtins.isNumber(r)) || (r instanceof Value.FloatValue
                && Builtins.isNumber(l)) || (a.operator().equals("/") && l instanceof Value.Int
                && r instanceof Value.Int) || (a.operator().equals("**") && l instanceof Value.Int
                && r instanceof Value.Int y && y.value() < 0)) {
            return floatArithmetic(a, l, r);
        }
        try {
            if (l instanceof Value.Int x && r instanceof Value.Int y) {
                if (a.operator().equals("**")) {
                    return Value.of(power(x.value(), y.value(), a));
                }
                return Value.of(switch (a.operator()) {
                    case "+" -> Math.addExact(x.value(), y.value());
                    case "-" -> Math.subtractExact(x.value(), y.value());
                    case "*" -> Math.multiplyExact(x.value(), y.value());
                    case "//" -> Math.floorDiv(x.value(), nonZero(y.value(), a));
                    default -> Math.floorMod(x.value(), nonZero(y.value(), a));
                });
            }
        } catch (ArithmeticException overflow) {
            throw error(a.offset(), "integer overflow in '" + a.operator()
                    + "': results must fit in 64 bits");
        }
        if (a.operator().equals("/") && l instanceof Value.PathValue p
                && (r instanceof Value.PathValue || r instanceof Value.Str)) {
            charge((long) p.value().length() + Builtins.text(r).length(), a.offset());
            return Value.ofPath(Paths.join(p.value(), Builtins.text(r)));
        }
        if (a.operator().equals("/") && l instanceof Value.Str && (r instanceof Value.Str || r instanceof Value.PathValue)) {
            throw error(a.offset(), "'/' joins paths, and the left side is a string: make it a path first,"
                    + " path('...') / 'name'");
        }
        if (a.operator().equals("+")) {
            if ((l instanceof Value.RangeValue && r instanceof Value.Str) || (l instanceof Value.Str
                    && r instanceof Value.RangeValue)) {
                // RFC 0006: a range expression joins a string as its text, '1-10'.
                String joined = Builtins.text(l) + Builtins.text(r);
                charge(joined.length(), a.offset());
                return Value.of(joined);
            }
            if ((l instanceof Value.RangeValue || r instanceof Value.RangeValue)
                    && (l instanceof Value.ListValue || l instanceof Value.RangeValue)
                    && (r instanceof Value.ListValue || r instanceof Value.RangeValue)) {
                // ... and a list as its list of ints.
                List<Value> joined = new ArrayList<>(items(l, a.offset()));
                joined.addAll(items(r, a.offset()));
                charge(joined.size(), a.offset());
                return checkedList(joined, a.offset());
            }
            if (l instanceof Value.PathValue p && (r instanceof Value.Str || r instanceof Value.PathValue)) {
                // RFC 0006: appends to the last component, no separator.
                charge((long) p.value().length() + Builtins.text(r).length(), a.offset());
                return Value.ofPath(p.value() + Builtins.text(r));
            }
            if (l instanceof Value.Str x && r instanceof Value.PathValue y) {
                charge((long) x.value().length() + y.value().length(), a.offset());
                return Value.of(x.value() + y.value());
            }
            if (l instanceof Value.Str x && r instanceof Value.Str y) {
                charge((long) x.value().length() + y.value().length(), a.offset());
                return Value.of(x.value() + y.value());
            }
            if (l instanceof Value.ListValue x && r instanceof Value.ListValue y) {
                charge((long) x.items().size() + y.items().size(), a.offset());
                List<Value> joined = new ArrayList<>(x.items());
                joined.addAll(y.items());
                return checkedList(joined, a.offset());
            }
        }
        if (a.operator().equals("*") && r instanceof Value.Int n) {
            if (l instanceof Value.Str s) {
                checkSize((long) s.value().length() * Math.max(0, n.value()), a);
                charge((long) s.value().length() * Math.max(0, n.value()), a.offset());
                return Value.of(s.value().repeat((int) Math.max(0, n.value())));
            }
            if (l instanceof Value.ListValue list) {
                long size = (long) list.items().size() * Math.max(0, n.value());
                checkSize(size, a);
                charge(size, a.offset());
                if (size == 0) {
                    // [] * 59270 is empty at once: a loop over the count would be work the charge never sees.
                    return new Value.ListValue(List.of());
                }
                List<Value> out = new ArrayList<>((int) size);
                for (long k = 0; k < n.value(); k++) {
                    out.addAll(list.items());
                }
                return new Value.ListValue(out);
            }
        }
        String hint = l instanceof Value.Str || r instanceof Value.Str
                ? "; convert numbers with string(x) before joining them to text" : "";
        throw error(a.offset(), "cannot apply '" + a.operator() + "' to " + l.typeName() + " and "
                + r.typeName() + hint);
    }

    private List<Value> items(Value v, int offset) throws FormatStringException {
        return v instanceof Value.RangeValue range ? expand(range, offset) : ((Value.ListValue) v).items();
    }

    /**
     * Arithmetic with a float, or that gives one ({@code 1 / 2}, {@code 2 ** -1}), as Python does it
     * on 64-bit floats; {@code //} gives an int (RFC 0006). Infinity and NaN are errors; -0.0 is 0.0.
     */
    private Value floatArithmetic(Expr.Arithmetic a, Value l, Value r) throws FormatStringException {
        String op = a.operator();
        double x = l instanceof Value.FloatValue f ? f.value() : ((Value.Int) l).value();
        double y = r instanceof Value.FloatValue f ? f.value() : ((Value.Int) r).value();
        if (y == 0 && (op.equals("/") || op.equals("//") || op.equals("%"))) {
            throw error(a.offset(), "division by zero in '" + op + "'");
        }
        double result = switch (op) {
            case "+" -> x + y;
            case "-" -> x - y;
            case "*" -> x * y;
            // int / int is the correctly rounded quotient, as Python's true division of two ints.
            case "/" -> l instanceof Value.Int li && r instanceof Value.Int ri ? Floats.divide(li.value(), ri.value())
                    : x / y;
            case "//" -> Floats.divmod(x, y)[0];
            case "%" -> Floats.divmod(x, y)[1];
            default -> {
                if (x == 0 && y < 0) {
                    throw error(a.offset(), "0 ** " + Builtins.text(r) + " divides by zero");
                }
                if (x < 0 && y != Math.rint(y)) {
                    throw error(a.offset(), Builtins.text(l) + " ** " + Builtins.text(r)
                            + " has no real result (a negative number to a fractional power)");
                }
                yield Math.pow(x, y);
            }
        };
        try {
            if (op.equals("//")) {
                return Value.of(Floats.toLong(result, "'//'"));
            }
            return Floats.of(result, "'" + op + "'");
        } catch (Floats.FloatError e) {
            throw error(a.offset(), e.getMessage());
        }
    }

    /** {@code base ** exponent} by squaring, for a non-negative exponent (a negative one gives a float). */
    private long power(long base, long exponent, Expr.Arithmetic a) throws FormatStringException {
        long result = 1;
        long b = base;
        long e = exponent;
        while (e > 0) {
            if ((e & 1) == 1) {
                result = Math.multiplyExact(result, b);
            }
            e >>= 1;
            if (e > 0) {
                b = Math.multiplyExact(b, b);
            }
        }
        return result;
    }

    private long nonZero(long divisor, Expr.Arithmetic a) throws FormatStringException {
        if (divisor == 0) {
            throw error(a.offset(), "division by zero in '" + a.operator() + "'");
        }
        return divisor;
    }

    private void checkSize(long size, Expr.Arithmetic a) throws FormatStringException {
        if (size > MAX_SIZE) {
            throw error(a.offset(), "'*' would build " + size + " items or characters; the limit is " + MAX_SIZE);
        }
    }

    private Value comparison(Expr.Comparison c) throws FormatStringException {
        Value left = eval(c.operands().getFirst());
        for (int k = 0; k < c.operators().size(); k++) {
            Value right = eval(c.operands().get(k + 1));
            if (!compare(c.operators().get(k), left, right, c.operatorOffsets().get(k))) {
                return Value.of(false);
            }
            left = right;
        }
        return Value.of(true);
    }

    private boolean compare(String op, Value l, Value r, int offset) throws FormatStringException {
        // Equality and membership walk both values whole.
        charge(size(l, MAX_WORK - work), offset);
        charge(size(r, MAX_WORK - work), offset);
        switch (op) {
            case "==" -> {
                return Builtins.equal(l, r);
            }
            case "!=" -> {
                return !Builtins.equal(l, r);
            }
            case "in", "not in" -> {
                boolean found;
                if (r instanceof Value.ListValue list) {
                    found = list.items().stream().anyMatch(item -> Builtins.equal(item, l));
                } else if (r instanceof Value.RangeValue range && Builtins.isNumber(l)) {
                    Long n = l instanceof Value.Int i ? Long.valueOf(i.value())
                            : Floats.exactLong(((Value.FloatValue) l).value());
                    found = n != null && range.range().contains(n);
                } else if (r instanceof Value.Str s && l instanceof Value.Str sub) {
                    found = s.value().contains(sub.value());
                } else {
                    throw error(offset, "'" + op + "' needs a list or range_expr, or a string in a string, but got "
                            + l.typeName() + " " + op + " " + r.typeName());
                }
                return op.equals("in") == found;
            }
            default -> {
                int order;
                try {
                    order = Builtins.order(l, r);
                } catch (Builtins.CallError e) {
                    throw error(offset, "cannot order " + l.typeName() + " and " + r.typeName() + " with '"
                            + op + "'; compare values of one type");
                }
                return switch (op) {
                    case "<" -> order < 0;
                    case ">" -> order > 0;
                    case "<=" -> order <= 0;
                    default -> order >= 0;
                };
            }
        }
    }

    private Value logic(Expr.Logic l) throws FormatStringException {
        Value left = eval(l.left());
        boolean falsy = left instanceof Value.Null || Value.of(false).equals(left);
        // Only null and false are falsy in EXPR: 0, '' and [] are values like any other.
        if (l.isAnd()) {
            return falsy ? left : eval(l.right());
        }
        return falsy ? eval(l.right()) : left;
    }

    private Value sign(Expr.Sign s) throws FormatStringException {
        Value v = eval(s.operand());
        if (v instanceof Value.FloatValue f) {
            return Value.of(s.negate() ? -f.value() : f.value());
        }
        if (!(v instanceof Value.Int i)) {
            throw error(s.offset(), "unary '" + (s.negate() ? "-" : "+") + "' needs an int or a float but got "
                    + v.typeName());
        }
        if (!s.negate()) {
            return v;
        }
        try {
            return Value.of(Math.negateExact(i.value()));
        } catch (ArithmeticException overflow) {
            throw error(s.offset(), "integer overflow in '-': results must fit in 64 bits");
        }
    }

    private Value index(Expr.Index ix) throws FormatStringException {
        Value target = eval(ix.target());
        Value index = eval(ix.index());
        if (!(index instanceof Value.Int i)) {
            throw error(ix.index().offset(), "an index must be an int but got " + index.typeName());
        }
        if (target instanceof Value.ListValue list) {
            return list.items().get(position(i.value(), list.items().size(), ix));
        }
        if (target instanceof Value.RangeValue range) {
            long size = range.range().size();
            long p = i.value() < 0 ? i.value() + size : i.value();
            if (p < 0 || p >= size) {
                throw error(ix.index().offset(), "index " + i.value() + " is out of range for length " + size);
            }
            return Value.of(range.range().get(p));
        }
        if (target instanceof Value.Str s) {
            int[] codePoints = s.value().codePoints().toArray();
            return Value.of(Character.toString(codePoints[position(i.value(), codePoints.length, ix)]));
        }
        String hint = target instanceof Value.PathValue ? "; index its parts instead, p.parts[i]" : "";
        throw error(ix.offset(), "only lists, strings and range expressions can be indexed, not " + target.typeName()
                + hint);
    }

    /** {@code x[start:stop:step]} with Python's rules: bounds clamped, negative ones from the end. */
    private Value slice(Expr.Slice sl) throws FormatStringException {
        Value target = eval(sl.target());
        Long start = bound(sl.start());
        Long stop = bound(sl.stop());
        Long stepValue = bound(sl.step());
        long step = stepValue == null ? 1 : stepValue;
        if (step == 0) {
            throw error(sl.step().offset(), "a slice step must not be zero");
        }
        long size;
        int[] codePoints = null;
        if (target instanceof Value.ListValue list) {
            size = list.items().size();
        } else if (target instanceof Value.RangeValue range) {
            size = range.range().size();
        } else if (target instanceof Value.Str s) {
            codePoints = s.value().codePoints().toArray();
            size = codePoints.length;
        } else {
            String hint = target instanceof Value.PathValue ? "; slice its parts instead, p.parts[a:b]" : "";
            throw error(sl.offset(), "only lists, strings and range expressions can be sliced, not "
                    + target.typeName() + hint);
        }
        long lower = step < 0 ? -1 : 0;
        long upper = step < 0 ? size - 1 : size;
        long from = start == null ? (step < 0 ? upper : lower) : clamp(start, size, lower, upper);
        long to = stop == null ? (step < 0 ? lower : upper) : clamp(stop, size, lower, upper);
        long count = step > 0 ? (to > from ? (to - from + step - 1) / step : 0)
                : (from > to ? (from - to - step - 1) / -step : 0);
        if (count > MAX_SIZE) {
            throw error(sl.offset(), "the slice would build " + count + " items; the limit is " + MAX_SIZE);
        }
        charge(count, sl.offset());
        List<Long> picked = new ArrayList<>();
        for (long i = from; step > 0 ? i < to : i > to; i += step) {
            picked.add(i);
        }
        if (codePoints != null) {
            StringBuilder b = new StringBuilder();
            for (long i : picked) {
                b.appendCodePoint(codePoints[(int) i]);
            }
            return Value.of(b.toString());
        }
        if (target instanceof Value.RangeValue range) {
            // RFC 0006: a slice of a range expression is a list of ints.
            return new Value.ListValue(picked.stream().map(i -> Value.of(range.range().get(i))).toList());
        }
        List<Value> items = ((Value.ListValue) target).items();
        return new Value.ListValue(picked.stream().map(i -> items.get((int) i.longValue())).toList());
    }

    private Long bound(Expr e) throws FormatStringException {
        if (e == null) {
            return null;
        }
        Value v = eval(e);
        if (v instanceof Value.Null) {
            return null;
        }
        if (!(v instanceof Value.Int i)) {
            throw error(e.offset(), "a slice bound must be an int or null but got " + v.typeName());
        }
        return i.value();
    }

    private static long clamp(long index, long size, long lower, long upper) {
        if (index < 0) {
            return Math.max(index + size, lower);
        }
        return Math.min(index, upper);
    }

    private int position(long index, int size, Expr.Index ix) throws FormatStringException {
        long p = index < 0 ? index + size : index;
        if (p < 0 || p >= size) {
            throw error(ix.index().offset(), "index " + index + " is out of range for length " + size);
        }
        return (int) p;
    }

    private boolean bool(Value v, int offset, String where) throws FormatStringException {
        if (v instanceof Value.Bool b) {
            return b.value();
        }
        throw error(offset, where + " needs a bool (true or false) but got " + v.typeName()
                + "; compare explicitly, e.g. x != null or x == 'yes'");
    }

    /** {@code v}'s text for the output, counted against the work bound first. */
    String text(Value v, int offset) throws FormatStringException {
        charge(size(v, MAX_WORK - work), offset);
        return Builtins.text(v);
    }

    /** Counts {@code units} of work done at {@code offset}; refuses more than {@link #MAX_WORK} in all. */
    private void charge(long units, int offset) throws FormatStringException {
        work += units;
        if (work > MAX_WORK) {
            throw error(offset, "the format string builds, renders or compares more than " + MAX_WORK
                    + " list items and characters in all, the limit for one; make its lists and strings smaller");
        }
    }

    /**
     * How many items and characters walking {@code v} whole visits, counting shared items each
     * time they are reached, walked with a stack of its own and only until it passes {@code limit}.
     */
    static long size(Value v, long limit) {
        long n = 0;
        Deque<Value> pending = new ArrayDeque<>();
        pending.push(v);
        while (!pending.isEmpty() && n <= limit) {
            switch (pending.pop()) {
                case Value.Str s -> n += s.value().length();
                case Value.PathValue p -> n += p.value().length();
                case Value.FloatValue f -> n += f.display().length();
                case Value.ListValue l -> {
                    n += 1 + l.items().size();
                    if (n <= limit) {
                        l.items().forEach(pending::push);
                    }
                }
                default -> n += 1;
            }
        }
        return n;
    }

    private FormatStringException error(int offset, String detail) {
        return new FormatStringException(FormatProblem.at(whole, offset, detail));
    }
}
