package dev.sluice.host.config;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.pipeline.ProcessSettings;
import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.host.pipeline.SettingsReader;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Loads and checks the operator's config file. Every problem of the file is collected and thrown
 * together in an {@link InvalidInputException}. The format is described in
 * {@code docs/operator-guide/config.md}.
 */
public final class ConfigLoader {
    /** {@code serve} is read by {@code sluice serve} ({@code ServeSettings}); {@code sluice run} leaves it be. */
    static final List<String> TOP_FIELDS = List.of("executors", "process", "plugins", "secretEnv", "allowedPlugins",
            "serve");
    private static final java.util.regex.Pattern ENV_NAME = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final List<String> PROCESS_SECTION_FIELDS = List.of("defaults", "withLabel", "withName");
    /** The executor settings the host itself reads; any other key is the executor's own. */
    static final List<String> EXECUTOR_FIELDS = List.of("queueSize", "submitRateLimit", "pollInterval", "leftovers");

    private static final Pattern PLUGIN_ID = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Map<String, String> SELECTOR_NOTES = pipelineOnlyNotes();
    private static final Map<String, String> PROCESS_SECTION_NOTES = settingsUnderDefaultsNotes();

    private final Path file;
    private final Problems problems = new Problems();
    private final Map<String, Location> locations = new LinkedHashMap<>();

    private ConfigLoader(Path file) {
        this.file = file;
    }

    /**
     * Loads the config in {@code file}; an empty file is an empty config.
     *
     * @throws InvalidInputException listing every problem found, each with file, line, column, field
     *                               and fix
     */
    public static OperatorConfig load(Path file) throws InvalidInputException {
        return new ConfigLoader(file).load();
    }

    private OperatorConfig load() throws InvalidInputException {
        YamlNode root = YamlReader.read(file, "config file", problems);
        problems.throwIfAny();
        if (root == null) {
            return new OperatorConfig(file, ProcessSettings.NONE, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
        }
        Fields top = Fields.of(root, "", "config sections (executors, process, plugins, secretEnv, allowedPlugins, serve)", problems, TOP_FIELDS,
                Map.of());
        Map<String, ExecutorSettings> executors = executors(top);
        ProcessSettings defaults = ProcessSettings.NONE;
        Map<String, ProcessSettings> withLabel = Map.of();
        Map<String, ProcessSettings> withName = Map.of();
        if (top.has("process")) {
            Fields process = top.nested("process", "process sections (defaults, withLabel, withName)",
                    PROCESS_SECTION_FIELDS, PROCESS_SECTION_NOTES);
            if (process.has("defaults")) {
                locations.put("process.defaults", process.keyLocation("defaults"));
                defaults = settings(process.node("defaults"), "process.defaults");
            }
            withLabel = selectors(process, "withLabel", PipelineLoader.LABEL, "label", "letters, digits, '_', '-' and"
                    + " '.'");
            withName = selectors(process, "withName", PipelineLoader.PROCESS_NAME, "process name", "letters, digits,"
                    + " '_' and '-'");
        }
        Map<String, Map<String, String>> plugins = plugins(top);
        List<String> secretEnv = top.strings("secretEnv", "[API_TOKEN, DB_PASSWORD]");
        if (secretEnv == null) {
            secretEnv = List.of();
        }
        for (String name : secretEnv) {
            if (!ENV_NAME.matcher(name).matches()) {
                problems.add(top.node("secretEnv"), "secretEnv", "'" + name + "' is not an environment variable "
                        + "name; use letters, digits and '_', not starting with a digit");
            }
        }
        Set<String> allowedPlugins = null;
        if (top.has("allowedPlugins")) {
            List<String> ids = top.strings("allowedPlugins", "[files, docker]");
            if (ids != null) {
                allowedPlugins = new java.util.LinkedHashSet<>(ids);
                locations.put("allowedPlugins", top.keyLocation("allowedPlugins"));
                for (String id : plugins.keySet()) {
                    if (!allowedPlugins.contains(id)) {
                        problems.add(locations.getOrDefault("plugins." + id, top.keyLocation("plugins")), "plugins." + id,
                                "plugin '" + id + "' has settings here but is not in allowedPlugins (" + String.join(", ",
                                        allowedPlugins) + "); add it there or remove its section");
                    }
                }
            }
        }
        problems.throwIfAny();
        return new OperatorConfig(file, defaults, withLabel, withName, executors, plugins, locations, secretEnv,
                allowedPlugins);
    }

    private Map<String, ExecutorSettings> executors(Fields top) {
        Map<String, ExecutorSettings> executors = new LinkedHashMap<>();
        if (!top.has("executors")) {
            return executors;
        }
        YamlNode.Mapping mapping = Fields.mapping(top.node("executors"), "executors",
                "executor names to settings, e.g. {local: {queueSize: 8}}", problems);
        if (mapping == null) {
            return executors;
        }
        for (YamlNode.Entry e : mapping.entries().values()) {
            String path = "executors." + e.key();
            locations.put(path, e.keyLocation());
            if (!SettingsReader.EXECUTOR_NAME.matcher(e.key()).matches()) {
                problems.add(e.keyLocation(), path, "'" + e.key()
                        + "' is not an executor name; use letters, digits, '_', '-' and '.'");
                continue;
            }
            Map<String, String> raw = Fields.settingsMap(e.value(), path, "{queueSize: 8, pollInterval: 1s}", problems);
            if (raw == null) {
                continue;
            }
            if (e.value() instanceof YamlNode.Mapping section) {
                // Each key's place, for the executor's own checks (validateConfig) to point at.
                section.entries().values().forEach(k -> locations.put(path + "." + k.key(), k.keyLocation()));
            }
            // Every key is allowed: the ones the host does not know belong to the executor.
            Fields f = Fields.of(e.value(), path, "executor settings", problems, List.copyOf(raw.keySet()), Map.of());
            Integer queueSize = f.integer("queueSize", 1);
            RateLimit rate = f.parsed("submitRateLimit", "a rate, " + RateLimit.EXAMPLES, RateLimit::parse);
            Duration pollInterval = f.duration("pollInterval", true);
            Boolean adopt = f.parsed("leftovers", ExecutorSettings.LEFTOVERS, ExecutorSettings::parseLeftovers);
            executors.put(e.key(), new ExecutorSettings(e.key(), queueSize, rate, pollInterval, adopt, raw));
        }
        return executors;
    }

    /** @param allowed what {@code namePattern} allows, in words: a label may hold '.', a process name not */
    private Map<String, ProcessSettings> selectors(Fields process, String section, Pattern namePattern, String what,
            String allowed) {
        Map<String, ProcessSettings> out = new LinkedHashMap<>();
        if (!process.has(section)) {
            return out;
        }
        String path = "process." + section;
        YamlNode.Mapping mapping = Fields.mapping(process.node(section), path,
                what + "s to process settings, e.g. {big: {resources: {cpus: 8}}}", problems);
        if (mapping == null) {
            return out;
        }
        for (YamlNode.Entry e : mapping.entries().values()) {
            String p = path + "." + e.key();
            locations.put(p, e.keyLocation());
            if (!namePattern.matcher(e.key()).matches()) {
                problems.add(e.keyLocation(), p, "'" + e.key() + "' is not a valid " + what
                        + "; use " + allowed);
            }
            out.put(e.key(), settings(e.value(), p));
        }
        return out;
    }

    private ProcessSettings settings(YamlNode node, String path) {
        Fields f = Fields.of(node, path, "process settings, e.g. {resources: {cpus: 8}}", problems,
                SettingsReader.FIELDS, SELECTOR_NOTES);
        for (String map : List.of("hints", "env")) {
            if (f.node(map) instanceof YamlNode.Mapping m) {
                m.entries().values().forEach(e -> locations.put(f.path(map) + "." + e.key(), e.value().location()));
            }
        }
        return SettingsReader.read(f, problems);
    }

    private Map<String, Map<String, String>> plugins(Fields top) {
        Map<String, Map<String, String>> plugins = new LinkedHashMap<>();
        if (!top.has("plugins")) {
            return plugins;
        }
        YamlNode.Mapping mapping = Fields.mapping(top.node("plugins"), "plugins",
                "plugin ids to settings, e.g. {files: {pollInterval: 2s}}", problems);
        if (mapping == null) {
            return plugins;
        }
        for (YamlNode.Entry e : mapping.entries().values()) {
            String path = "plugins." + e.key();
            locations.put(path, e.keyLocation());
            if (!PLUGIN_ID.matcher(e.key()).matches()) {
                problems.add(e.keyLocation(), path, "'" + e.key()
                        + "' is not a plugin id; use letters, digits, '_', '-' and '.'");
                continue;
            }
            Map<String, String> settings = Fields.settingsMap(e.value(), path, "{pollInterval: 2s}", problems);
            if (settings != null) {
                plugins.put(e.key(), settings);
                if (e.value() instanceof YamlNode.Mapping keys) {
                    // Each key's place, for a plugin that refuses its value.
                    keys.entries().values().forEach(k -> locations.put(path + "." + k.key(), k.keyLocation()));
                }
            }
        }
        return plugins;
    }

    /** Pipeline-only fields written in a config selector. */
    private static Map<String, String> pipelineOnlyNotes() {
        Map<String, String> notes = new LinkedHashMap<>();
        for (String field : List.of("command", "script", "matrix", "each", "dependsOn", "labels", "inputs")) {
            notes.put(field, field + " is set in the pipeline file; the config can set only "
                    + String.join(", ", SettingsReader.FIELDS));
        }
        return notes;
    }

    /** Settings written straight under {@code process:}, as in Nextflow configs. */
    private static Map<String, String> settingsUnderDefaultsNotes() {
        Map<String, String> notes = new LinkedHashMap<>();
        for (String field : SettingsReader.FIELDS) {
            notes.put(field, "settings for every process go under process.defaults, e.g. process: {defaults: {"
                    + field + ": ...}}");
        }
        return notes;
    }
}
