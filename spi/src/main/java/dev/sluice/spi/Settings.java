package dev.sluice.spi;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Read-only string key/value settings with typed accessors. Values are kept as the text the user
 * wrote; each accessor parses on read and throws {@link InvalidSettingException} naming the key,
 * its origin and the fix when the text does not fit.
 */
public interface Settings {

    /** The raw value of a key, if set. */
    Optional<String> string(String key);

    /** All keys that are set. */
    Set<String> keys();

    /** Where these settings come from, used in error messages (e.g. {@code "process 'align'"}). */
    String origin();

    default String string(String key, String defaultValue) {
        return string(key).orElse(defaultValue);
    }

    default boolean isSet(String key) {
        return string(key).isPresent();
    }

    /**
     * A list: a YAML list in the config or pipeline, or one value with items separated by commas.
     * Items are trimmed; empty items are dropped. Empty when the key is not set.
     */
    default List<String> list(String key) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return List.of();
        }
        String separator = v.get().indexOf(LIST_SEPARATOR) >= 0 ? String.valueOf(LIST_SEPARATOR) : ",";
        return Arrays.stream(v.get().split(java.util.regex.Pattern.quote(separator)))
                .map(String::trim).filter(item -> !item.isEmpty()).toList();
    }

    /** How the host joins the items of a YAML list into one value; see {@link #list}. */
    char LIST_SEPARATOR = '\n';

    default boolean bool(String key, boolean defaultValue) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return switch (v.get().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw invalid(key, v.get(), "not a boolean; write true or false");
        };
    }

    default int integer(String key, int defaultValue) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.get().trim());
        } catch (NumberFormatException e) {
            throw invalid(key, v.get(), "not a whole number; write e.g. 4");
        }
    }

    default Optional<Duration> duration(String key) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Units.parseDuration(v.get()));
        } catch (IllegalArgumentException e) {
            throw invalid(key, v.get(), "not a duration; write " + Units.DURATION_EXAMPLES);
        }
    }

    default Duration duration(String key, Duration defaultValue) {
        return duration(key).orElse(defaultValue);
    }

    /** A size in bytes. */
    default long size(String key, long defaultValue) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Units.parseSize(v.get());
        } catch (Units.SizeTooLargeException e) {
            throw invalid(key, v.get(), "larger than any size sluice can count (8 EB); write " + Units.SIZE_EXAMPLES);
        } catch (IllegalArgumentException e) {
            throw invalid(key, v.get(), "not a size; write " + Units.SIZE_EXAMPLES);
        }
    }

    /** Builds the exception the typed accessors throw; for plugins that parse values of their own. */
    default InvalidSettingException invalid(String key, String value, String problem) {
        return new InvalidSettingException(key,
                "'" + key + "' = '" + value + "' in " + origin() + ": " + problem);
    }

    /** Settings over a map; the map is copied. */
    static Settings of(Map<String, String> values, String origin) {
        return new MapSettings(values, origin);
    }
}
