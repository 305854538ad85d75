package dev.sluice.yaml;

import dev.sluice.yaml.Location;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A node of a YAML document with the place it was written. */
public sealed interface YamlNode {

    /** Where the node starts. */
    Location location();

    /** What the node is, for "expected X, got Y" messages: {@code a list}, {@code the text 'x'}. */
    String describe();

    /**
     * A scalar, as written: YAML's {@code 2}, {@code yes} and {@code "2"} all keep their text.
     *
     * @param text the text, or {@code null} for an empty value or {@code ~}
     */
    record Scalar(String text, Location location) implements YamlNode {
        public boolean isNull() {
            return text == null;
        }

        @Override
        public String describe() {
            return text == null ? "an empty value" : "the text '" + text + "'";
        }
    }

    /** A key of a mapping with its place, and its value. */
    record Entry(String key, Location keyLocation, YamlNode value) {
    }

    /** A mapping, keys in the order written. */
    record Mapping(Map<String, Entry> entries, Location location) implements YamlNode {
        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String describe() {
            return "a map";
        }
    }

    /** A sequence. */
    record Sequence(List<YamlNode> items, Location location) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }
}
