package dev.sluice.host.pipeline;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Unmodifiable copies of small string maps that keep their order. A pipeline's fan-out makes one params
 * map per task, nearly always with one entry: that is held as {@link Map#of(Object, Object)} (24 bytes)
 * instead of a linked hash map behind a wrapper (about 170). A copy of a copy is the copy itself, so the
 * env and hints a process gives every task are held once, not once per task.
 */
public final class OrderedMaps {
    private OrderedMaps() {
    }

    /** An unmodifiable copy of {@code map} in its order; empty for {@code null}. */
    public static Map<String, String> copyOf(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        if (map instanceof Frozen) {
            return map;
        }
        if (map.size() == 1) {
            Map.Entry<String, String> only = map.entrySet().iterator().next();
            return Map.of(only.getKey(), only.getValue());
        }
        return new Frozen(map);
    }

    /** Two or more entries, in order, never changed. */
    private static final class Frozen extends AbstractMap<String, String> {
        private final Map<String, String> entries;

        Frozen(Map<String, String> map) {
            this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(map));
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return entries.entrySet();
        }

        @Override
        public String get(Object key) {
            return entries.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return entries.containsKey(key);
        }

        @Override
        public int size() {
            return entries.size();
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super String> action) {
            entries.forEach(action);
        }
    }
}
