package dev.sluice.openjd.format;

/**
 * One lexical token of an expression.
 *
 * @param kind   what sort of token
 * @param text   identifier or operator text; the decoded value for strings; a float literal as written
 * @param number the value of an integer literal
 * @param offset 0-based index of the token in the whole format string
 */
record Token(Kind kind, String text, long number, int offset) {
    enum Kind { IDENT, INT, FLOAT, STRING, OP, END }

    boolean isOp(String op) {
        return kind == Kind.OP && text.equals(op);
    }

    /** A bare identifier equal to {@code word}; keywords are contextual, so this is how they are read. */
    boolean isWord(String word) {
        return kind == Kind.IDENT && text.equals(word);
    }

    String describe() {
        return switch (kind) {
            case IDENT -> "'" + text + "'";
            case INT -> "number " + number;
            case FLOAT -> "number " + text;
            case STRING -> "string literal";
            case OP -> "'" + text + "'";
            case END -> "the end of the expression";
        };
    }
}
