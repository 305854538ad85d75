package dev.sluice.spi;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Settings and hints backed by an immutable copy of a map. */
final class MapSettings implements Hints {
    private final Map<String, String> values;
    private final String origin;

    MapSettings(Map<String, String> values, String origin) {
        this.values = Map.copyOf(values);
        this.origin = origin;
    }

    @Override
    public Optional<String> string(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public String toString() {
        return new TreeMap<>(values).toString();
    }
}
