package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.List;

/** Splits the text between {@code {{ }}} into tokens; reports errors at their place in the whole string. */
final class Lexer {
    private static final String[] OPERATORS = {
        "==", "!=", "<=", ">=", "//", "**", "(", ")", "[", "]", ",", ".", "+", "-", "*", "/", "%", "<", ">", ":"
    };

    private final String whole;
    private final int end;
    private int pos;

    private Lexer(String whole, int start, int end) {
        this.whole = whole;
        this.pos = start;
        this.end = end;
    }

    /** Tokens of {@code whole[start, end)}, ending with an END token at {@code end}. */
    static List<Token> tokenize(String whole, int start, int end) throws FormatStringException {
        return new Lexer(whole, start, end).run();
    }

    private List<Token> run() throws FormatStringException {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos >= end) {
                tokens.add(new Token(Token.Kind.END, "", 0, end));
                return tokens;
            }
            char c = whole.charAt(pos);
            if (isIdentStart(c)) {
                if ((c == 'r' || c == 'R') && pos + 1 < end && isQuote(whole.charAt(pos + 1))) {
                    tokens.add(string(pos, pos + 1, true));
                } else {
                    tokens.add(identifier());
                }
            } else if (isDigit(c) || (c == '.' && pos + 1 < end && isDigit(whole.charAt(pos + 1))
                    && !afterValue(tokens))) {
                tokens.add(number());
            } else if (isQuote(c)) {
                tokens.add(string(pos, pos, false));
            } else {
                tokens.add(operator(c));
            }
        }
    }

    /**
     * Whether the last token ends a value, so that a '.' after it is an attribute, not a float such as
     * {@code .5}: Python reads {@code x.5} as an error either way, but {@code [1].5} must not become a
     * list and a number.
     */
    private static boolean afterValue(List<Token> tokens) {
        if (tokens.isEmpty()) {
            return false;
        }
        Token last = tokens.getLast();
        if (last.kind() == Token.Kind.IDENT) {
            return !java.util.Set.of("if", "else", "and", "or", "not", "in", "for").contains(last.text());
        }
        return last.kind() != Token.Kind.OP || last.isOp(")") || last.isOp("]");
    }

    private void skipSpace() {
        // Multi-line expressions need no continuation markers (EXPR "implicit line continuation").
        while (pos < end && Character.isWhitespace(whole.charAt(pos))) {
            pos++;
        }
    }

    private Token identifier() {
        int start = pos;
        while (pos < end && isIdentPart(whole.charAt(pos))) {
            pos++;
        }
        return new Token(Token.Kind.IDENT, whole.substring(start, pos), 0, start);
    }

    /**
     * An integer ({@code 42}, {@code 0x2A}, {@code 1_000}) or a float ({@code 1.5}, {@code .5},
     * {@code 1e-3}, {@code 1_000.5}), with Python's rules for both.
     */
    private Token number() throws FormatStringException {
        int start = pos;
        char first = whole.charAt(pos);
        if (first == '0' && pos + 1 < end && "xXoObB".indexOf(whole.charAt(pos + 1)) >= 0) {
            return radixInteger(start);
        }
        boolean isFloat = false;
        if (first != '.') {
            digits(start);
        }
        if (pos < end && whole.charAt(pos) == '.') {
            isFloat = true;
            pos++;
            if (pos < end && isDigit(whole.charAt(pos))) {
                digits(start);
            }
        }
        if (pos < end && (whole.charAt(pos) == 'e' || whole.charAt(pos) == 'E')) {
            isFloat = true;
            pos++;
            if (pos < end && (whole.charAt(pos) == '+' || whole.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= end || !isDigit(whole.charAt(pos))) {
                throw invalidNumber(start, "an exponent needs digits, e.g. 1e-3");
            }
            digits(start);
        }
        if (pos < end && (isIdentPart(whole.charAt(pos)) || whole.charAt(pos) == '.')) {
            // Python reads 1.5x or 1e5e5 as one bad literal, not as a number and a name.
            while (pos < end && (isIdentPart(whole.charAt(pos)) || whole.charAt(pos) == '.')) {
                pos++;
            }
            throw invalidNumber(start, "a number is digits with an optional '.' and exponent; a method call on"
                    + " a number needs brackets, (42).zfill(5)");
        }
        String literal = whole.substring(start, pos);
        if (isFloat) {
            return new Token(Token.Kind.FLOAT, literal, 0, start);
        }
        String digits = literal.replace("_", "");
        if (digits.length() > 1 && digits.charAt(0) == '0' && !digits.chars().allMatch(ch -> ch == '0')) {
            throw error(start, "invalid number '" + literal + "': leading zeros are not allowed; "
                    + "write 0o" + digits.replaceFirst("^0+", "") + " for octal");
        }
        return integer(literal, digits, 10, start);
    }

    /** Digits with single '_' between them, from pos; a misplaced '_' is an error. */
    private void digits(int literalStart) throws FormatStringException {
        while (pos < end && (isDigit(whole.charAt(pos)) || whole.charAt(pos) == '_')) {
            if (whole.charAt(pos) == '_' && (pos + 1 >= end || !isDigit(whole.charAt(pos + 1))
                    || !isDigit(whole.charAt(pos - 1)))) {
                pos++;
                throw invalidNumber(literalStart, "'_' may only separate digits");
            }
            pos++;
        }
    }

    private Token radixInteger(int start) throws FormatStringException {
        pos += 2;
        while (pos < end && (Character.isLetterOrDigit(whole.charAt(pos)) || whole.charAt(pos) == '_')) {
            pos++;
        }
        String literal = whole.substring(start, pos);
        int radix = switch (Character.toLowerCase(literal.charAt(1))) {
            case 'x' -> 16;
            case 'o' -> 8;
            default -> 2;
        };
        String body = literal.substring(2);
        if (body.isEmpty() || body.endsWith("_") || body.contains("__")) {
            throw error(start, "invalid number '" + literal + "': '_' may only separate digits");
        }
        return integer(literal, body.replace("_", ""), radix, start);
    }

    private Token integer(String literal, String digits, int radix, int start) throws FormatStringException {
        try {
            return new Token(Token.Kind.INT, literal, Long.parseLong(digits, radix), start);
        } catch (NumberFormatException e) {
            if (!digits.chars().allMatch(ch -> Character.digit(ch, radix) >= 0)) {
                throw error(start, "invalid number '" + literal + "': not a base-" + radix + " integer");
            }
            throw error(start, "invalid number '" + literal
                    + "': integers are 64-bit, from -9223372036854775808 to 9223372036854775807");
        }
    }

    private FormatStringException invalidNumber(int start, String why) {
        int stop = Math.max(pos, start + 1);
        return error(start, "invalid number '" + whole.substring(start, Math.min(stop, end)) + "': " + why);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * A string literal at {@code start} whose opening quote is at {@code quoteAt}: {@code '...'},
     * {@code "..."}, or triple-quoted {@code '''...'''} / {@code """..."""}, which may span lines and
     * hold lone quotes; raw ({@code r'...'}) keeps backslashes.
     */
    private Token string(int start, int quoteAt, boolean raw) throws FormatStringException {
        char quote = whole.charAt(quoteAt);
        boolean triple = quoteAt + 2 < end && whole.charAt(quoteAt + 1) == quote && whole.charAt(quoteAt + 2) == quote;
        String closing = triple ? String.valueOf(quote).repeat(3) : String.valueOf(quote);
        StringBuilder value = new StringBuilder();
        int i = quoteAt + closing.length();
        while (true) {
            if (i >= end || (!triple && whole.charAt(i) == '\n')) {
                throw error(start, "string literal is not closed: add the closing " + closing
                        + (triple ? "" : " (a string in single quotes ends on its line; use \\n, or triple quotes"
                        + " for text over several lines)"));
            }
            char c = whole.charAt(i);
            if (whole.startsWith(closing, i) && i + closing.length() <= end) {
                pos = i + closing.length();
                return new Token(Token.Kind.STRING, value.toString(), 0, start);
            }
            if (c == '\\' && i + 1 < end) {
                if (raw) {
                    // A raw string keeps the backslash, but \' still does not end it (as in Python).
                    value.append(c).append(whole.charAt(i + 1));
                    i += 2;
                } else {
                    i = escape(i, value);
                }
            } else {
                value.append(c);
                i++;
            }
        }
    }

    /** Decodes the escape at {@code at} (a backslash) into {@code out}; returns the index after it. */
    private int escape(int at, StringBuilder out) throws FormatStringException {
        char e = whole.charAt(at + 1);
        switch (e) {
            case '\\', '\'', '"' -> out.append(e);
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'a' -> out.append('\u0007');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'v' -> out.append('\u000b');
            // A backslash at the end of a line joins the lines, as in Python.
            case '\n' -> {
            }
            case 'x' -> {
                return hexEscape(at, 2, out);
            }
            case 'u' -> {
                return hexEscape(at, 4, out);
            }
            case 'U' -> {
                return hexEscape(at, 8, out);
            }
            case 'N' -> {
                return namedEscape(at, out);
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    // Up to three octal digits: \0 is NUL, \012 a line feed.
                    int i = at + 1;
                    int code = 0;
                    while (i < end && i < at + 4 && whole.charAt(i) >= '0' && whole.charAt(i) <= '7') {
                        code = code * 8 + (whole.charAt(i) - '0');
                        i++;
                    }
                    out.append((char) code);
                    return i;
                }
                // Python keeps unknown escapes such as \d as written.
                out.append('\\').append(e);
            }
        }
        return at + 2;
    }

    /**
     * {@code \N{name}}: the character of that Unicode name, in any case ({@code \N{EM DASH}}). Java's
     * Unicode data names what Python's does; the made-up names Java gives unnamed code points
     * ({@code "LATIN 1 SUPPLEMENT 80"}) are refused, as Python has no such names.
     */
    private int namedEscape(int at, StringBuilder out) throws FormatStringException {
        int open = at + 2;
        int close = open < end && whole.charAt(open) == '{' ? whole.indexOf('}', open) : -1;
        if (close < 0 || close >= end) {
            throw error(at, "escape \\N needs a character name in braces, e.g. \\N{EM DASH}");
        }
        String name = whole.substring(open + 1, close);
        int codePoint = -1;
        if (!name.isBlank() && name.strip().equals(name)) {
            try {
                codePoint = Character.codePointOf(name);
            } catch (IllegalArgumentException unknown) {
                codePoint = -1;
            }
        }
        if (codePoint >= 0) {
            Character.UnicodeBlock block = Character.UnicodeBlock.of(codePoint);
            String madeUp = (block == null ? "" : block.toString().replace('_', ' ') + " ")
                    + Integer.toHexString(codePoint).toUpperCase(java.util.Locale.ROOT);
            if (madeUp.equalsIgnoreCase(name)) {
                codePoint = -1;
            }
        }
        if (codePoint < 0) {
            throw error(at, "unknown Unicode character name '" + name + "' in \\N{...}; write the name as the"
                    + " Unicode standard does, e.g. \\N{LATIN SMALL LETTER E WITH ACUTE}, or use \\uhhhh");
        }
        out.appendCodePoint(codePoint);
        return close + 1;
    }

    private int hexEscape(int at, int digits, StringBuilder out) throws FormatStringException {
        int from = at + 2;
        int to = from + digits;
        String hex = to <= end ? whole.substring(from, to) : "";
        if (hex.length() != digits || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw error(at, "escape \\" + whole.charAt(at + 1) + " needs exactly " + digits + " hex digits");
        }
        int codePoint = Integer.parseUnsignedInt(hex, 16);
        if (!Character.isValidCodePoint(codePoint)) {
            throw error(at, "escape \\" + whole.charAt(at + 1) + hex + " is not a Unicode character");
        }
        out.appendCodePoint(codePoint);
        return to;
    }

    private Token operator(char c) throws FormatStringException {
        for (String op : OPERATORS) {
            if (whole.startsWith(op, pos) && pos + op.length() <= end) {
                Token t = new Token(Token.Kind.OP, op, 0, pos);
                pos += op.length();
                return t;
            }
        }
        throw error(pos, "unexpected character '" + c + "'");
    }

    private FormatStringException error(int offset, String detail) {
        return new FormatStringException(FormatProblem.at(whole, offset, detail));
    }

    static boolean isIdentStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    static boolean isIdentPart(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isQuote(char c) {
        return c == '\'' || c == '"';
    }
}
