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
            } else if (c >= '0' && c <= '9') {
                tokens.add(number());
            } else if (isQuote(c)) {
                tokens.add(string(pos, pos, false));
            } else {
                tokens.add(operator(c));
            }
        }
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

    private Token number() throws FormatStringException {
        int start = pos;
        while (pos < end && (Character.isLetterOrDigit(whole.charAt(pos)) || whole.charAt(pos) == '_')) {
            pos++;
        }
        if (pos < end && whole.charAt(pos) == '.' && pos + 1 < end && Character.isDigit(whole.charAt(pos + 1))) {
            throw error(start, "floating-point numbers are not supported; use an integer");
        }
        String literal = whole.substring(start, pos);
        String digits = literal.replace("_", "");
        int radix = 10;
        if (digits.length() > 2 && digits.charAt(0) == '0' && "xXoObB".indexOf(digits.charAt(1)) >= 0) {
            radix = switch (Character.toLowerCase(digits.charAt(1))) {
                case 'x' -> 16;
                case 'o' -> 8;
                default -> 2;
            };
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.charAt(0) == '0' && !digits.chars().allMatch(ch -> ch == '0')) {
            throw error(start, "invalid number '" + literal + "': leading zeros are not allowed; "
                    + "write 0o" + digits.replaceFirst("^0+", "") + " for octal");
        }
        if (literal.startsWith("_") || literal.endsWith("_") || literal.contains("__")) {
            throw error(start, "invalid number '" + literal + "': '_' may only separate digits");
        }
        try {
            return new Token(Token.Kind.INT, literal, Long.parseLong(digits, radix), start);
        } catch (NumberFormatException e) {
            throw error(start, "invalid number '" + literal
                    + "': integers are 64-bit, from -9223372036854775808 to 9223372036854775807");
        }
    }

    private Token string(int start, int quoteAt, boolean raw) throws FormatStringException {
        char quote = whole.charAt(quoteAt);
        if (quoteAt + 2 < end && whole.charAt(quoteAt + 1) == quote && whole.charAt(quoteAt + 2) == quote) {
            throw error(start, "triple-quoted strings are not supported; use '...' or \"...\" with \\n for newlines");
        }
        StringBuilder value = new StringBuilder();
        int i = quoteAt + 1;
        while (true) {
            if (i >= end || whole.charAt(i) == '\n') {
                throw error(start, "string literal is not closed: add the closing " + quote);
            }
            char c = whole.charAt(i);
            if (c == quote) {
                pos = i + 1;
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
            case '0' -> out.append('\0');
            case 'x' -> {
                return hexEscape(at, 2, out);
            }
            case 'u' -> {
                return hexEscape(at, 4, out);
            }
            case 'U' -> {
                return hexEscape(at, 8, out);
            }
            // Python keeps unknown escapes such as \d as written.
            default -> out.append('\\').append(e);
        }
        return at + 2;
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
