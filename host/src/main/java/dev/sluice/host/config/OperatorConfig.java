package dev.sluice.host.config;

import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.CacheMode;
import dev.sluice.host.pipeline.ErrorStrategy;
import dev.sluice.yaml.Location;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.ProcessDef;
import dev.sluice.host.pipeline.ProcessSettings;
import dev.sluice.host.pipeline.Templates;
import dev.sluice.yaml.Suggestions;
import dev.sluice.spi.Resources;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operator's config: settings for every process, for processes by label and by name, executor
 * settings and plugin settings. Made by {@link ConfigLoader}; the format is described in
 * {@code docs/operator-guide/config.md}.
 *
 * <p>{@link #resolve} stacks, later winning field by field (hints and env key by key): the
 * {@linkplain #BUILT_IN built-in defaults}, {@code process.defaults}, the pipeline's process, the
 * {@code withLabel} entries for the process's labels in config order, the {@code withName} entry.
 *
 * @param file      the config file as given to the loader, or {@code null} when there is none
 * @param defaults  {@code process.defaults}
 * @param withLabel {@code process.withLabel}: label to settings, in config order
 * @param withName  {@code process.withName}: process name to settings
 * @param executors {@code executors}: executor name to its settings
 * @param plugins   {@code plugins}: plugin id to its settings, values as text
 * @param locations where sections and entries are written, by dotted path (e.g.
 *                  {@code process.withName.align}), for messages; may be empty
 * @param secretEnv {@code secretEnv}: names of environment variables whose values are masked
 * @param allowedPlugins {@code allowedPlugins}: the only plugin ids a run may enable, or {@code null}
 *                  for any installed plugin
 */
public record OperatorConfig(Path file, ProcessSettings defaults, Map<String, ProcessSettings> withLabel,
        Map<String, ProcessSettings> withName, Map<String, ExecutorSettings> executors,
        Map<String, Map<String, String>> plugins, Map<String, Location> locations, List<String> secretEnv,
        Set<String> allowedPlugins) {

    /** A config without {@code secretEnv} or {@code allowedPlugins}. */
    public OperatorConfig(Path file, ProcessSettings defaults, Map<String, ProcessSettings> withLabel,
            Map<String, ProcessSettings> withName, Map<String, ExecutorSettings> executors,
            Map<String, Map<String, String>> plugins, Map<String, Location> locations) {
        this(file, defaults, withLabel, withName, executors, plugins, locations, List.of(), null);
    }

    /**
     * The built-in defaults: executor {@code local}, 1 CPU, {@code terminate}, backoff 1s growing
     * twofold up to 1m. {@code maxRetries} is left unset: it defaults to 1 under {@code retry}.
     */
    public static final ProcessSettings BUILT_IN = ProcessSettings.builder()
            .executor("local")
            .cpus(1)
            .errorStrategy(ErrorStrategy.TERMINATE)
            .cache(CacheMode.STANDARD)
            .retryBackoff(Backoff.DEFAULT)
            .build();

    public OperatorConfig {
        defaults = defaults == null ? ProcessSettings.NONE : defaults;
        withLabel = ordered(withLabel);
        withName = ordered(withName);
        executors = ordered(executors);
        Map<String, Map<String, String>> pluginCopy = new LinkedHashMap<>();
        if (plugins != null) {
            plugins.forEach((id, settings) -> pluginCopy.put(id, ordered(settings)));
        }
        plugins = Collections.unmodifiableMap(pluginCopy);
        locations = ordered(locations);
        allowedPlugins = allowedPlugins == null ? null : Collections.unmodifiableSet(new java.util.TreeSet<>(allowedPlugins));
    }

    /** A config without places, for configs made in code. */
    public OperatorConfig(Path file, ProcessSettings defaults, Map<String, ProcessSettings> withLabel,
            Map<String, ProcessSettings> withName, Map<String, ExecutorSettings> executors,
            Map<String, Map<String, String>> plugins) {
        this(file, defaults, withLabel, withName, executors, plugins, Map.of());
    }

    /** No config: only the built-in defaults apply. */
    public static OperatorConfig empty() {
        return new OperatorConfig(null, ProcessSettings.NONE, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** The settings of executor {@code name}; empty settings when the config has none for it. */
    public ExecutorSettings executor(String name) {
        ExecutorSettings s = executors.get(name);
        return s != null ? s : new ExecutorSettings(name, null, null, null, Map.of());
    }

    /** The settings of plugin {@code id} with typed accessors; empty when the config has none for it. */
    public Settings pluginSettings(String id) {
        return Settings.of(plugins.getOrDefault(id, Map.of()), "config plugins." + id);
    }

    /**
     * Applies the merge order to {@code process}. When no layer sets {@code pollInterval}, the
     * executor's {@code pollInterval} from the {@code executors} section is used, if set.
     */
    public EffectiveProcess resolve(ProcessDef process) {
        List<String> applied = new ArrayList<>();
        ProcessSettings s = BUILT_IN.overriddenBy(defaults);
        if (!defaults.isEmpty()) {
            applied.add("process.defaults");
        }
        s = s.overriddenBy(process.settings());
        for (Map.Entry<String, ProcessSettings> e : withLabel.entrySet()) {
            if (process.labels().contains(e.getKey())) {
                s = s.overriddenBy(e.getValue());
                applied.add("process.withLabel." + e.getKey());
            }
        }
        ProcessSettings byName = withName.get(process.name());
        if (byName != null) {
            s = s.overriddenBy(byName);
            applied.add("process.withName." + process.name());
        }
        long memory = s.memoryBytes() != null ? s.memoryBytes() : 0;
        int accelerators = s.accelerators() != null ? s.accelerators() : 0;
        Resources resources = new Resources(s.cpus(), memory, s.time(), accelerators, s.acceleratorType());
        int maxRetries = s.errorStrategy() != ErrorStrategy.RETRY ? 0 : s.maxRetries() != null ? s.maxRetries() : 1;
        Duration pollInterval = s.pollInterval() != null ? s.pollInterval() : executor(s.executor()).pollInterval();
        return new EffectiveProcess(process, s.executor(), resources, s.hints(), s.env(), s.errorStrategy(),
                maxRetries, s.retryBackoff(), s.queueSize(), s.submitRateLimit(), pollInterval, s.cache(),
                origin(process, applied));
    }

    private String origin(ProcessDef process, List<String> applied) {
        StringBuilder sb = new StringBuilder("process '").append(process.name()).append("'");
        List<String> parts = new ArrayList<>();
        if (process.location() != null) {
            parts.add(process.location().toString());
        }
        if (!applied.isEmpty()) {
            parts.add((file != null ? file.toString() : "config") + " " + String.join(", ", applied));
        }
        if (!parts.isEmpty()) {
            sb.append(" (").append(String.join("; ", parts)).append(')');
        }
        return sb.toString();
    }

    /**
     * What in this config looks like a mistake for {@code pipeline}, one line each: {@code withName}
     * entries naming no process, {@code withLabel} entries naming no label, and hint or env values
     * using {@code {{ Task.Param.x }}} for a process that has no param {@code x}.
     */
    public List<String> warnings(Pipeline pipeline) {
        List<String> warnings = new ArrayList<>();
        String pipelineFile = pipeline.file().getFileName().toString();
        Set<String> names = pipeline.processes().keySet();
        for (String name : withName.keySet()) {
            if (!names.contains(name)) {
                warnings.add(at("process.withName." + name) + "process.withName." + name + " matches no process of "
                        + pipelineFile + Suggestions.closest(name, names).map(s -> "; did you mean '" + s + "'?")
                                .orElse("; its processes are " + String.join(", ", names)));
            }
        }
        Set<String> labels = new LinkedHashSet<>();
        pipeline.processes().values().forEach(p -> labels.addAll(p.labels()));
        for (String label : withLabel.keySet()) {
            if (!labels.contains(label)) {
                warnings.add(at("process.withLabel." + label) + "process.withLabel." + label + " matches no label of "
                        + pipelineFile + (labels.isEmpty() ? "; its processes have no labels"
                                : Suggestions.closest(label, labels).map(s -> "; did you mean '" + s + "'?")
                                        .orElse("; its labels are " + String.join(", ", labels))));
            }
        }
        for (ProcessDef process : pipeline.processes().values()) {
            checkTemplates(process, "process.defaults", defaults, warnings);
            withLabel.forEach((label, settings) -> {
                if (process.labels().contains(label)) {
                    checkTemplates(process, "process.withLabel." + label, settings, warnings);
                }
            });
            if (withName.containsKey(process.name())) {
                checkTemplates(process, "process.withName." + process.name(), withName.get(process.name()), warnings);
            }
        }
        return warnings;
    }

    private void checkTemplates(ProcessDef process, String path, ProcessSettings settings, List<String> warnings) {
        Set<String> params = process.paramNames();
        Map<String, Map<String, String>> maps = new LinkedHashMap<>();
        maps.put("hints", settings.hints());
        maps.put("env", settings.env());
        maps.forEach((field, values) -> values.forEach((key, value) -> {
            for (String used : Templates.paramNames(value)) {
                if (!params.contains(used)) {
                    String p = path + "." + field + "." + key;
                    warnings.add(at(p) + p + " uses {{ Task.Param." + used + " }} but process '" + process.name()
                            + "' has " + (params.isEmpty() ? "no params" : "only the params " + String.join(", ", params))
                            + "; the text stays as written for its tasks");
                }
            }
        }));
    }

    /** {@code "config.yaml:7:5: "} for a dotted path, or as much of it as is known. */
    private String at(String path) {
        Location l = locations.get(path);
        if (l != null) {
            return l + ": ";
        }
        return file != null ? file + ": " : "";
    }

    private static <V> Map<String, V> ordered(Map<String, V> map) {
        return map == null || map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
