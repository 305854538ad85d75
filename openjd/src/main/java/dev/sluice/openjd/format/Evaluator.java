package dev.sluice.openjd.format;

import java.util.ArrayDeque;
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
            case Expr.Variable v -> values.get(v.name()).orElseThrow(() -> error(v.offset(),
                    "no value was given for variable '" + v.name() + "'"));
            case Expr.Local l -> locals.get(l.name());
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
        if (!(source instanceof Value.ListValue list)) {
            throw error(c.source().offset(), "a list comprehension needs a list after 'in' but got "
                    + source.typeName());
        }
        List<Value> out = new ArrayList<>();
        for (Value item : list.items()) {
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

    /** A list with the EXPR rules: no null items; all scalars of one type, or all lists. */
    private Value checkedList(List<Value> items, int offset) throws FormatStringException {
        String type = null;
        for (Value item : items) {
            if (item instanceof Value.Null) {
                throw error(offset, "a list cannot hold null; leave the item out with a list comprehension's 'if'");
            }
            String t = item.typeName();
            if (type != null && !type.equals(t)) {
                throw error(offset, "a list cannot mix " + type + " and " + t
                        + " items; convert them with string(x)");
            }
            type = t;
        }
        return new Value.ListValue(items);
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
        try {
            return Builtins.call(c.function(), args);
        } catch (Builtins.CallError ex) {
            throw error(c.offset(), ex.getMessage());
        }
    }

    private Value arithmetic(Expr.Arithmetic a) throws FormatStringException {
        Value l = eval(a.left());
        Value r = eval(a.right());
        try {
            if (l instanceof Value.Int x && r instanceof Value.Int y) {
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
        if (a.operator().equals("+")) {
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
                checkSize((long) list.items().size() * Math.max(0, n.value()), a);
                charge((long) list.items().size() * Math.max(0, n.value()), a.offset());
                List<Value> out = new ArrayList<>();
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
                return l.equals(r);
            }
            case "!=" -> {
                return !l.equals(r);
            }
            case "in", "not in" -> {
                boolean found;
                if (r instanceof Value.ListValue list) {
                    found = list.items().contains(l);
                } else if (r instanceof Value.Str s && l instanceof Value.Str sub) {
                    found = s.value().contains(sub.value());
                } else {
                    throw error(offset, "'" + op + "' needs a list, or a string in a string, but got "
                            + l.typeName() + " " + op + " " + r.typeName());
                }
                return op.equals("in") == found;
            }
            default -> {
                int order;
                if (l instanceof Value.Int x && r instanceof Value.Int y) {
                    order = Long.compare(x.value(), y.value());
                } else if (l instanceof Value.Str x && r instanceof Value.Str y) {
                    order = compareCodePoints(x.value(), y.value());
                } else if (l instanceof Value.Bool x && r instanceof Value.Bool y) {
                    order = Boolean.compare(x.value(), y.value());
                } else {
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

    // Python orders strings by code point; String.compareTo orders by UTF-16 unit, which differs
    // above U+FFFF.
    private static int compareCodePoints(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        return java.util.Arrays.compare(x, y);
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
        if (!(v instanceof Value.Int i)) {
            throw error(s.offset(), "unary '" + (s.negate() ? "-" : "+") + "' needs an int but got " + v.typeName());
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
        if (target instanceof Value.Str s) {
            int[] codePoints = s.value().codePoints().toArray();
            return Value.of(Character.toString(codePoints[position(i.value(), codePoints.length, ix)]));
        }
        throw error(ix.offset(), "only lists and strings can be indexed, not " + target.typeName());
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
