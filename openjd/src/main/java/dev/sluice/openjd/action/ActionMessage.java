package dev.sluice.openjd.action;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of an action's output read as Open Job Description's stdout protocol: a message
 * ({@code openjd_env: NAME=VALUE}, {@code openjd_redacted_env: NAME=VALUE}, {@code openjd_unset_env:
 * NAME}, {@code openjd_status: MESSAGE}, {@code openjd_progress: N}, {@code openjd_fail: MESSAGE}), a
 * {@link Malformed} line that fails the action, or {@link Plain} output.
 *
 * <p>A message must start the line, in lower case, with a colon and one space after its name. As in
 * the reference implementation, a line that merely looks like an environment message (after leading
 * blanks and in any case, it starts with {@code openjd_env}, {@code openjd_redacted_env} or
 * {@code openjd_unset_env}) is a near miss and malformed, so that a typo never silently leaves a
 * variable unset; near misses of the other messages are ordinary output.
 */
public sealed interface ActionMessage {

    /** Secrets this line carries, to register before the line is logged. */
    default List<String> secrets() {
        return List.of();
    }

    /** Ordinary output. */
    record Plain() implements ActionMessage {
    }

    /** {@code openjd_env} or {@code openjd_redacted_env}. */
    record SetEnvironment(String name, String value, boolean redacted, List<String> secrets) implements ActionMessage {
    }

    /** {@code openjd_unset_env}. */
    record UnsetEnvironment(String name) implements ActionMessage {
    }

    /** {@code openjd_status}. */
    record Status(String message) implements ActionMessage {
    }

    /** {@code openjd_progress}, 0 to 100. */
    record Progress(double percent) implements ActionMessage {
    }

    /** {@code openjd_fail}. */
    record Fail(String message) implements ActionMessage {
    }

    /**
     * A line that breaks the protocol.
     *
     * @param problem what is wrong and how to write it instead (quotes the line; redact it before showing)
     */
    record Malformed(String problem, List<String> secrets) implements ActionMessage {
    }

    /** Reads one output line (without its line terminator). */
    static ActionMessage parse(String line) {
        return Parser.parse(line);
    }

    /** The grammar behind {@link #parse}; its methods are package-private. */
    final class Parser {
        private static final Pattern MESSAGE =
                Pattern.compile("^openjd_(env|redacted_env|unset_env|status|progress|fail): (.*)$", Pattern.DOTALL);
        private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(.*)", Pattern.DOTALL);
        private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
        /** A decimal number as the reference implementation's float() takes it, without inf and nan. */
        private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
        private static final List<String> ENVIRONMENT_PREFIXES =
                List.of("openjd_env", "openjd_redacted_env", "openjd_unset_env");
        private static final ObjectMapper JSON =
                new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

        private Parser() {
        }

        static ActionMessage parse(String line) {
            Matcher message = MESSAGE.matcher(line);
            if (message.matches()) {
                String body = message.group(2);
                return switch (message.group(1)) {
                    case "env" -> assignment(line, body, false);
                    case "redacted_env" -> assignment(line, body, true);
                    case "unset_env" -> unset(line, body);
                    case "status" -> new Status(body);
                    case "progress" -> progress(line, body);
                    case "fail" -> new Fail(body);
                    default -> throw new IllegalStateException("unhandled message " + message.group(1));
                };
            }
            String folded = line.stripLeading().toLowerCase(Locale.ROOT);
            for (String prefix : ENVIRONMENT_PREFIXES) {
                if (folded.startsWith(prefix)) {
                    return nearMiss(line, folded);
                }
            }
            return new Plain();
        }

        private static ActionMessage nearMiss(String line, String folded) {
            // The longest prefix names the message the line was meant to be.
            String meant = folded.startsWith("openjd_redacted_env") ? "openjd_redacted_env"
                    : folded.startsWith("openjd_unset_env") ? "openjd_unset_env" : "openjd_env";
            String form = meant.equals("openjd_unset_env") ? meant + ": NAME" : meant + ": NAME=VALUE";
            // A mistyped redacted line still carries the secret: mask what follows its '='.
            List<String> secrets = List.of();
            if (meant.equals("openjd_redacted_env")) {
                int equals = line.indexOf('=');
                String tail = equals >= 0 ? line.substring(equals + 1) : "";
                secrets = tail.isEmpty() ? List.of() : List.of(tail);
            }
            return new Malformed("output line '" + line + "' looks like an " + meant + " message but is not one;"
                    + " write exactly '" + form + "' (lower case, at the very start of the line, a colon and"
                    + " one space after the name)", secrets);
        }

        private static ActionMessage assignment(String line, String body, boolean redacted) {
            String kind = redacted ? "openjd_redacted_env" : "openjd_env";
            String text = body.stripLeading();
            String raw = text;
            if (text.startsWith("\"")) {
                // The reference implementation's JSON form, which lets a value hold newlines.
                try {
                    text = JSON.readValue(text, String.class);
                } catch (JsonProcessingException e) {
                    List<String> secrets = redacted ? List.of(raw) : List.of();
                    return new Malformed(kind + " line '" + line + "' starts its assignment with '\"' but is not"
                            + " one valid JSON string (" + e.getOriginalMessage() + "); write '" + kind
                            + ": \"NAME=VALUE\"' with JSON escapes, or '" + kind + ": NAME=VALUE' without quotes",
                            secrets);
                }
            }
            Matcher assignment = ASSIGNMENT.matcher(text);
            if (!assignment.matches()) {
                int equals = text.indexOf('=');
                List<String> secrets = !redacted ? List.of()
                        : equals >= 0 ? List.of(text.substring(equals + 1)) : List.of(text);
                String what = equals < 0 ? "has no '=' between the variable's name and its value"
                        : "has no valid variable name before its '=' (name: letters, digits and _, not starting"
                                + " with a digit)";
                return new Malformed(kind + " line '" + line + "' " + what + "; write '" + kind + ": NAME=VALUE'",
                        secrets.stream().filter(s -> !s.isEmpty()).toList());
            }
            String value = assignment.group(2);
            List<String> secrets = !redacted ? List.of()
                    : raw.equals(text) ? List.of(value) : List.of(value, raw.substring(raw.indexOf('=') + 1));
            return new SetEnvironment(assignment.group(1), value, redacted,
                    secrets.stream().filter(s -> !s.isEmpty()).toList());
        }

        private static ActionMessage unset(String line, String body) {
            String name = body.stripLeading();
            if (!NAME.matcher(name).matches()) {
                return new Malformed("openjd_unset_env line '" + line + "' does not name one variable (letters,"
                        + " digits and _, not starting with a digit, nothing after it); write 'openjd_unset_env: NAME'",
                        List.of());
            }
            return new UnsetEnvironment(name);
        }

        private static ActionMessage progress(String line, String body) {
            String number = body.strip();
            if (NUMBER.matcher(number).matches()) {
                double percent = Double.parseDouble(number);
                if (percent >= 0 && percent <= 100) {
                    return new Progress(percent);
                }
            }
            return new Malformed("openjd_progress line '" + line + "' does not give a number from 0 to 100;"
                    + " write e.g. 'openjd_progress: 42' or 'openjd_progress: 42.5'", List.of());
        }
    }
}
