package dev.sluice.openjd.format;

import java.util.Objects;

/**
 * One thing wrong with a format string: a syntax error, an unknown function, or a variable that
 * does not exist where the string is used.
 *
 * @param text     the whole format string
 * @param offset   0-based index into {@code text} where the problem starts
 * @param line     1-based line of {@code offset} (format strings in embedded files span lines)
 * @param column   1-based column of {@code offset} within its line
 * @param detail   what is wrong and how to fix it, without the location
 */
public record FormatProblem(String text, int offset, int line, int column, String detail) {

    public FormatProblem {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(detail, "detail");
    }

    /** A problem at {@code offset} of {@code text}; line and column are computed from it. */
    static FormatProblem at(String text, int offset, String detail) {
        int clamped = Math.max(0, Math.min(offset, text.length()));
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < clamped; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new FormatProblem(text, clamped, line, clamped - lineStart + 1, detail);
    }

    /** "line L, column C" for multi-line strings, "column C" otherwise. */
    public String location() {
        return text.indexOf('\n') >= 0 ? "line " + line + ", column " + column : "column " + column;
    }

    /** The full message: the location, the detail and the string itself (shortened if long). */
    public String message() {
        return location() + ": " + detail + " (in format string " + quoteForMessage(text) + ")";
    }

    @Override
    public String toString() {
        return message();
    }

    private static String quoteForMessage(String text) {
        String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        // Shown as written so columns can be counted in it; only line breaks are made visible.
        return "\"" + shown.replace("\n", "\\n") + "\"";
    }
}
