package dev.sluice.openjd.format;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for the expression subset (see docs/user-guide/format-strings.md);
 * precedence from lowest: conditional, or, and, not, comparison, + -, * // %, unary sign, postfix.
 */
final class Parser {
    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", ">", "<=", ">=");
    /**
     * The deepest expression read, counting brackets, calls, indexes, signs, 'not', 'if' and each link
     * of a chain of operators: the parser, the checks and the evaluator recurse once per level, and a
     * format string of a few thousand brackets would overflow the thread's stack (issue 16). Far above
     * what a template writes; the same bound as YAML nesting.
     */
    static final int MAX_DEPTH = 64;

    private final String whole;
    private final List<Token> tokens;
    private int next;
    /** Sub-expressions open around the one being parsed. */
    private int depth;

    private Parser(String whole, List<Token> tokens) {
        this.whole = whole;
        this.tokens = tokens;
    }

    /** Parses {@code whole[start, end)} as one expression. */
    static Expr parse(String whole, int start, int end) throws FormatStringException {
        Parser p = new Parser(whole, Lexer.tokenize(whole, start, end));
        if (p.peek().kind() == Token.Kind.END) {
            throw p.error(start - 2, "empty expression: put a value between '{{' and '}}', e.g. {{ Param.Name }}");
        }
        Expr e = p.conditional();
        if (p.peek().kind() != Token.Kind.END) {
            throw p.unexpected(p.peek(), "the end of the expression");
        }
        // Before anything walks the tree recursively: a chain of operators is parsed in a loop, yet is
        // as deep as it is long.
        p.checkDepth(e);
        p.checkLocals(e, new ArrayDeque<>());
        return e;
    }

    /** Counts one more level of nesting at the next token; refuses more than {@link #MAX_DEPTH}. */
    private void enter() throws FormatStringException {
        if (++depth > MAX_DEPTH) {
            throw tooDeep(peek().offset());
        }
    }

    private FormatStringException tooDeep(int offset) {
        return error(offset, "the expression is nested more than " + MAX_DEPTH + " levels deep (brackets, calls,"
                + " indexes, signs, 'not', 'if' or a chain of operators); sluice reads at most that many: split it"
                + " into shorter expressions");
    }

    /** Refuses a tree deeper than {@link #MAX_DEPTH}, walked with a stack of its own. */
    private void checkDepth(Expr root) throws FormatStringException {
        Deque<Expr> pending = new ArrayDeque<>(List.of(root));
        Deque<Integer> depths = new ArrayDeque<>(List.of(1));
        while (!pending.isEmpty()) {
            Expr e = pending.pop();
            int d = depths.pop();
            if (d > MAX_DEPTH) {
                throw tooDeep(e.offset());
            }
            for (Expr child : children(e)) {
                pending.push(child);
                depths.push(d + 1);
            }
        }
    }

    private Expr conditional() throws FormatStringException {
        enter();
        try {
            Expr then = or();
            Token t = peek();
            if (t.isWord("if")) {
                next++;
                Expr test = or();
                expectWord("else", "a conditional 'x if test else y' needs 'else'");
                Expr otherwise = conditional();
                return new Expr.Conditional(then, test, otherwise, t.offset());
            }
            return then;
        } finally {
            depth--;
        }
    }

    private Expr or() throws FormatStringException {
        Expr left = and();
        while (peek().isWord("or")) {
            Token t = take();
            left = new Expr.Logic(false, left, and(), t.offset());
        }
        return left;
    }

    private Expr and() throws FormatStringException {
        Expr left = not();
        while (peek().isWord("and")) {
            Token t = take();
            left = new Expr.Logic(true, left, not(), t.offset());
        }
        return left;
    }

    private Expr not() throws FormatStringException {
        if (peek().isWord("not")) {
            Token t = take();
            enter();
            try {
                return new Expr.Not(not(), t.offset());
            } finally {
                depth--;
            }
        }
        return comparison();
    }

    private Expr comparison() throws FormatStringException {
        Expr first = additive();
        List<String> ops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        List<Expr> operands = new ArrayList<>(List.of(first));
        while (true) {
            Token t = peek();
            String op;
            if (t.kind() == Token.Kind.OP && COMPARISONS.contains(t.text())) {
                op = t.text();
                next++;
            } else if (t.isWord("in")) {
                op = "in";
                next++;
            } else if (t.isWord("not") && tokens.get(next + 1).isWord("in")) {
                op = "not in";
                next += 2;
            } else {
                break;
            }
            ops.add(op);
            offsets.add(t.offset());
            operands.add(additive());
        }
        return ops.isEmpty() ? first : new Expr.Comparison(ops, operands, offsets, first.offset());
    }

    private Expr additive() throws FormatStringException {
        Expr left = multiplicative();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token t = take();
            left = new Expr.Arithmetic(t.text(), left, multiplicative(), t.offset());
        }
        return left;
    }

    private Expr multiplicative() throws FormatStringException {
        Expr left = unary();
        while (true) {
            Token t = peek();
            if (t.isOp("*") || t.isOp("//") || t.isOp("%")) {
                next++;
                left = new Expr.Arithmetic(t.text(), left, unary(), t.offset());
            } else if (t.isOp("/")) {
                next++;
                left = new Expr.Arithmetic("/", left, unary(), t.offset());
            } else {
                return left;
            }
        }
    }

    private Expr unary() throws FormatStringException {
        Token t = peek();
        if (t.isOp("-") || t.isOp("+")) {
            next++;
            enter();
            try {
                return new Expr.Sign(t.isOp("-"), unary(), t.offset());
            } finally {
                depth--;
            }
        }
        Expr e = postfix();
        if (peek().isOp("**")) {
            // The exponent binds tighter than a sign on the left: -2 ** 2 is -(2 ** 2), as in Python.
            Token op = take();
            enter();
            try {
                return new Expr.Arithmetic("**", e, unary(), op.offset());
            } finally {
                depth--;
            }
        }
        return e;
    }

    private Expr postfix() throws FormatStringException {
        Expr e = primary();
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next++;
                Token name = take();
                if (name.kind() != Token.Kind.IDENT) {
                    throw unexpected(name, "a name after '.'");
                }
                if (peek().isOp("(")) {
                    List<Expr> args = new ArrayList<>(List.of(e));
                    args.addAll(arguments());
                    e = call(name, args, true);
                } else if (e instanceof Expr.Variable v) {
                    e = new Expr.Variable(v.name() + "." + name.text(), v.offset());
                } else {
                    e = new Expr.Property(e, name.text(), name.offset());
                }
            } else if (t.isOp("[")) {
                next++;
                e = subscript(e, t);
            } else if (t.isOp("(")) {
                throw error(t.offset(), "only functions can be called; " + describe(e) + " is not a function");
            } else {
                return e;
            }
        }
    }

    /** After {@code target[}: an index {@code x[i]} or a slice {@code x[a:b:c]} with any bound left out. */
    private Expr subscript(Expr target, Token open) throws FormatStringException {
        Expr start = peek().isOp(":") ? null : conditional();
        if (!peek().isOp(":")) {
            expectOp("]", "an index 'x[i]' needs a closing ']'");
            return new Expr.Index(target, start, open.offset());
        }
        next++;
        Expr stop = peek().isOp(":") || peek().isOp("]") ? null : conditional();
        Expr step = null;
        if (peek().isOp(":")) {
            next++;
            step = peek().isOp("]") ? null : conditional();
        }
        expectOp("]", "a slice 'x[start:stop:step]' needs a closing ']'");
        return new Expr.Slice(target, start, stop, step, open.offset());
    }

    private Expr primary() throws FormatStringException {
        Token t = take();
        switch (t.kind()) {
            case INT -> {
                return new Expr.Literal(Value.of(t.number()), t.offset());
            }
            case FLOAT -> {
                try {
                    return new Expr.Literal(Floats.literal(t.text()), t.offset());
                } catch (Floats.FloatError e) {
                    throw error(t.offset(), e.getMessage());
                }
            }
            case STRING -> {
                return new Expr.Literal(Value.of(t.text()), t.offset());
            }
            case IDENT -> {
                return name(t);
            }
            case OP -> {
                if (t.isOp("(")) {
                    Expr inner = conditional();
                    expectOp(")", "'(' needs a closing ')'");
                    return inner;
                }
                if (t.isOp("[")) {
                    return list(t);
                }
                throw unexpected(t, "a value");
            }
            default -> throw unexpected(t, "a value");
        }
    }

    private Expr name(Token t) throws FormatStringException {
        switch (t.text()) {
            case "True", "true" -> {
                return new Expr.Literal(Value.of(true), t.offset());
            }
            case "False", "false" -> {
                return new Expr.Literal(Value.of(false), t.offset());
            }
            case "None", "null" -> {
                return new Expr.Literal(Value.NULL, t.offset());
            }
            case "if", "else", "and", "or", "not", "for", "in" -> throw unexpected(t, "a value");
            default -> {
                // fall through to names below
            }
        }
        if (peek().isOp("(")) {
            return call(t, arguments(), false);
        }
        char first = t.text().charAt(0);
        if (Character.isLowerCase(first) || first == '_') {
            // Lowercase names are comprehension variables or let bindings; FormatString.validate reports
            // those that are neither.
            return new Expr.Local(t.text(), t.offset());
        }
        return new Expr.Variable(t.text(), t.offset());
    }

    private Expr call(Token name, List<Expr> args, boolean method) throws FormatStringException {
        if (!Builtins.exists(name.text())) {
            String detail = Builtins.isProperty(name.text())
                    ? "'" + name.text() + "' is a property, not a function: write x." + name.text() + " without '()'"
                    : "unknown function '" + name.text() + "'; the functions are " + String.join(", ", Builtins.names());
            throw error(name.offset(), detail);
        }
        return new Expr.Call(name.text(), List.copyOf(args), method, name.offset());
    }

    private List<Expr> arguments() throws FormatStringException {
        expectOp("(", "a call needs '('");
        List<Expr> args = new ArrayList<>();
        if (peek().isOp(")")) {
            next++;
            return args;
        }
        while (true) {
            args.add(conditional());
            if (peek().isOp(",")) {
                next++;
                continue;
            }
            expectOp(")", "function arguments are separated by ',' and end with ')'");
            return args;
        }
    }

    private Expr list(Token open) throws FormatStringException {
        List<Expr> items = new ArrayList<>();
        if (peek().isOp("]")) {
            next++;
            return new Expr.ListOf(items, open.offset());
        }
        Expr first = conditional();
        if (peek().isWord("for")) {
            next++;
            Token variable = take();
            if (variable.kind() != Token.Kind.IDENT || !isLocalName(variable.text())) {
                throw error(variable.offset(), "a list comprehension variable must be a name that starts "
                        + "with a lowercase letter or '_', e.g. [x for x in Param.Items]");
            }
            expectWord("in", "a list comprehension reads '[x for x in list]'");
            Expr source = or();
            Expr condition = null;
            if (peek().isWord("if")) {
                next++;
                condition = or();
            }
            expectOp("]", "a list comprehension ends with ']'");
            return new Expr.Comprehension(first, variable.text(), source, condition, open.offset());
        }
        items.add(first);
        while (peek().isOp(",")) {
            next++;
            if (peek().isOp("]")) {
                break;
            }
            items.add(conditional());
        }
        expectOp("]", "list items are separated by ',' and the list ends with ']'");
        return new Expr.ListOf(items, open.offset());
    }

    /** No comprehension variable may hide an enclosing one. */
    private void checkLocals(Expr e, Deque<String> bound) throws FormatStringException {
        switch (e) {
            case Expr.Local l -> {
                // A name no comprehension binds is a let binding, or unknown: FormatString.validate says which.
            }
            case Expr.Comprehension c -> {
                checkLocals(c.source(), bound);
                if (bound.contains(c.variable())) {
                    throw error(c.offset(), "list comprehension variable '" + c.variable()
                            + "' hides an enclosing one of the same name; rename it");
                }
                bound.push(c.variable());
                checkLocals(c.element(), bound);
                if (c.condition() != null) {
                    checkLocals(c.condition(), bound);
                }
                bound.pop();
            }
            default -> {
                for (Expr child : children(e)) {
                    checkLocals(child, bound);
                }
            }
        }
    }

    /** The direct sub-expressions of {@code e}. */
    static List<Expr> children(Expr e) {
        return switch (e) {
            case Expr.Literal l -> List.of();
            case Expr.Variable v -> List.of();
            case Expr.Local l -> List.of();
            case Expr.ListOf l -> l.items();
            case Expr.Comprehension c -> c.condition() == null
                    ? List.of(c.source(), c.element())
                    : List.of(c.source(), c.element(), c.condition());
            case Expr.Call c -> c.args();
            case Expr.Arithmetic a -> List.of(a.left(), a.right());
            case Expr.Comparison c -> c.operands();
            case Expr.Logic l -> List.of(l.left(), l.right());
            case Expr.Not n -> List.of(n.operand());
            case Expr.Sign s -> List.of(s.operand());
            case Expr.Conditional c -> List.of(c.then(), c.test(), c.otherwise());
            case Expr.Index i -> List.of(i.target(), i.index());
            case Expr.Property p -> List.of(p.target());
            case Expr.Slice sl -> {
                List<Expr> out = new ArrayList<>(List.of(sl.target()));
                for (Expr bound : new Expr[] {sl.start(), sl.stop(), sl.step()}) {
                    if (bound != null) {
                        out.add(bound);
                    }
                }
                yield out;
            }
        };
    }

    /**
     * The lowercase names {@code e} uses that no enclosing comprehension binds: its {@code let} bindings
     * (or mistakes), each with its first offset.
     */
    static java.util.Map<String, Integer> freeLocals(Expr e) {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        Deque<Expr> pending = new ArrayDeque<>(List.of(e));
        Deque<java.util.Set<String>> bound = new ArrayDeque<>(List.of(Set.<String>of()));
        while (!pending.isEmpty()) {
            Expr x = pending.pop();
            java.util.Set<String> names = bound.pop();
            if (x instanceof Expr.Local l && !names.contains(l.name())) {
                out.merge(l.name(), l.offset(), Math::min);
            }
            java.util.Set<String> inner = names;
            if (x instanceof Expr.Comprehension c) {
                inner = new java.util.HashSet<>(names);
                inner.add(c.variable());
            }
            for (Expr child : children(x)) {
                pending.push(child);
                // A comprehension's source is outside its variable's reach.
                bound.push(x instanceof Expr.Comprehension c && child == c.source() ? names : inner);
            }
        }
        return inOrder(out);
    }

    /** {@code names} by their offsets, first first. */
    private static java.util.Map<String, Integer> inOrder(java.util.Map<String, Integer> names) {
        java.util.Map<String, Integer> sorted = new java.util.LinkedHashMap<>();
        names.entrySet().stream().sorted(java.util.Map.Entry.comparingByValue())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** The variables of every comprehension in {@code e}, with their offsets. */
    static java.util.Map<String, Integer> comprehensionVariables(Expr e) {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        Deque<Expr> pending = new ArrayDeque<>(List.of(e));
        while (!pending.isEmpty()) {
            Expr x = pending.pop();
            if (x instanceof Expr.Comprehension c) {
                out.merge(c.variable(), c.offset(), Math::min);
            }
            children(x).forEach(pending::push);
        }
        return inOrder(out);
    }

    private static boolean isLocalName(String name) {
        char first = name.charAt(0);
        return (Character.isLowerCase(first) || first == '_')
                && !Set.of("if", "else", "and", "or", "not", "for", "in", "true", "false", "null").contains(name);
    }

    private static String describe(Expr e) {
        return switch (e) {
            case Expr.Variable v -> "variable '" + v.name() + "'";
            case Expr.Local l -> "'" + l.name() + "'";
            default -> "this value";
        };
    }

    private Token peek() {
        return tokens.get(next);
    }

    private Token take() {
        Token t = tokens.get(next);
        if (t.kind() != Token.Kind.END) {
            next++;
        }
        return t;
    }

    private void expectOp(String op, String why) throws FormatStringException {
        Token t = take();
        if (!t.isOp(op)) {
            throw error(t.offset(), "expected '" + op + "' but found " + t.describe() + ": " + why);
        }
    }

    private void expectWord(String word, String why) throws FormatStringException {
        Token t = take();
        if (!t.isWord(word)) {
            throw error(t.offset(), "expected '" + word + "' but found " + t.describe() + ": " + why);
        }
    }

    private FormatStringException unexpected(Token t, String wanted) {
        return error(t.offset(), "expected " + wanted + " but found " + t.describe());
    }

    private FormatStringException error(int offset, String detail) {
        return new FormatStringException(FormatProblem.at(whole, offset, detail));
    }
}
