package dev.sluice.kit;

import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the keys executors have in common from an executor's section of the operator config
 * ({@code executors: <name>: {...}}), so that every executor refuses a bad value in the same words: each
 * problem names the key, the value, where it was written and how to write a good one. Values are checked
 * for their range here; the SPI's {@link Settings} checks only that they parse.
 */
public final class ExecutorConfig {
    /** Keys the host itself reads from every executor's section; an executor must accept them too. */
    public static final Set<String> HOST_KEYS = Set.of("queueSize", "submitRateLimit", "pollInterval", "leftovers");
    /** CPU cores the host may fill with the executor's tasks. */
    public static final String CPUS = "cpus";
    /** Memory the host may fill with the executor's tasks. */
    public static final String MEMORY = "memory";
    /** How many submissions may run at once. */
    public static final String SUBMIT_CONCURRENCY = "submitConcurrency";

    private final String executor;
    private final Settings settings;

    /**
     * @param executor the executor's name, as users select it ({@code local}, {@code slurm})
     * @param settings its section of the operator config
     */
    public ExecutorConfig(String executor, Settings settings) {
        this.executor = executor;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Refuses a key that is neither the host's nor one of {@code own}: a misspelt key would otherwise be
     * ignored in silence and its default used.
     *
     * @throws InvalidSettingException naming the key and every key the executor knows
     */
    public void requireKnown(Collection<String> own) {
        requireKnown(own, "");
    }

    /**
     * As {@link #requireKnown(Collection)}, with {@code elsewhere} added to the message: where the
     * executor's other settings go, e.g. {@code "; its other settings go under plugins.docker"}.
     */
    public void requireKnown(Collection<String> own, String elsewhere) {
        Set<String> known = new TreeSet<>(HOST_KEYS);
        known.addAll(own);
        for (String key : settings.keys()) {
            if (!known.contains(key)) {
                throw settings.invalid(key, settings.string(key, ""), "not a setting of the " + executor
                        + " executor; it knows " + String.join(", ", known) + elsewhere);
            }
        }
    }

    /** {@code cpus}: at least 1; {@code available} when not set. */
    public int cpus(int available) {
        return atLeast(CPUS, available, 1, "the " + executor + " executor needs at least 1 cpu; write e.g. 4, or "
                + "leave it out to use all " + available);
    }

    /** {@code memory}: a size above zero; {@code available} bytes when not set. */
    public long memory(long available) {
        long memory = settings.size(MEMORY, available);
        if (memory < 1) {
            throw settings.invalid(MEMORY, settings.string(MEMORY, ""), "the " + executor + " executor needs some "
                    + "memory; write e.g. 16GB, or leave it out to use all " + Units.formatSize(available));
        }
        return memory;
    }

    /** {@code submitConcurrency}: at least 1. */
    public int submitConcurrency(int defaultValue) {
        return atLeast(SUBMIT_CONCURRENCY, defaultValue, 1, "must be at least 1");
    }

    /** A whole number of at least {@code min}; {@code problem} says what is wrong below it and the fix. */
    public int atLeast(String key, int defaultValue, int min, String problem) {
        int value = settings.integer(key, defaultValue);
        if (value < min) {
            throw settings.invalid(key, settings.string(key, String.valueOf(value)), problem);
        }
        return value;
    }

    /** A duration above zero: a zero timeout or interval would make the executor spin or give up at once. */
    public Duration positive(String key, Duration defaultValue) {
        Duration value = settings.duration(key, defaultValue);
        if (value.isZero() || value.isNegative()) {
            throw settings.invalid(key, settings.string(key, ""), "must be positive, e.g. 30s");
        }
        return value;
    }

    /** What {@code start} throws for a bad value: the executor cannot run as configured. */
    public ExecutorException failure(InvalidSettingException e) {
        return new ExecutorException(executor + " executor config key '" + e.key() + "' is invalid: "
                + e.getMessage(), e);
    }
}
