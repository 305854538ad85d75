package dev.sluice.openjd.format;

import java.util.List;

/** The syntax tree of one {@code {{ }}} expression. Every node keeps its offset for error messages. */
sealed interface Expr {
    int offset();

    /** A literal: string, integer, boolean or null. */
    record Literal(Value value, int offset) implements Expr {}

    /** {@code [a, b, c]}. */
    record ListOf(List<Expr> items, int offset) implements Expr {}

    /** {@code [element for variable in source if condition]}; {@code condition} may be null. */
    record Comprehension(Expr element, String variable, Expr source, Expr condition, int offset)
            implements Expr {}

    /**
     * A template variable such as {@code Task.Param.Frame}: the full dotted name. Properties written after
     * it ({@code Param.File.stem}) are part of the name; the evaluator takes the longest prefix that has a
     * value and applies the rest as properties, as RFC 0005's variable lookup does.
     */
    record Variable(String name, int offset) implements Expr {}

    /** A lowercase name: a list-comprehension variable or a {@code let} binding. */
    record Local(String name, int offset) implements Expr {}

    /**
     * {@code f(a, b)}, or {@code a.f(b)} which means the same ({@code method} true) except that the
     * receiver {@code a} is not converted: a path has no {@code .upper()}.
     */
    record Call(String function, List<Expr> args, boolean method, int offset) implements Expr {}

    /** {@code (expression).name}: a property ({@code .parent}, {@code .stem}, ...) of a computed value. */
    record Property(Expr target, String name, int offset) implements Expr {}

    /** {@code target[start:stop:step]}; each bound may be null (left out). */
    record Slice(Expr target, Expr start, Expr stop, Expr step, int offset) implements Expr {}

    /** {@code + - * / // %}. */
    record Arithmetic(String operator, Expr left, Expr right, int offset) implements Expr {}

    /** A comparison chain {@code a < b <= c}: operators[i] sits between operands[i] and operands[i+1]. */
    record Comparison(List<String> operators, List<Expr> operands, List<Integer> operatorOffsets, int offset)
            implements Expr {}

    /** {@code a and b} / {@code a or b}: null-coalescing, short-circuit. */
    record Logic(boolean isAnd, Expr left, Expr right, int offset) implements Expr {}

    /** {@code not a}. */
    record Not(Expr operand, int offset) implements Expr {}

    /** {@code -a} / {@code +a}. */
    record Sign(boolean negate, Expr operand, int offset) implements Expr {}

    /** {@code then if test else otherwise}. */
    record Conditional(Expr then, Expr test, Expr otherwise, int offset) implements Expr {}

    /** {@code target[index]}. */
    record Index(Expr target, Expr index, int offset) implements Expr {}
}
