package dev.sluice.host.run;

import dev.sluice.host.config.ConfigLoader;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.ExecutorSettings;
import dev.sluice.host.config.OperatorConfig;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.executor.local.LocalExecutor;
import dev.sluice.host.monitor.ExecutorSetup;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.pipeline.PluginRequirement;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import dev.sluice.host.pipeline.ProcessDef;
import dev.sluice.host.plugins.PluginHost;
import dev.sluice.host.plugins.PluginLoadException;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskRequest;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Everything a run needs, loaded and checked before anything runs: the pipeline, the operator
 * config, each process's effective settings and tasks, the enabled plugins' extensions, and the
 * executors. Shared by {@code sluice run} and {@code sluice validate}, so both report the same
 * problems.
 */
public final class RunPlan implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunPlan.class);
    /** Poll interval when the operator sets none; the local executor signals completions anyway. */
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    private final Pipeline pipeline;
    private final OperatorConfig config;
    private final List<ProcessPlan> plans;
    private final PluginHost plugins;
    private final ProcessChecks checks;
    private final List<TaskWrapper> wrappers;
    private final List<TaskHealthMonitor> monitors;
    private final List<ExecutorSetup> executors;
    private final List<String> warnings;

    private RunPlan(Pipeline pipeline, OperatorConfig config, List<ProcessPlan> plans, PluginHost plugins,
            ProcessChecks checks, List<TaskWrapper> wrappers, List<TaskHealthMonitor> monitors,
            List<ExecutorSetup> executors, List<String> warnings) {
        this.pipeline = pipeline;
        this.config = config;
        this.plans = plans;
        this.plugins = plugins;
        this.checks = checks;
        this.wrappers = wrappers;
        this.monitors = monitors;
        this.executors = executors;
        this.warnings = warnings;
    }

    /**
     * Loads and checks a pipeline.
     *
     * @param configFile the operator config, or {@code null}
     * @throws InvalidInputException listing every problem in the pipeline, the config and the hints
     * @throws PluginLoadException   when a plugin the pipeline enables is missing or broken
     */
    public static RunPlan load(Path pipelineFile, Path configFile, Path pluginsDir, TimeSource time)
            throws InvalidInputException, PluginLoadException {
        return load(pipelineFile, configFile, List.of(pluginsDir), time, id -> PluginMetrics.none());
    }

    /**
     * Loads and checks a pipeline; the plugins it enables contribute their metrics through
     * {@code pluginMetrics}.
     *
     * @param pluginsDirs   where plugins are installed: the bundled directory and the user's
     * @param pluginMetrics each plugin's metrics, by plugin id
     * @see #load(Path, Path, Path, TimeSource)
     */
    public static RunPlan load(Path pipelineFile, Path configFile, List<Path> pluginsDirs, TimeSource time,
            Function<String, PluginMetrics> pluginMetrics) throws InvalidInputException, PluginLoadException {
        Pipeline pipeline = PipelineLoader.load(pipelineFile);
        OperatorConfig config = configFile == null ? OperatorConfig.empty() : ConfigLoader.load(configFile);
        List<String> warnings = new ArrayList<>(config.warnings(pipeline));
        List<Problem> problems = new ArrayList<>();

        Map<String, EffectiveProcess> effective = new LinkedHashMap<>();
        for (String name : pipeline.processOrder()) {
            effective.put(name, config.resolve(pipeline.processes().get(name)));
        }

        // With no plugins enabled PF4J is not even started: the host runs as if there were no plugin layer.
        PluginHost plugins = null;
        List<TaskReadinessGate> gates = List.of();
        List<TaskWrapper> wrappers = List.of();
        List<TaskHealthMonitor> monitors = List.of();
        List<TaskExecutor> pluginExecutors = List.of();
        // An executor a process selects that is not built in names the plugin that brings it
        // (executor: docker enables the docker plugin), so that the operator's config alone can move a
        // pipeline onto it without editing the pipeline.
        Set<String> declared = new TreeSet<>();
        pipeline.plugins().forEach(p -> declared.add(p.id()));
        Map<String, PluginRequirement> implied = new LinkedHashMap<>();
        Set<String> installed = new TreeSet<>();
        for (EffectiveProcess p : effective.values()) {
            if (!"local".equals(p.executor()) && !declared.contains(p.executor())) {
                implied.putIfAbsent(p.executor(), new PluginRequirement(p.executor(), null, p.def().location()));
            }
        }
        // A plugin the operator configures is enabled too: a site's gates (GPUs, licences) and wrappers
        // (Apptainer) are the operator's choice, not each pipeline's.
        Set<String> configured = new LinkedHashSet<>();
        for (String id : config.plugins().keySet()) {
            if (!declared.contains(id) && !implied.containsKey(id)) {
                configured.add(id);
                implied.put(id, new PluginRequirement(id, null, config.locations().get("plugins." + id)));
            }
        }
        if (!pipeline.plugins().isEmpty() || !implied.isEmpty()) {
            plugins = new PluginHost(pluginsDirs, HostVersion.systemVersion(),
                    id -> Settings.of(config.plugins().getOrDefault(id, Map.of()), "plugins." + id + " of the config"),
                    time, pluginMetrics);
            if (config.allowedPlugins() != null) {
                Location where = config.locations().get("allowedPlugins");
                plugins.allowOnly(config.allowedPlugins(), where == null ? "the config" : where.toString());
            }
            List<PluginRequirement> requirements = new ArrayList<>(pipeline.plugins());
            installed.addAll(plugins.ids());
            for (String id : configured) {
                if (!installed.contains(id)) {
                    plugins.close();
                    throw new InvalidInputException(List.of(new Problem(implied.get(id).location(), "plugins." + id,
                            "the config has settings for plugin '" + id + "', which is not installed; installed: "
                                    + (installed.isEmpty() ? "none" : String.join(", ", installed))
                                    + "; remove the section or install the plugin's zip into "
                                    + String.join(" or ", pluginsDirs.stream().map(Path::toString).toList()))));
                }
            }
            implied.values().stream().filter(r -> installed.contains(r.id())).forEach(requirements::add);
            try {
                plugins.enable(requirements);
                gates = plugins.gates();
                wrappers = plugins.wrappers();
                monitors = plugins.monitors();
                pluginExecutors = plugins.executors();
            } catch (dev.sluice.host.plugins.PluginSettingsException e) {
                plugins.close();
                // Bad settings are bad input (exit 2) at their line of the config, not a broken plugin.
                String field = "plugins." + e.pluginId() + "." + e.key();
                Location where = config.locations().getOrDefault(field,
                        config.locations().get("plugins." + e.pluginId()));
                if (where == null && config.file() != null) {
                    where = Location.ofFile(config.file());
                }
                throw new InvalidInputException(List.of(new Problem(where, config.plugins().getOrDefault(e.pluginId(),
                        Map.of()).containsKey(e.key()) ? field : "plugins." + e.pluginId(), e.getMessage())));
            } catch (PluginLoadException e) {
                plugins.close();
                throw e;
            }
        }

        Map<String, TaskExecutor> available = new LinkedHashMap<>();
        available.put("local", new LocalExecutor());
        for (TaskExecutor e : pluginExecutors) {
            available.putIfAbsent(e.name(), e);
        }

        Set<String> namespaces = new TreeSet<>();
        pipeline.plugins().forEach(p -> namespaces.add(p.id()));
        implied.keySet().forEach(namespaces::add);
        gates.forEach(g -> namespaces.add(g.id()));
        ProcessChecks checks = new ProcessChecks(gates, available);
        wrappers.forEach(w -> namespaces.add(w.id()));
        monitors.forEach(m -> namespaces.add(m.id()));

        Set<String> used = new LinkedHashSet<>();
        List<ProcessPlan> plans = new ArrayList<>();
        for (EffectiveProcess p : effective.values()) {
            ProcessDef def = p.def();
            String field = "processes." + def.name();
            if (!available.containsKey(p.executor())) {
                problems.add(new Problem(def.location(), field + ".executor", "unknown executor '" + p.executor()
                        + "'; available: " + String.join(", ", available.keySet())
                        + (installed.isEmpty() ? "" : "; installed plugins (selecting one's executor enables it): "
                                + String.join(", ", installed))));
            } else {
                used.add(p.executor());
            }
            Hints hints = Hints.of(p.hints(), p.origin());
            for (ProcessChecks.Finding f : checks.check(def.name(), p.executor(), p.resources(), hints)) {
                problems.add(new Problem(def.location(), field + "." + f.key(), f.message()));
            }
            for (String key : p.hints().keySet()) {
                String ns = key.substring(0, Math.max(0, key.indexOf(Hints.NAMESPACE_SEPARATOR)));
                if (ns.equals(LocalExecutor.NAME) && !namespaces.contains(ns)) {
                    // The built-in executor's hints (local/keepProcessGroup) are checked by it when the
                    // process runs there, and have no effect anywhere else.
                    if (!LocalExecutor.NAME.equals(p.executor())) {
                        warnings.add(def.location() + ": hint '" + key + "' of process '" + def.name()
                                + "' is for the local executor, and the process runs on '" + p.executor()
                                + "'; it has no effect");
                    }
                } else if (!namespaces.contains(ns)) {
                    warnings.add(def.location() + ": hint '" + key + "' of process '" + def.name()
                            + "' is for plugin '" + ns + "', which this pipeline does not enable; it has no effect");
                }
            }
            if (def.argv() != null && "local".equals(p.executor()) && wrappers.isEmpty()
                    && !def.argv().get(0).contains("{{")) {
                LocalExecutor.programProblem(def.argv().get(0), p.env()).ifPresent(problem ->
                        problems.add(new Problem(def.location(), field + ".command", problem)));
            }
            List<TaskSpec> specs = p.expand(pipeline.file().toAbsolutePath().getParent());
            plans.add(new ProcessPlan(p, specs));
        }
        // The config is the site's, shared by pipelines: a section for an executor this pipeline does not
        // use is checked when its executor is at hand (local always is), and otherwise said to be unchecked.
        Set<String> checked = new LinkedHashSet<>(used);
        for (String name : config.executors().keySet()) {
            if (used.contains(name)) {
                continue;
            }
            if (available.containsKey(name)) {
                checked.add(name);
            } else {
                Location at = config.locations().get("executors." + name);
                warnings.add((at != null ? at : configLocation(config)) + ": executors." + name + ": no process of"
                        + " this pipeline runs on the " + name + " executor, whose plugin is not enabled, so its settings"
                        + " were not checked; a pipeline that uses it checks them");
            }
        }
        for (String name : checked) {
            ExecutorSettings s = config.executors().get(name);
            Settings section = Settings.of(s == null ? Map.of() : s.raw(), "executors." + name + " of the config");
            String field = "executors." + name;
            try {
                available.get(name).validateConfig(section);
            } catch (InvalidSettingException e) {
                Location at = config.locations().getOrDefault(field + "." + e.key(), config.locations().get(field));
                problems.add(new Problem(at != null ? at : configLocation(config), field + "." + e.key(),
                        e.getMessage()));
            } catch (RuntimeException e) {
                log.error("executor '{}' failed checking its config", name, e);
                problems.add(new Problem(configLocation(config), field, "executor '" + name + "' failed checking its"
                        + " settings: " + ProcessChecks.describe(e)));
            }
        }
        if (!problems.isEmpty()) {
            if (plugins != null) {
                plugins.close();
            }
            throw new InvalidInputException(problems);
        }

        List<ExecutorSetup> setups = new ArrayList<>();
        for (String name : used) {
            ExecutorSettings s = config.executors().get(name);
            Map<String, String> raw = s == null ? Map.of() : s.raw();
            setups.add(new ExecutorSetup(available.get(name),
                    s == null || s.queueSize() == null ? 0 : s.queueSize(),
                    s == null ? null : s.submitRateLimit(),
                    s == null || s.pollInterval() == null ? DEFAULT_POLL_INTERVAL : s.pollInterval(),
                    Settings.of(raw, "executors." + name + " of the config"),
                    s == null || s.adoptLeftovers() == null || s.adoptLeftovers()));
        }
        return new RunPlan(pipeline, config, plans, plugins, checks, wrappers, monitors, setups, warnings);
    }

    /** The config file as a whole, or no place when there is none. */
    private static Location configLocation(OperatorConfig config) {
        return config.file() == null ? null : Location.ofFile(config.file());
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public OperatorConfig config() {
        return config;
    }

    public List<ProcessPlan> plans() {
        return plans;
    }

    public List<TaskReadinessGate> gates() {
        return checks.gates();
    }

    /** The plugins' checks of what a process's tasks ask for, for tasks that ask for their own. */
    public ProcessChecks checks() {
        return checks;
    }

    public List<TaskWrapper> wrappers() {
        return wrappers;
    }

    public List<TaskHealthMonitor> monitors() {
        return monitors;
    }

    public List<ExecutorSetup> executors() {
        return executors;
    }

    public List<String> warnings() {
        return warnings;
    }

    public int taskCount() {
        return plans.stream().mapToInt(p -> p.tasks().size()).sum();
    }

    /** Where plugins' task statuses ({@code PluginContext.reportStatus}) go; nowhere without plugins. */
    public void showStatusesOn(java.util.function.BiConsumer<dev.sluice.spi.TaskHandle, String> sink) {
        if (plugins != null) {
            plugins.showStatusesOn(sink);
        }
    }

    @Override
    public void close() {
        if (plugins != null) {
            plugins.close();
        }
    }
}
