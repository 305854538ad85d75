package dev.sluice.spi;

import java.util.Map;

/**
 * Per-task hints: namespaced keys of the form {@code <plugin>/<name>} (for example
 * {@code files/maxWait}, {@code docker/image}) set in the pipeline or by the operator's config.
 *
 * <p>Hints carry policy to the plugin that owns the namespace; the host does not interpret them. A
 * plugin reads its own keys with the typed accessors of {@link Settings}, which fail with a message
 * naming the key, the process and the fix when a value does not parse.
 */
public interface Hints extends Settings {

    /** The separator between a hint's namespace and its name. */
    char NAMESPACE_SEPARATOR = '/';

    /** The full key of a hint in a namespace: {@code key("files", "maxWait")} is {@code files/maxWait}. */
    static String key(String namespace, String name) {
        return namespace + NAMESPACE_SEPARATOR + name;
    }

    /** Hints over a map of {@code namespace/name} keys; {@code origin} names where they were set. */
    static Hints of(Map<String, String> values, String origin) {
        return new MapSettings(values, origin);
    }

    /**
     * Refuses a key of {@code namespace} that is not one of {@code names} (a misspelt hint would
     * otherwise be ignored without a word).
     *
     * @param names the hint names the namespace's owner reads, without the namespace
     * @throws InvalidSettingException naming the key and the known ones
     */
    default void requireKnown(String namespace, java.util.Collection<String> names) {
        String prefix = namespace + NAMESPACE_SEPARATOR;
        for (String key : keys()) {
            if (key.startsWith(prefix) && !names.contains(key.substring(prefix.length()))) {
                throw invalid(key, string(key, ""), "not a hint of the " + namespace + " plugin; it knows "
                        + String.join(", ", names.stream().map(n -> key(namespace, n)).toList()));
            }
        }
    }

    /** No hints. */
    static Hints empty() {
        return new MapSettings(Map.of(), "no hints");
    }
}
