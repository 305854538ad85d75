package dev.sluice.host.config;

import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.spi.Settings;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's settings for one executor, from the config's {@code executors.<name>} section. The
 * host reads the four settings every executor shares; the executor reads the rest from {@link #raw}.
 *
 * @param name            the executor's name, e.g. {@code local}
 * @param queueSize       at most this many of the executor's tasks at once, or {@code null}
 * @param submitRateLimit at most this many submissions per period, or {@code null}
 * @param pollInterval    how often the executor's running tasks are polled, or {@code null}
 * @param adoptLeftovers  {@code leftovers}: whether {@code --resume} takes up the tasks a killed host left
 *                        running ({@code adopt}) or ends them ({@code end}); {@code null} for the default,
 *                        adopt where the executor can
 * @param raw             every key as written, the four above included, with the values as text
 */
public record ExecutorSettings(String name, Integer queueSize, RateLimit submitRateLimit, Duration pollInterval,
        Boolean adoptLeftovers, Map<String, String> raw) {

    /** The words {@code leftovers} takes. */
    public static final String LEFTOVERS = "adopt or end";

    public ExecutorSettings {
        Objects.requireNonNull(name, "name");
        raw = raw == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(raw));
    }

    /** Settings that leave {@code leftovers} to its default. */
    public ExecutorSettings(String name, Integer queueSize, RateLimit submitRateLimit, Duration pollInterval,
            Map<String, String> raw) {
        this(name, queueSize, submitRateLimit, pollInterval, null, raw);
    }

    /** Reads {@code leftovers}: {@code adopt} is true, {@code end} false. */
    public static boolean parseLeftovers(String text) {
        return switch (text) {
            case "adopt" -> true;
            case "end" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not a way to treat leftovers; write "
                    + LEFTOVERS + " (what --resume does with the tasks a killed host left running)");
        };
    }

    /** {@link #raw} with typed accessors whose messages name this config section. */
    public Settings settings() {
        return Settings.of(raw, "config executors." + name);
    }
}
