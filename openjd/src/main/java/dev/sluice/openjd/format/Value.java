package dev.sluice.openjd.format;

import java.util.List;
import java.util.Objects;

/**
 * A value a format-string expression works with: a string, a path, a 64-bit integer, a float, a
 * boolean, a range expression, a list (of scalars, or of lists of scalars) or null. Template variables
 * are strings, paths ({@code Session.WorkingDirectory}, {@code Env.File.*}, PATH parameters), integers,
 * floats (FLOAT parameters), lists of strings or null; booleans come from comparisons, other floats and
 * range expressions from literals and functions.
 */
public sealed interface Value {

    /** The null value: an unset optional such as {@code WrappedAction.Timeout}. */
    Value NULL = new Null();

    /** A string value. */
    static Value of(String s) {
        return new Str(s);
    }

    /** An integer value. */
    static Value of(long n) {
        return new Int(n);
    }

    /** A float value, written in Python's shortest form; see {@link Floats#repr}. */
    static Value of(double d) {
        return new FloatValue(d, null);
    }

    /**
     * The value of a FLOAT parameter given as decimal text ({@code 2.50}, {@code -1e-3}, {@code 7}), shown
     * as written until computed on; see {@link Floats#parameter}.
     *
     * @throws IllegalArgumentException when the text is not a finite decimal number; the message says
     *         why, of the text without naming it ({@code is not a decimal number such as 2.5, -1 or 1e-3})
     */
    static FloatValue ofFloatText(String text) {
        try {
            return Floats.parameter(text);
        } catch (Floats.FloatError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A boolean value. */
    static Value of(boolean b) {
        return b ? Bool.TRUE : Bool.FALSE;
    }

    /** A path value, such as {@code Session.WorkingDirectory}: text that the path operations apply to. */
    static Value ofPath(String p) {
        return new PathValue(p);
    }

    /** A list of strings, such as {@code WrappedAction.Args}. */
    static Value ofStrings(List<String> items) {
        return new ListValue(items.stream().map(Value::of).toList());
    }

    /** An integer, or {@link #NULL} when {@code n} is null: for optional fields such as timeouts. */
    static Value ofNullable(Long n) {
        return n == null ? NULL : of(n);
    }

    /** A string, or {@link #NULL} when {@code s} is null. */
    static Value ofNullable(String s) {
        return s == null ? NULL : of(s);
    }

    /** The type name used in error messages: string, path, int, bool, list or null. */
    String typeName();

    /** A string. */
    record Str(String value) implements Value {
        public Str {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String typeName() {
            return "string";
        }
    }

    /**
     * A filesystem path (POSIX) or URI ({@code s3://bucket/key}), its text normalized as Python's
     * {@code PurePosixPath} does ({@code a//b/./c/} is {@code a/b/c}; a URI is kept as written). Its text in a format string is the path itself.
     */
    record PathValue(String value) implements Value {
        public PathValue {
            value = Paths.normalize(Objects.requireNonNull(value, "value"));
        }

        @Override
        public String typeName() {
            return "path";
        }
    }

    /** A 64-bit signed integer. */
    record Int(long value) implements Value {
        @Override
        public String typeName() {
            return "int";
        }
    }

    /**
     * A 64-bit IEEE float, never NaN, infinite or negative zero (EXPR refuses the first two and writes
     * -0.0 as 0.0). {@code text} is how it was written (a literal {@code 1.50}, {@code round(x, 2)}'s
     * {@code 3.50}), kept while the value is only passed on, as RFC 0005's float pass-through asks;
     * null means Python's shortest form.
     */
    record FloatValue(double value, String text) implements Value {
        public FloatValue {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("a float must be finite");
            }
            // 0.0 + -0.0 is 0.0: normalizes the sign of zero without a branch.
            value = value + 0.0;
        }

        /** Its text in a format string. */
        public String display() {
            return text != null ? text : Floats.repr(value);
        }

        @Override
        public boolean equals(Object o) {
            // The text is how it is shown, not part of the value: 1.50 == 1.5.
            return o instanceof FloatValue f && f.value == value;
        }

        @Override
        public int hashCode() {
            return Double.hashCode(value);
        }

        @Override
        public String typeName() {
            return "float";
        }
    }

    /**
     * An OpenJD range expression ({@code 1-10:2,15}): the integers of its ranges, in increasing order;
     * see {@link RangeExpr}.
     */
    record RangeValue(RangeExpr range) implements Value {
        public RangeValue {
            Objects.requireNonNull(range, "range");
        }

        @Override
        public String typeName() {
            return "range_expr";
        }
    }

    /** A boolean. */
    record Bool(boolean value) implements Value {
        static final Bool TRUE = new Bool(true);
        static final Bool FALSE = new Bool(false);

        @Override
        public String typeName() {
            return "bool";
        }
    }

    /** A list; null is never an element (the EXPR specification forbids it). */
    record ListValue(List<Value> items) implements Value {
        public ListValue {
            items = List.copyOf(items);
            for (Value v : items) {
                if (v instanceof Null) {
                    throw new IllegalArgumentException("a list cannot hold null");
                }
            }
        }

        @Override
        public String typeName() {
            return "list";
        }
    }

    /** The null value; use {@link Value#NULL}. */
    record Null() implements Value {
        @Override
        public String typeName() {
            return "null";
        }
    }
}
