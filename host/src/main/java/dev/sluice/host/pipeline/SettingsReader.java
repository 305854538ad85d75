package dev.sluice.host.pipeline;

import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;

import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.ErrorStrategy;
import dev.sluice.host.pipeline.ProcessSettings;
import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the tunable process settings ({@link ProcessSettings}) that a pipeline's process and the
 * config's {@code process.defaults}, {@code withLabel} and {@code withName} entries share.
 */
public final class SettingsReader {
    /** The settings fields, as a process or config selector writes them. */
    public static final List<String> FIELDS = List.of("executor", "resources", "hints", "env", "errorStrategy",
            "maxRetries", "retryBackoff", "queueSize", "submitRateLimit", "pollInterval", "cache");
    /** The fields of {@code resources}. */
    public static final List<String> RESOURCE_FIELDS = List.of("cpus", "memory", "time", "accelerators",
            "acceleratorType");
    /** The fields of {@code retryBackoff}. */
    public static final List<String> BACKOFF_FIELDS = List.of("initial", "max", "multiplier");

    /** A hint key: {@code <plugin>/<name>}. */
    public static final Pattern HINT_KEY = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+");
    /** An environment variable's name. */
    public static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** An executor's name. */
    public static final Pattern EXECUTOR_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private SettingsReader() {
    }

    /** Reads whichever of {@link #FIELDS} {@code fields} has. */
    public static ProcessSettings read(Fields fields, Problems problems) {
        ProcessSettings.Builder b = ProcessSettings.builder();
        if (fields.has("executor")) {
            String executor = fields.string("executor");
            if (executor != null && !EXECUTOR_NAME.matcher(executor).matches()) {
                problems.add(fields.node("executor"), fields.path("executor"), "'" + executor
                        + "' is not an executor name; write a name such as local (letters, digits, '_', '-', '.')");
            } else {
                b.executor(executor);
            }
        }
        if (fields.has("resources")) {
            readResources(fields.nested("resources", "resources, e.g. {cpus: 2, memory: 4GB}", RESOURCE_FIELDS,
                    Map.of()), b);
        }
        Map<String, String> hints = fields.stringMap("hints", "{files/maxWait: 10m}");
        if (hints != null) {
            hints.forEach((key, value) -> {
                if (HINT_KEY.matcher(key).matches()) {
                    b.hint(key, value);
                } else {
                    problems.add(keyNode(fields, "hints", key), Fields.child(fields.path("hints"), key),
                            "hint key '" + key + "' has no plugin namespace; write <plugin>/<name>, e.g. files/"
                                    + (key.contains("/") ? "maxWait" : key));
                }
            });
        }
        Map<String, String> env = fields.stringMap("env", "{THREADS: \"4\"}");
        if (env != null) {
            env.forEach((name, value) -> {
                if (ENV_NAME.matcher(name).matches()) {
                    b.env(name, value);
                } else {
                    problems.add(keyNode(fields, "env", name), Fields.child(fields.path("env"), name),
                            "'" + name + "' is not an environment variable name; use letters, digits and '_',"
                                    + " not starting with a digit");
                }
            });
        }
        if (fields.has("errorStrategy")) {
            b.errorStrategy(fields.parsed("errorStrategy", "one of " + ErrorStrategy.keywords(),
                    text -> ErrorStrategy.parse(text).orElseThrow(() -> new IllegalArgumentException(
                            "'" + text + "' is not an error strategy; write one of " + ErrorStrategy.keywords()))));
        }
        b.maxRetries(fields.integer("maxRetries", 0));
        if (fields.has("retryBackoff")) {
            b.retryBackoff(backoff(fields.nested("retryBackoff", "backoff settings, e.g. {initial: 1s, max: 1m}",
                    BACKOFF_FIELDS, Map.of()), problems));
        }
        b.queueSize(fields.integer("queueSize", 1));
        b.submitRateLimit(fields.parsed("submitRateLimit", "a rate, " + RateLimit.EXAMPLES, RateLimit::parse));
        b.pollInterval(fields.duration("pollInterval", true));
        if (fields.has("cache")) {
            b.cache(fields.parsed("cache", "one of " + CacheMode.keywords(),
                    text -> CacheMode.parse(text).orElseThrow(() -> new IllegalArgumentException(
                            "'" + text + "' is not a cache mode; write one of " + CacheMode.keywords()
                                    + " (true and false are standard and off)"))));
        }
        return b.build();
    }

    /** Reads whichever of {@link #RESOURCE_FIELDS} {@code r} has into {@code b}. */
    public static void readResources(Fields r, ProcessSettings.Builder b) {
        b.cpus(r.integer("cpus", 1));
        b.memoryBytes(r.size("memory"));
        b.time(r.duration("time", true));
        b.accelerators(r.integer("accelerators", 0));
        b.acceleratorType(r.string("acceleratorType"));
    }

    /** A backoff; unset fields take {@link Backoff#DEFAULT}'s values. */
    private static Backoff backoff(Fields f, Problems problems) {
        int before = problems.size();
        Duration initial = f.duration("initial", true);
        Duration max = f.duration("max", true);
        Double multiplier = f.number("multiplier", 1);
        if (problems.size() > before) {
            return null;
        }
        Backoff d = Backoff.DEFAULT;
        initial = initial != null ? initial : d.initial();
        max = max != null ? max : d.max();
        if (max.compareTo(initial) < 0) {
            problems.add(f.node(f.has("max") ? "max" : "initial"), f.path(f.has("max") ? "max" : "initial"),
                    "max (" + Units.formatDuration(max) + ") is less than initial ("
                            + Units.formatDuration(initial) + "); raise max or lower initial");
            return null;
        }
        return new Backoff(initial, max, multiplier != null ? multiplier : d.multiplier());
    }

    private static YamlNode keyNode(Fields fields, String mapKey, String key) {
        YamlNode.Mapping m = (YamlNode.Mapping) fields.node(mapKey);
        YamlNode.Entry e = m.entries().get(key);
        return new YamlNode.Scalar(key, e.keyLocation());
    }
}
