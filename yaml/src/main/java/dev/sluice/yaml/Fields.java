package dev.sluice.yaml;

import dev.sluice.yaml.Location;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The fields of one YAML mapping with typed getters. A getter adds a problem naming the field, the
 * bad value and how to write a good one, and returns {@code null}, when the value does not fit; a
 * field that is absent is {@code null} without a problem. Unknown keys are reported on creation.
 */
public final class Fields {
    private final YamlNode.Mapping mapping;
    private final String path;
    private final Problems problems;

    private Fields(YamlNode.Mapping mapping, String path, Problems problems) {
        this.mapping = mapping;
        this.path = path;
        this.problems = problems;
    }

    /**
     * The fields of {@code node}, which must be a mapping or empty.
     *
     * @param path  the dotted path of {@code node}, {@code ""} for the root
     * @param what  what the mapping holds, for a wrong-type message: {@code "process settings"}
     * @param known the fields allowed, in the order the message lists them
     * @param notes for keys that are misplaced rather than misspelt: key to a sentence saying where it
     *              belongs
     */
    public static Fields of(YamlNode node, String path, String what, Problems problems, List<String> known,
            Map<String, String> notes) {
        YamlNode.Mapping mapping = mapping(node, path, what, problems);
        if (mapping == null) {
            mapping = new YamlNode.Mapping(Map.of(), node.location());
        }
        for (YamlNode.Entry e : mapping.entries().values()) {
            if (known.contains(e.key())) {
                continue;
            }
            String note = notes.get(e.key());
            String message = "unknown field '" + e.key() + "'" + (note != null ? "; " + note
                    : Suggestions.closest(e.key(), known).map(s -> "; did you mean '" + s + "'?")
                            .orElse("; known fields: " + String.join(", ", known)));
            problems.add(e.keyLocation(), child(path, e.key()), message);
        }
        return new Fields(mapping, path, problems);
    }

    /**
     * {@code parent.key}, or {@code key} at the root. An empty key is written {@code ""}, so that a
     * problem with it still names a field (issue 16: {@code "": x} at the root named none).
     */
    public static String child(String parent, String key) {
        String k = key.isEmpty() ? "\"\"" : key;
        return parent.isEmpty() ? k : parent + "." + k;
    }

    /** The mapping's own place. */
    public Location location() {
        return mapping.location();
    }

    /** The path of a field of this mapping. */
    public String path(String key) {
        return child(path, key);
    }

    public boolean has(String key) {
        return mapping.entries().containsKey(key);
    }

    /** The value node of a field, or {@code null}. */
    public YamlNode node(String key) {
        YamlNode.Entry e = mapping.entries().get(key);
        return e == null ? null : e.value();
    }

    /** The place of a field's key, or of the mapping when the field is absent. */
    public Location keyLocation(String key) {
        YamlNode.Entry e = mapping.entries().get(key);
        return e == null ? mapping.location() : e.keyLocation();
    }

    public String string(String key) {
        return has(key) ? text(node(key), path(key), "a text value", problems) : null;
    }

    /** A whole number of at least {@code min}. */
    public Integer integer(String key, int min) {
        if (!has(key)) {
            return null;
        }
        String p = path(key);
        String s = text(node(key), p, "a whole number, e.g. " + Math.max(min, 4), problems);
        if (s == null) {
            return null;
        }
        int value;
        try {
            value = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            problems.add(node(key), p, "'" + s + "' is not a whole number; write e.g. " + Math.max(min, 4));
            return null;
        }
        if (value < min) {
            problems.add(node(key), p, value + " is too small; write a whole number of at least " + min);
            return null;
        }
        return value;
    }

    /** A number of at least {@code min}, fractions allowed. */
    public Double number(String key, double min) {
        if (!has(key)) {
            return null;
        }
        String p = path(key);
        String s = text(node(key), p, "a number, e.g. 2 or 1.5", problems);
        if (s == null) {
            return null;
        }
        double value;
        try {
            value = Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!Double.isFinite(value)) {
            problems.add(node(key), p, "'" + s + "' is not a number; write e.g. 2 or 1.5");
            return null;
        }
        if (value < min) {
            String least = min == Math.rint(min) ? String.valueOf((long) min) : String.valueOf(min);
            problems.add(node(key), p, s + " is too small; write a number of at least " + least);
            return null;
        }
        return value;
    }

    /** A size such as {@code 4GB}, in bytes. */
    public Long size(String key) {
        return parsed(key, "a size, " + Units.SIZE_EXAMPLES, Units::parseSize);
    }

    /** A duration such as {@code 5m}; {@code positive} rejects zero. */
    public Duration duration(String key, boolean positive) {
        Duration d = parsed(key, "a duration, " + Units.DURATION_EXAMPLES, Units::parseDuration);
        if (d != null && positive && d.isZero()) {
            problems.add(node(key), path(key), "must be longer than zero; write " + Units.DURATION_EXAMPLES);
            return null;
        }
        return d;
    }

    /**
     * A scalar read by {@code parser}, whose {@link IllegalArgumentException} message says what is
     * wrong and how to write the value.
     */
    public <T> T parsed(String key, String expected, Function<String, T> parser) {
        if (!has(key)) {
            return null;
        }
        String s = text(node(key), path(key), expected, problems);
        if (s == null) {
            return null;
        }
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            problems.add(node(key), path(key), e.getMessage());
            return null;
        }
    }

    /** A list of non-empty texts; an empty value is an empty list. */
    public List<String> strings(String key, String example) {
        if (!has(key)) {
            return null;
        }
        return texts(node(key), path(key), example, problems);
    }

    /** A map of keys to texts, in the order written; an empty value is an empty map. */
    public Map<String, String> stringMap(String key, String example) {
        return has(key) ? textMap(node(key), path(key), example, problems) : null;
    }

    /** The fields of a nested mapping; see {@link #of}. */
    public Fields nested(String key, String what, List<String> known, Map<String, String> notes) {
        YamlNode n = has(key) ? node(key) : new YamlNode.Scalar(null, keyLocation(key));
        return of(n, path(key), what, problems, known, notes);
    }

    /**
     * A YAML 1.1 boolean, as the reference Open Job Description tools (PyYAML) read one: {@code true},
     * {@code yes} and {@code on}, and {@code false}, {@code no} and {@code off}, each in lower case,
     * capitalised or upper case; {@code null} for any other text (also {@code y}, {@code 1} or
     * {@code tRUE}, which YAML 1.1 reads as text).
     */
    public static Boolean yaml11Boolean(String text) {
        if (text == null) {
            return null;
        }
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        boolean cased = text.equals(lower) || text.equals(text.toUpperCase(java.util.Locale.ROOT))
                || text.equals(Character.toUpperCase(lower.charAt(0)) + lower.substring(1));
        if (!cased) {
            return null;
        }
        return switch (lower) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> null;
        };
    }

    // Helpers on bare nodes, for lists and maps whose keys are names rather than fields.

    /** A scalar's text, or a problem saying {@code expected} when it is no scalar or empty. */
    public static String text(YamlNode node, String path, String expected, Problems problems) {
        if (node instanceof YamlNode.Scalar s && !s.isNull()) {
            return s.text();
        }
        problems.add(node, path, "expected " + expected + ", got " + node.describe());
        return null;
    }

    /** A list of text values as one value, items joined by {@link dev.sluice.spi.Settings#LIST_SEPARATOR}. */
    private static String joinedList(YamlNode.Sequence list, String path, Problems problems) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            String item = text(list.items().get(i), path + "[" + i + "]", "a text value (quote it if needed)",
                    problems);
            if (item == null) {
                return null;
            }
            items.add(item);
        }
        return String.join(String.valueOf(dev.sluice.spi.Settings.LIST_SEPARATOR), items);
    }

    /** A mapping, or an empty value as an empty mapping; otherwise a problem and {@code null}. */
    public static YamlNode.Mapping mapping(YamlNode node, String path, String what, Problems problems) {
        if (node instanceof YamlNode.Mapping m) {
            return m;
        }
        if (node instanceof YamlNode.Scalar s && s.isNull()) {
            return new YamlNode.Mapping(Map.of(), node.location());
        }
        problems.add(node, path, "expected a map of " + what + " (key: value lines), got " + node.describe());
        return null;
    }

    /** A sequence's items, or an empty value as no items; otherwise a problem and {@code null}. */
    public static List<YamlNode> sequence(YamlNode node, String path, String example, Problems problems) {
        if (node instanceof YamlNode.Sequence s) {
            return s.items();
        }
        if (node instanceof YamlNode.Scalar s && s.isNull()) {
            return List.of();
        }
        problems.add(node, path, "expected a list, e.g. " + example + ", got " + node.describe());
        return null;
    }

    /** A list of texts; {@code null} with problems when any item is not one. */
    public static List<String> texts(YamlNode node, String path, String example, Problems problems) {
        List<YamlNode> items = sequence(node, path, example, problems);
        if (items == null) {
            return null;
        }
        List<String> out = new ArrayList<>(items.size());
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String s = text(items.get(i), path + "[" + i + "]", "a text value", problems);
            ok &= s != null;
            out.add(s);
        }
        return ok ? out : null;
    }

    /** A map of texts; {@code null} with problems when any value is not one. */
    public static Map<String, String> textMap(YamlNode node, String path, String example, Problems problems) {
        return textMap(node, path, example, false, problems);
    }

    /**
     * As {@link #textMap}, but a value may also be a list of texts, kept as one value with the items
     * joined by {@link dev.sluice.spi.Settings#LIST_SEPARATOR} (read back with {@code Settings.list}).
     * For the settings of executors and plugins.
     */
    public static Map<String, String> settingsMap(YamlNode node, String path, String example, Problems problems) {
        return textMap(node, path, example, true, problems);
    }

    private static Map<String, String> textMap(YamlNode node, String path, String example, boolean lists,
            Problems problems) {
        YamlNode.Mapping m = mapping(node, path, "values, e.g. " + example, problems);
        if (m == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        boolean ok = true;
        for (YamlNode.Entry e : m.entries().values()) {
            String s = lists && e.value() instanceof YamlNode.Sequence list
                    ? joinedList(list, child(path, e.key()), problems)
                    : text(e.value(), child(path, e.key()), lists ? "a text value or a list of them (quote it if needed)"
                            : "a text value (quote it if needed)", problems);
            ok &= s != null;
            out.put(e.key(), s);
        }
        return ok ? out : null;
    }
}
