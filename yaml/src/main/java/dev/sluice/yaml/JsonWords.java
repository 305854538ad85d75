package dev.sluice.yaml;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jackson's JSON parser's messages in a client's words. Its own name the parser's options and classes
 * ({@code JsonReadFeature.ALLOW_COMMENTS}, {@code StreamReadConstraints.getMaxNestingDepth()}) and say
 * "field name" and "Object entries"; a client sent a body and wants the fix. A message not known here
 * gets a plain sentence rather than the parser's: the place is still right.
 */
final class JsonWords {
    /** "Unexpected character ('x' (code 120)): was expecting ..."; group 1 the character, 2 its code. */
    private static final Pattern UNEXPECTED = Pattern.compile(
            "Unexpected character \\('(.*?)' \\(code (\\d+)[^)]*\\)\\)( in numeric value)?: (.*)", Pattern.DOTALL);
    private static final Pattern UNRECOGNIZED = Pattern.compile("Unrecognized token '(.*?)': .*", Pattern.DOTALL);
    private static final Pattern NON_STANDARD = Pattern.compile("Non-standard token '(.*?)'.*", Pattern.DOTALL);
    private static final Pattern CLOSE = Pattern.compile("Unexpected close marker '(.)': (?:expected '(.)'"
            + "|no open (Object|Array) to close).*", Pattern.DOTALL);
    private static final Pattern CONTROL = Pattern.compile(
            "Illegal unquoted character \\(\\(CTRL-CHAR, code (\\d+)\\)\\).*", Pattern.DOTALL);
    private static final Pattern CONTROL_BETWEEN = Pattern.compile(
            "Illegal character \\(\\(CTRL-CHAR, code (\\d+)\\)\\).*", Pattern.DOTALL);
    private static final Pattern ESCAPE = Pattern.compile("Unrecognized character escape '(.*?)'.*", Pattern.DOTALL);
    private static final String A_VALUE = "text in double quotes, a number, an object, a list, true, false or null";
    private static final String ESCAPES = "JSON's escapes are \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\uXXXX";

    private JsonWords() {
    }

    /** What is wrong at the place of a syntax error, and the fix: "expected ',' or '}', found '\"'". */
    static String syntax(String message) {
        if (message == null) {
            return "this is not JSON; check the brackets, commas and quotes";
        }
        Matcher m = UNEXPECTED.matcher(message);
        if (m.matches()) {
            String found = found(m.group(1), Integer.parseInt(m.group(2)));
            String expecting = m.group(4);
            if (m.group(3) != null) {
                return expecting.contains("plus sign") ? "a JSON number does not start with '+'; write 1, not +1"
                        : "the number is not complete (found " + found + "); write numbers such as -1, 0.5 or 1e3";
            }
            if (expecting.contains("comma to separate Object entries")) {
                return "expected ',' or '}', found " + found;
            }
            if (expecting.contains("comma to separate Array entries")) {
                return "expected ',' or ']', found " + found;
            }
            if (expecting.contains("colon to separate field name and value")) {
                return "expected ':' after the key, found " + found;
            }
            if (expecting.contains("double-quote to start field name")) {
                return "expected a key in double quotes, found " + found + ("}".equals(m.group(1))
                        ? " (a ',' before the '}' that closes an object is not JSON: remove it)"
                        : "'".equals(m.group(1)) ? " (JSON quotes with \", not ')" : "");
            }
            if (expecting.contains("comment")) {
                return "comments are not JSON; remove it";
            }
            if (expecting.contains("hex-digit")) {
                return "a \\u escape takes four hexadecimal digits, e.g. \\u00e9; found " + found;
            }
            if (expecting.startsWith("expected a value") || expecting.startsWith("expected a valid value")) {
                return "expected a value (" + A_VALUE + "), found " + found
                        + ("]".equals(m.group(1)) ? " (a ',' before the ']' that closes a list is not JSON: remove it)"
                                : "");
            }
            return "unexpected " + found + "; check the brackets, commas and quotes";
        }
        if (message.startsWith("Unexpected end-of-input")) {
            String what = message.contains("quote") ? "a text is not closed with '\"'"
                    : message.contains("OBJECT") || message.contains("Object") ? "an object is not closed with '}'"
                    : message.contains("ARRAY") || message.contains("Array") ? "a list is not closed with ']'"
                    : "the JSON is not complete";
            return "the body ends before the JSON does: " + what;
        }
        if ((m = UNRECOGNIZED.matcher(message)).matches()) {
            return "'" + shorten(m.group(1)) + "' is not a JSON value; write " + A_VALUE;
        }
        if ((m = NON_STANDARD.matcher(message)).matches()) {
            return "'" + shorten(m.group(1)) + "' is not a JSON number; send a number, or text in double quotes";
        }
        if ((m = CLOSE.matcher(message)).matches()) {
            return m.group(2) != null
                    ? "found '" + m.group(1) + "' where '" + m.group(2) + "' closes the " + ("}".equals(m.group(2))
                            ? "object" : "list") + " that is open"
                    : "found '" + m.group(1) + "' with no " + ("Object".equals(m.group(3)) ? "object" : "list")
                            + " open to close; remove it";
        }
        if ((m = CONTROL.matcher(message)).matches()) {
            int code = Integer.parseInt(m.group(1));
            return code == '\t' ? "a tab inside a text; write it as \\t"
                    : code == '\n' || code == '\r' ? "a line break inside a text; write it as \\n, or close the text"
                            + " with '\"' before the line ends"
                    : "a control character (code " + code + ") inside a text; write it as \\u" + "%04x".formatted(code);
        }
        if ((m = CONTROL_BETWEEN.matcher(message)).matches()) {
            return "a control character (code " + m.group(1) + ") between values; only spaces, tabs and line breaks"
                    + " may stand there";
        }
        if ((m = ESCAPE.matcher(message)).matches()) {
            return "unknown escape '\\" + m.group(1) + "' in a text; " + ESCAPES + " (a backslash itself is \\\\)";
        }
        if (message.startsWith("Invalid numeric value: Leading zeroes")) {
            return "a JSON number does not start with 0 followed by digits; write 7, not 07 (or send text in quotes)";
        }
        return "this is not JSON; check the brackets, commas and quotes";
    }

    /** A bound of the reader passed ({@code StreamConstraintsException}), with the bound and the fix. */
    static String tooLarge(String message, String what) {
        String m = message == null ? "" : message;
        if (m.startsWith("Document nesting depth")) {
            return "the " + what + " nests objects and lists more than " + YamlReader.MAX_JSON_DEPTH + " deep; sluice"
                    + " reads at most " + YamlReader.MAX_JSON_DEPTH + " levels: flatten it";
        }
        if (m.startsWith("String value length")) {
            return "a text longer than " + YamlReader.MAX_JSON_STRING + " characters (1 MiB); store large things"
                    + " elsewhere and pass their reference";
        }
        if (m.startsWith("Number value length")) {
            return "a number longer than " + YamlReader.MAX_JSON_NUMBER + " characters; send it as text in double"
                    + " quotes";
        }
        if (m.startsWith("Name length")) {
            return "a key longer than sluice reads; use a short key";
        }
        return "the " + what + " goes past what sluice reads; send a smaller one";
    }

    /** A character as a message shows it: quoted if printable, named otherwise. */
    private static String found(String text, int code) {
        if (code == 0xFEFF) {
            return "a byte-order mark";
        }
        if (code < 0x20 || code == 0x7F) {
            return "a control character (code " + code + ")";
        }
        return "'" + text + "'";
    }

    private static String shorten(String token) {
        return token.length() <= 40 ? token : token.substring(0, 40) + "...";
    }
}
