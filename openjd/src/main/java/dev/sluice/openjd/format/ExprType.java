package dev.sluice.openjd.format;

/**
 * The type of an expression as far as it is known before any value is: what a template's declarations
 * say (a STRING parameter is a string, {@code Session.WorkingDirectory} a path, a literal its own type),
 * or {@link #UNKNOWN} where only the value would tell (an optional that may be null, an item of a list).
 * The load-time type check refuses only operations whose operand types are all known and that no value
 * of those types could make work; anything {@link #UNKNOWN} is let through to be checked when it runs.
 */
public enum ExprType {
    STRING("string"),
    PATH("path"),
    INT("int"),
    FLOAT("float"),
    BOOL("bool"),
    LIST("list"),
    RANGE_EXPR("range_expr"),
    NULL("null"),
    /** Not known before the value is: never refused. */
    UNKNOWN("unknown");

    private final String typeName;

    ExprType(String typeName) {
        this.typeName = typeName;
    }

    /** The name used in messages, as {@link Value#typeName()}. */
    public String typeName() {
        return typeName;
    }

    /** The type of {@code v}. */
    static ExprType of(Value v) {
        return switch (v) {
            case Value.Str s -> STRING;
            case Value.PathValue p -> PATH;
            case Value.Int i -> INT;
            case Value.FloatValue f -> FLOAT;
            case Value.Bool b -> BOOL;
            case Value.ListValue l -> LIST;
            case Value.RangeValue r -> RANGE_EXPR;
            case Value.Null n -> NULL;
        };
    }

    boolean known() {
        return this != UNKNOWN;
    }

    boolean number() {
        return this == INT || this == FLOAT;
    }
}
