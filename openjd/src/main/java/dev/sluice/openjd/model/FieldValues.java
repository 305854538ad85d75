package dev.sluice.openjd.model;

import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Field values whose rules several sections of a template share (whole seconds in actions, cancelation
 * and onMonitor; identifiers of embedded files and parameters), so that each is checked and worded
 * one way.
 */
final class FieldValues {
    /** An OpenJD {@code <Identifier>}: embedded file and parameter names. */
    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final int MAX_IDENTIFIER = 64;

    private final Problems problems;

    FieldValues(Problems problems) {
        this.problems = problems;
    }

    /** The dotted path of the mapping {@code f} itself. */
    static String pathOf(Fields f) {
        String child = f.path("x");
        return child.equals("x") ? "" : child.substring(0, child.length() - 2);
    }

    /** Whole seconds from 1 to {@code max} (no limit when 0). */
    Duration seconds(Fields f, String key, int max, String example) {
        String s = f.string(key);
        if (s == null) {
            return null;
        }
        long value;
        try {
            value = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            // OpenJD allows a format string here only with FEATURE_BUNDLE_1, which sluice does not implement.
            problems.add(f.node(key), f.path(key), "'" + s + "' is not a whole number of seconds"
                    + (s.contains("{{") ? " (a format string here needs the FEATURE_BUNDLE_1 extension, which sluice"
                            + " does not support)" : "") + "; write e.g. " + example);
            return null;
        }
        if (value < 1 || (max > 0 && value > max)) {
            problems.add(f.node(key), f.path(key), key + " must be " + (max > 0 ? "1 to " + max : "at least 1")
                    + " seconds, got " + value + "; write e.g. " + example);
            return null;
        }
        return Duration.ofSeconds(value);
    }

    /** Adds a problem when {@code name} is not an OpenJD identifier; {@code what} names it in the message. */
    void checkIdentifier(String name, YamlNode node, String path, String what) {
        if (!IDENTIFIER.matcher(name).matches() || name.length() > MAX_IDENTIFIER) {
            problems.add(node, path, "'" + name + "' is not " + what + "; use letters, digits and '_', not"
                    + " starting with a digit, at most " + MAX_IDENTIFIER + " characters");
        }
    }
}
