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

    /** A template variable such as {@code Task.Param.Frame}: the full dotted name. */
    record Variable(String name, int offset) implements Expr {}

    /** A list-comprehension variable (lowercase). */
    record Local(String name, int offset) implements Expr {}

    /** {@code f(a, b)}, or {@code a.f(b)} which means the same. */
    record Call(String function, List<Expr> args, int offset) implements Expr {}

    /** {@code + - * // %}. */
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
