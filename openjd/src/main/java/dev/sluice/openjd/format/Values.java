package dev.sluice.openjd.format;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The variable values a format string is evaluated with, by full dotted name
 * ({@code Param.Scene}, {@code WrappedAction.Args}, ...). Immutable.
 */
public final class Values {
    private final Map<String, Value> byName;

    private Values(Map<String, Value> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** Values with no variables at all. */
    public static Values empty() {
        return new Values(Map.of());
    }

    /** Values from a map of full names to values. */
    public static Values of(Map<String, Value> byName) {
        return new Values(byName);
    }

    /** A builder that starts empty. */
    public static Builder builder() {
        return new Builder(Map.of());
    }

    /** A builder that starts with these values, to add or replace some (e.g. the wrap variables). */
    public Builder toBuilder() {
        return new Builder(byName);
    }

    /** The value of {@code name}, if one was given. */
    public Optional<Value> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Every name that has a value. */
    public java.util.Set<String> names() {
        return byName.keySet();
    }

    /** Builds {@link Values}; later puts of a name replace earlier ones. */
    public static final class Builder {
        private final Map<String, Value> byName;

        private Builder(Map<String, Value> start) {
            this.byName = new LinkedHashMap<>(start);
        }

        public Builder put(String name, Value value) {
            byName.put(name, value);
            return this;
        }

        public Builder put(String name, String value) {
            return put(name, Value.ofNullable(value));
        }

        public Builder put(String name, long value) {
            return put(name, Value.of(value));
        }

        public Builder putStrings(String name, List<String> value) {
            return put(name, Value.ofStrings(value));
        }

        public Values build() {
            return new Values(byName);
        }
    }
}
