package dev.sluice.host.pipeline;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tunable settings of a process as one layer sets them: the built-in defaults, the operator
 * config's {@code process.defaults}, the pipeline's process, a config {@code withLabel} or
 * {@code withName} entry. Every component may be {@code null}, meaning "this layer does not set it";
 * {@link #overriddenBy} stacks layers. {@code hints} and {@code env} are never {@code null} (empty when
 * unset) and keep the order they were written in.
 *
 * @param executor        the executor that runs the tasks, e.g. {@code local}
 * @param cpus            CPU cores per task
 * @param memoryBytes     memory per task in bytes
 * @param time            wall-time limit per task
 * @param accelerators    accelerators (GPUs) per task
 * @param acceleratorType accelerator model, e.g. {@code nvidia-h100}
 * @param hints           namespaced hints for plugins, {@code <plugin>/<name>} to the value as written
 * @param env             environment variables of the tasks
 * @param errorStrategy   what a failed task does to the run
 * @param maxRetries      how often a failed task is retried under {@link ErrorStrategy#RETRY}
 * @param retryBackoff    the wait between retries
 * @param queueSize       at most this many tasks of the process at once
 * @param submitRateLimit at most this many submissions of the process's tasks per period
 * @param pollInterval    how often the monitor polls the process's running tasks
 * @param cache           what {@code --resume} checks of the tasks' inputs
 */
public record ProcessSettings(
        String executor,
        Integer cpus,
        Long memoryBytes,
        Duration time,
        Integer accelerators,
        String acceleratorType,
        Map<String, String> hints,
        Map<String, String> env,
        ErrorStrategy errorStrategy,
        Integer maxRetries,
        Backoff retryBackoff,
        Integer queueSize,
        RateLimit submitRateLimit,
        Duration pollInterval,
        CacheMode cache) {

    /** A layer that sets nothing. */
    public static final ProcessSettings NONE = builder().build();

    public ProcessSettings {
        hints = OrderedMaps.copyOf(hints);
        env = OrderedMaps.copyOf(env);
    }

    /**
     * Whether this layer sets nothing at all (equals {@link #NONE}). Field by field: a record's generated
     * {@code equals} is linked at its first call, a few milliseconds of every start for this one.
     */
    public boolean isEmpty() {
        return executor == null && cpus == null && memoryBytes == null && time == null && accelerators == null
                && acceleratorType == null && hints.isEmpty() && env.isEmpty() && errorStrategy == null
                && maxRetries == null && retryBackoff == null && queueSize == null && submitRateLimit == null
                && pollInterval == null && cache == null;
    }

    /**
     * These settings with {@code later} stacked on top: each component {@code later} sets wins;
     * {@code hints} and {@code env} merge key by key, {@code later}'s value winning for a key both set.
     */
    public ProcessSettings overriddenBy(ProcessSettings later) {
        return new ProcessSettings(
                pick(executor, later.executor),
                pick(cpus, later.cpus),
                pick(memoryBytes, later.memoryBytes),
                pick(time, later.time),
                pick(accelerators, later.accelerators),
                pick(acceleratorType, later.acceleratorType),
                merge(hints, later.hints),
                merge(env, later.env),
                pick(errorStrategy, later.errorStrategy),
                pick(maxRetries, later.maxRetries),
                pick(retryBackoff, later.retryBackoff),
                pick(queueSize, later.queueSize),
                pick(submitRateLimit, later.submitRateLimit),
                pick(pollInterval, later.pollInterval),
                pick(cache, later.cache));
    }

    /** A builder over these settings, to change a few of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.executor = executor;
        b.cpus = cpus;
        b.memoryBytes = memoryBytes;
        b.time = time;
        b.accelerators = accelerators;
        b.acceleratorType = acceleratorType;
        b.hints.putAll(hints);
        b.env.putAll(env);
        b.errorStrategy = errorStrategy;
        b.maxRetries = maxRetries;
        b.retryBackoff = retryBackoff;
        b.queueSize = queueSize;
        b.submitRateLimit = submitRateLimit;
        b.pollInterval = pollInterval;
        b.cache = cache;
        return b;
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    private static <T> T pick(T earlier, T later) {
        return later != null ? later : earlier;
    }

    private static Map<String, String> merge(Map<String, String> earlier, Map<String, String> later) {
        if (later.isEmpty()) {
            return earlier;
        }
        Map<String, String> merged = new LinkedHashMap<>(earlier);
        merged.putAll(later);
        return merged;
    }


    /** Builds {@link ProcessSettings}; everything not set stays {@code null}. */
    public static final class Builder {
        private String executor;
        private Integer cpus;
        private Long memoryBytes;
        private Duration time;
        private Integer accelerators;
        private String acceleratorType;
        private final Map<String, String> hints = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private ErrorStrategy errorStrategy;
        private Integer maxRetries;
        private Backoff retryBackoff;
        private Integer queueSize;
        private RateLimit submitRateLimit;
        private Duration pollInterval;
        private CacheMode cache;

        private Builder() {
        }

        public Builder executor(String value) {
            executor = value;
            return this;
        }

        public Builder cpus(Integer value) {
            cpus = value;
            return this;
        }

        public Builder memoryBytes(Long value) {
            memoryBytes = value;
            return this;
        }

        public Builder time(Duration value) {
            time = value;
            return this;
        }

        public Builder accelerators(Integer value) {
            accelerators = value;
            return this;
        }

        public Builder acceleratorType(String value) {
            acceleratorType = value;
            return this;
        }

        public Builder hint(String key, String value) {
            hints.put(key, value);
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder errorStrategy(ErrorStrategy value) {
            errorStrategy = value;
            return this;
        }

        public Builder maxRetries(Integer value) {
            maxRetries = value;
            return this;
        }

        public Builder retryBackoff(Backoff value) {
            retryBackoff = value;
            return this;
        }

        public Builder queueSize(Integer value) {
            queueSize = value;
            return this;
        }

        public Builder submitRateLimit(RateLimit value) {
            submitRateLimit = value;
            return this;
        }

        public Builder pollInterval(Duration value) {
            pollInterval = value;
            return this;
        }

        public Builder cache(CacheMode value) {
            cache = value;
            return this;
        }

        public ProcessSettings build() {
            return new ProcessSettings(executor, cpus, memoryBytes, time, accelerators, acceleratorType, hints, env,
                    errorStrategy, maxRetries, retryBackoff, queueSize, submitRateLimit, pollInterval, cache);
        }
    }
}
