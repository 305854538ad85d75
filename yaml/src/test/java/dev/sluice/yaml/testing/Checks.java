package dev.sluice.yaml.testing;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problem;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The property every loader holds for every input (issue 16): it loads, or it refuses with its own
 * {@link InvalidInputException} whose every problem names the file, a line and, where there is one,
 * the field, in words without Java's; never another exception or error, never past the bounds of
 * {@link Bounded}.
 */
public final class Checks {
    private Checks() {
    }

    /**
     * Problems about the document as a whole, which have no field: the file's encoding, its YAML
     * syntax, a second document, nesting, aliases (the root may be one), and a root of the wrong kind. Every other problem names
     * its field.
     */
    private static final Pattern WHOLE_DOCUMENT = Pattern.compile("(malformed YAML: |a second YAML document "
            + "|the [a-z ]+ is not UTF-8 text|the [a-z ]+ is empty|nested more than |YAML aliases |expected "
            // Aliases of templates: the document itself may be an alias, which has no field.
            + "|no anchor &|the alias \\*|aliases add more than ).*",
            Pattern.DOTALL);
    /** The one problem that has no line: an empty file has none to point at. */
    private static final Pattern NO_LINE = Pattern.compile("the [a-z ]+ is empty.*", Pattern.DOTALL);

    /**
     * Signs of Java's own words in a message: exception and class names, stack frames, package
     * names, object and record renderings. Counted only where the input does not hold them itself,
     * because messages quote what the user wrote.
     */
    private static final List<Pattern> JAVA_WORDS = List.of(
            Pattern.compile("[A-Za-z]*(Exception|Error)\\b"),
            Pattern.compile("\\b(java|javax|jdk|sun|com\\.fasterxml|org\\.yaml|org\\.pf4j|dev\\.sluice)\\.[a-z]"),
            Pattern.compile("\\bat [a-z]+\\.[a-z.]+[A-Z]\\w*\\.\\w+\\("),
            Pattern.compile("\\b[A-Z]\\w*@[0-9a-f]{4,}\\b"),
            Pattern.compile("\\b[A-Z]\\w*\\[\\w+="),
            Pattern.compile("Optional(\\[|\\.empty)"),
            Pattern.compile("snakeyaml|in 'reader'|in 'string'"));

    /**
     * Loads {@code input} (already written where {@code load} reads it) with {@code load} within the bounds, and checks
     * that it loads or names its problems.
     *
     * @return whether it loaded
     * @throws AssertionError naming what went wrong and quoting the input
     */
    public static boolean loadsOrNamesProblems(String input, Callable<?> load) {
        Bounded.Outcome<?> outcome = Bounded.run(input, load);
        Throwable thrown = outcome.thrown();
        if (thrown == null) {
            return true;
        }
        if (!(thrown instanceof InvalidInputException e)) {
            throw new AssertionError("crashed with " + thrown + " instead of naming the problem, on the input:\n"
                    + quote(input) + "\n" + stackTrace(thrown), thrown);
        }
        namesEveryProblem(e, input);
        return false;
    }

    /** Checks each problem of {@code e} against the rules above. */
    public static void namesEveryProblem(InvalidInputException e, String input) {
        for (Problem p : e.problems()) {
            String why = null;
            if (p.location() == null) {
                why = "names no file";
            } else if (p.location().line() < 1 && !NO_LINE.matcher(p.message()).matches()) {
                why = "names no line";
            } else if (p.field().isEmpty() && !WHOLE_DOCUMENT.matcher(p.message()).matches()) {
                why = "names no field";
            } else if (p.message().isBlank()) {
                why = "says nothing";
            } else {
                why = javaWords(p.message(), input);
            }
            if (why != null) {
                throw new AssertionError("the problem '" + p + "' " + why + "; the input:\n" + quote(input));
            }
        }
    }

    /** Why {@code message} speaks Java where {@code input} did not, or {@code null}. */
    public static String javaWords(String message, String input) {
        for (Pattern pattern : JAVA_WORDS) {
            Matcher m = pattern.matcher(message);
            while (m.find()) {
                if (!input.contains(m.group())) {
                    return "speaks Java ('" + m.group() + "')";
                }
            }
        }
        return null;
    }

    /** {@code input} for a failure message: control characters made visible, and at most 4,000 characters. */
    public static String quote(String input) {
        String shown = input.length() > 4000 ? input.substring(0, 4000) + "... (" + input.length() + " characters)"
                : input;
        StringBuilder sb = new StringBuilder();
        shown.codePoints().forEach(c -> {
            if (c == '\n') {
                sb.append("\\n\n");
            } else if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c >= 0xD800 && c <= 0xDFFF) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        String s = out.toString();
        return s.length() > 6000 ? s.substring(0, 6000) + "..." : s;
    }
}
