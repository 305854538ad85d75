package dev.sluice.host.plugins;

import dev.sluice.gate.PluginFaults;
import dev.sluice.host.pipeline.PluginRequirement;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.ExtensionFactory;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads PF4J plugins from the plugins directories and hands out the extensions of the ones a pipeline
 * enables.
 *
 * <p>The host's version is PF4J's system version, so a plugin whose {@code plugin.requires} does not
 * match is refused. Plugin class loaders see only the SPI, PF4J and slf4j of the host
 * ({@link HostApiClassLoader}). Only plugins the pipeline names are started; the others are loaded
 * just far enough to be listed. A wrong plugin ({@link PluginChecks}) is listed as unusable with why,
 * and is an error only for a pipeline that enables it.
 */
public final class PluginHost implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PluginHost.class);
    private final List<Path> pluginsDirs;
    private final String systemVersion;
    private final SluicePluginManager manager;
    /** The plugin ids the operator allows, or {@code null} for any. */
    private java.util.Set<String> allowed;
    private String allowedWhere;

    /**
     * @param pluginConfig each plugin's settings from the operator config, by plugin id
     * @param metrics      each plugin's metrics, by plugin id
     */
    public PluginHost(Path pluginsDir, String systemVersion, Function<String, Settings> pluginConfig,
            TimeSource time, Function<String, PluginMetrics> metrics) {
        this(List.of(pluginsDir), systemVersion, pluginConfig, time, metrics);
    }

    /**
     * Over several plugins directories (the bundled one and the user's); a plugin id may be installed in
     * only one place.
     */
    public PluginHost(List<Path> pluginsDirs, String systemVersion, Function<String, Settings> pluginConfig,
            TimeSource time, Function<String, PluginMetrics> metrics) {
        this.pluginsDirs = List.copyOf(pluginsDirs);
        this.systemVersion = systemVersion;
        this.manager = new SluicePluginManager(this.pluginsDirs, pluginConfig, time, metrics);
        manager.setSystemVersion(systemVersion);
        if (this.pluginsDirs.stream().anyMatch(Files::isDirectory)) {
            manager.loadPlugins();
        }
    }

    /**
     * Only plugins of these ids may be enabled, by a pipeline or a config ({@code allowedPlugins} in the
     * operator config, {@code where}).
     */
    public void allowOnly(java.util.Collection<String> ids, String where) {
        this.allowed = java.util.Set.copyOf(ids);
        this.allowedWhere = where;
    }

    /**
     * Where {@link PluginContext#reportStatus} goes from now on: the run's task monitor. Until it is
     * set, statuses are dropped.
     */
    public void showStatusesOn(BiConsumer<TaskHandle, String> sink) {
        manager.statusSink = sink;
    }

    /** The plugins directories, in the order searched. */
    public List<Path> pluginsDirs() {
        return pluginsDirs;
    }

    /**
     * Every plugin found, started or not, usable or not, sorted by id: what {@code sluice plugins list}
     * shows. Each one's content is checked ({@link PluginChecks#contentProblem}).
     */
    public List<PluginInfo> available() {
        List<PluginInfo> result = new ArrayList<>();
        for (PluginWrapper w : manager.getPlugins()) {
            PluginDescriptor d = w.getDescriptor();
            result.add(new PluginInfo(w.getPluginId(), d.getVersion(), d.getRequires(), d.getPluginDescription(),
                    PluginZips.placeOf(w.getPluginPath()), w.getPluginState().toString(), problem(w)));
        }
        for (Refused r : manager.refused) {
            result.add(new PluginInfo(r.id() == null ? r.place().getFileName().toString() : r.id(), "?", "?", null,
                    r.place(), "UNUSABLE", r.problem()));
        }
        result.sort(Comparator.comparing(PluginInfo::id).thenComparing(PluginInfo::path));
        return result;
    }

    /** The ids of the plugins found, usable or not, without checking them further. */
    public java.util.SortedSet<String> ids() {
        java.util.SortedSet<String> ids = new java.util.TreeSet<>();
        manager.getPlugins().forEach(w -> ids.add(w.getPluginId()));
        manager.refused.stream().filter(r -> r.id() != null).forEach(r -> ids.add(r.id()));
        return ids;
    }

    /**
     * A plugin that was not loaded, where it is installed and why, ending with the fix.
     *
     * @param failure what was thrown, whose stack trace -vv shows, or {@code null}
     */
    record Refused(Path place, String id, String problem, Throwable failure) {
        Refused(Path place, String id, String problem) {
            this(place, id, problem, null);
        }
    }

    /** Why a plugin cannot be used, and what was thrown when a stack trace tells more ({@code null} if not). */
    private record Problem(String text, Throwable failure) {
    }

    /** How messages name a plugin: its id and where it is installed. */
    String nameOf(String pluginId) {
        return manager.nameOf(pluginId);
    }

    /**
     * Checks that every required plugin is present, of an accepted version and compatible with this
     * host, then starts them. Nothing is started unless all requirements hold.
     *
     * @throws PluginLoadException listing every unmet requirement, each with the pipeline location
     */
    public void enable(List<PluginRequirement> requirements) throws PluginLoadException {
        List<String> problems = new ArrayList<>();
        // The first problem's stack trace, if one has any: the cause of the exception, so that its message
        // says -vv shows it.
        Throwable[] cause = new Throwable[1];
        java.util.function.Consumer<Throwable> failed = t -> {
            if (cause[0] == null && t != null) {
                cause[0] = t;
            }
        };
        // The pipeline's plugins and the dependencies PF4J starts with them.
        java.util.Set<String> toStart = new java.util.LinkedHashSet<>();
        for (PluginRequirement req : requirements) {
            String where = req.location() == null ? "" : req.location() + ": ";
            if (allowed != null && !allowed.contains(req.id())) {
                problems.add(where + "plugin '" + req.id() + "' is not among the plugins the operator allows ("
                        + allowedInWords() + "); ask the operator to add it there, or leave it out");
                continue;
            }
            List<Refused> refused = manager.refused.stream().filter(r -> req.id().equals(r.id())).toList();
            if (!refused.isEmpty()) {
                refused.stream().map(Refused::problem).distinct()
                        .forEach(p -> problems.add(where + "plugin '" + req.id() + "' cannot be used: " + p));
                refused.forEach(r -> failed.accept(r.failure()));
                continue;
            }
            PluginWrapper w = manager.getPlugin(req.id());
            if (w == null) {
                problems.add(where + "plugin '" + req.id() + "' is not installed in " + dirsInWords() + installed()
                        + "; put its zip " + (pluginsDirs.size() == 1 ? "there" : "into one of them")
                        + ", or add the directory that has it with --plugins-dir");
                continue;
            }
            if (req.sha256() != null) {
                String mismatch = sha256Problem(w, req.sha256());
                if (mismatch != null) {
                    problems.add(where + "plugin '" + req.id() + "': " + mismatch);
                    continue;
                }
            }
            String version = w.getDescriptor().getVersion();
            if (req.version() != null && !req.version().isBlank()) {
                boolean accepted;
                try {
                    accepted = manager.getVersionManager().checkVersionConstraint(version, req.version());
                } catch (RuntimeException e) {
                    problems.add(where + "plugin '" + req.id() + "': version constraint '" + req.version()
                            + "' does not parse (" + e.getMessage() + "); write e.g. '>=1.2.0 & <2.0.0'");
                    continue;
                }
                if (!accepted) {
                    problems.add(where + "plugin '" + req.id() + "' is version " + version
                            + ", the pipeline asks for '" + req.version() + "'; install a matching version");
                    continue;
                }
            }
            Problem problem = usability(w);
            if (problem != null) {
                problems.add(where + "plugin '" + req.id() + "' " + version + " cannot be used: " + problem.text());
                failed.accept(problem.failure());
                continue;
            }
            toStart.add(req.id());
            dependencies(req.id(), w, List.of(), toStart, where, problems, failed);
        }
        if (!problems.isEmpty()) {
            throw new PluginLoadException(String.join("\n", problems), cause[0]);
        }
        manager.mayStart.addAll(toStart);
        for (PluginRequirement req : requirements) {
            PluginState state;
            try {
                state = manager.startPlugin(req.id());
            } catch (RuntimeException e) {
                log.debug("plugin '{}' failed to start", req.id(), e);
                throw new PluginLoadException(nameOf(req.id()) + " failed to start: " + describe(e), e);
            }
            if (state != PluginState.STARTED) {
                PluginWrapper w = manager.getPlugin(req.id());
                Throwable failure = w.getFailedException();
                if (failure != null) {
                    log.debug("plugin '{}' failed to start", req.id(), failure);
                }
                throw new PluginLoadException(nameOf(req.id()) + " failed to start"
                        + (failure == null ? " (state " + state + ")" : ": " + describe(failure)), failure);
            }
            enabled.add(req.id());
        }
    }

    /** The plugins a pipeline enabled: only theirs are its extensions, not their dependencies'. */
    private final java.util.Set<String> enabled = new java.util.LinkedHashSet<>();

    /**
     * Checks the plugins {@code w} depends on as a pipeline's own plugins are checked, since PF4J starts them
     * with it: each must be allowed by the operator and usable, else the pipeline's plugin {@code needer} cannot
     * be used. Each, and what it depends on, is added to {@code toStart}. A dependency marked optional that is
     * installed is started as well when it passes, and left out (the plugin starts without it) when it does not.
     *
     * @param via the dependencies between {@code needer} and {@code w}, for messages
     */
    private void dependencies(String needer, PluginWrapper w, List<String> via, java.util.Set<String> toStart,
            String where, List<String> problems, java.util.function.Consumer<Throwable> failed) {
        for (org.pf4j.PluginDependency dep : w.getDescriptor().getDependencies()) {
            String id = dep.getPluginId();
            if (toStart.contains(id)) {
                continue;
            }
            PluginWrapper d = manager.getPlugin(id);
            List<String> path = java.util.stream.Stream.concat(via.stream(), java.util.stream.Stream.of(id)).toList();
            String needs = where + "plugin '" + needer + "' needs plugin '" + id + "' (plugin.dependencies"
                    + (via.isEmpty() ? "" : ", through " + String.join(" -> ", via)) + "), which ";
            if (dep.isOptional()) {
                String support = dep.getPluginVersionSupport();
                if (d == null || support != null && !support.isBlank() && !"*".equals(support)
                        && !manager.versionMatches(d.getDescriptor().getVersion(), support)) {
                    continue;
                }
                java.util.Set<String> trial = new java.util.LinkedHashSet<>(toStart);
                trial.add(id);
                List<String> trialProblems = new ArrayList<>();
                Problem problem = dependencyProblem(d);
                if (problem == null) {
                    dependencies(needer, d, path, trial, where, trialProblems, t -> { });
                }
                if (problem == null && trialProblems.isEmpty()) {
                    toStart.addAll(trial);
                } else {
                    log.debug("plugin '{}' starts without its optional dependency '{}': {}", w.getPluginId(), id,
                            problem != null ? problem.text() : String.join("; ", trialProblems));
                }
                continue;
            }
            if (d == null) {
                // Refused while loading, with its dependents; here only if that changes.
                problems.add(needs + "is not installed or cannot be used (sluice plugins list shows why)");
                continue;
            }
            Problem problem = dependencyProblem(d);
            if (problem != null) {
                problems.add(needs + problem.text());
                failed.accept(problem.failure());
                continue;
            }
            toStart.add(id);
            dependencies(needer, d, path, toStart, where, problems, failed);
        }
    }

    /** Why a plugin cannot start as another's dependency, as the end of "... needs plugin 'b', which ", or null. */
    private Problem dependencyProblem(PluginWrapper d) {
        if (allowed != null && !allowed.contains(d.getPluginId())) {
            return new Problem("the operator does not allow (" + allowedInWords() + "); ask the operator to add it"
                    + " there, or leave the plugin that needs it out", null);
        }
        Problem problem = usability(d);
        return problem == null ? null
                : new Problem("cannot be used: " + problem.text(), problem.failure());
    }

    private String allowedInWords() {
        return String.join(", ", new java.util.TreeSet<>(allowed)) + ", in " + allowedWhere;
    }

    /** Why a loaded plugin cannot be used, or {@code null}: its state and contents, then its extension classes. */
    private Problem usability(PluginWrapper w) {
        Problem problem = problemOf(w);
        return problem != null ? problem : extensionClassesProblem(w);
    }

    /** The extension points a plugin's {@code @Extension} classes implement. */
    private static final List<Class<?>> EXTENSION_POINTS = List.of(TaskReadinessGate.class, TaskExecutor.class,
            TaskWrapper.class, TaskHealthMonitor.class);

    /**
     * Why a plugin's indexed extension classes would not all reach the host, or {@code null}: PF4J drops
     * one that cannot be loaded, or that implements none of the extension points, with a log line only.
     */
    private Problem extensionClassesProblem(PluginWrapper w) {
        Path place = PluginZips.placeOf(w.getPluginPath());
        for (String name : new java.util.TreeSet<>(manager.getExtensionClassNames(w.getPluginId()))) {
            Class<?> type;
            try {
                type = w.getPluginClassLoader().loadClass(name);
            } catch (ClassNotFoundException | LinkageError e) {
                log.debug("plugin '{}': extension {} cannot be loaded", w.getPluginId(), name, e);
                String missing = PluginFaults.missingClass(e);
                return new Problem("its extension " + name + " (in " + place + ") cannot be loaded: "
                        + (missing == null || missing.equals(name) ? "the class is not in the plugin; rebuild the zip"
                                : PluginFaults.missingClassProblem(missing)), e);
            }
            if (EXTENSION_POINTS.stream().noneMatch(p -> p.isAssignableFrom(type))) {
                return new Problem("its extension " + name + " (in " + place + ") implements none of sluice's"
                        + " extension points (" + String.join(", ", EXTENSION_POINTS.stream().map(Class::getSimpleName)
                                .toList()) + "); implement one, or remove its @Extension", null);
            }
        }
        return null;
    }

    public List<TaskReadinessGate> gates() throws PluginLoadException {
        List<TaskReadinessGate> gates = unique(extensions(TaskReadinessGate.class), "readiness gates", "id()",
                TaskReadinessGate::id);
        gates.sort(Comparator.comparingInt(TaskReadinessGate::priority).thenComparing(TaskReadinessGate::id));
        return gates;
    }

    public List<TaskExecutor> executors() throws PluginLoadException {
        List<TaskExecutor> executors = unique(extensions(TaskExecutor.class), "executors", "name()",
                TaskExecutor::name);
        for (TaskExecutor e : executors) {
            if ("local".equals(e.name())) {
                throw new PluginLoadException("executor " + e.getClass().getName() + " of " + nameOf(pluginOf(e))
                        + " is named 'local', the name of sluice's own executor; change its name()");
            }
        }
        return executors;
    }

    public List<TaskWrapper> wrappers() throws PluginLoadException {
        List<TaskWrapper> wrappers = unique(extensions(TaskWrapper.class), "wrappers", "id()", TaskWrapper::id);
        wrappers.sort(Comparator.comparingInt(TaskWrapper::priority).thenComparing(TaskWrapper::id));
        return wrappers;
    }

    public List<TaskHealthMonitor> monitors() throws PluginLoadException {
        return unique(extensions(TaskHealthMonitor.class), "health monitors", "id()", TaskHealthMonitor::id);
    }

    /**
     * The extensions, once each one's id is known to be set and unique among those of its kind in every
     * enabled plugin: the id names the extension's hints, trace columns and log lines, so two of one id
     * cannot both run. Checked here so that {@code validate} refuses what {@code run} would.
     *
     * @param kind   what they are, plural, for people
     * @param method the method that gives the id
     */
    private <T> List<T> unique(List<T> extensions, String kind, String method, Function<T, String> idOf)
            throws PluginLoadException {
        List<String> problems = new ArrayList<>();
        java.util.Map<String, T> byId = new java.util.LinkedHashMap<>();
        for (T e : extensions) {
            String of = e.getClass().getName() + " of " + nameOf(pluginOf(e));
            String id;
            try {
                id = idOf.apply(e);
            } catch (RuntimeException failure) {
                log.debug("{} failed in {}", of, method, failure);
                problems.add(of + " failed in its " + method + ": " + describe(failure));
                continue;
            }
            if (id == null || id.isBlank()) {
                problems.add(of + " returns " + (id == null ? "null" : "'" + id + "'") + " from " + method
                        + "; return a stable, non-blank id, such as the plugin's id");
                continue;
            }
            T earlier = byId.putIfAbsent(id, e);
            if (earlier != null) {
                String other = earlier.getClass().getName() + " of " + nameOf(pluginOf(earlier));
                // In a stable order: PF4J's is not.
                List<String> pair = java.util.stream.Stream.of(other, of).sorted().toList();
                problems.add("two " + kind + " have the id '" + id + "': " + pair.get(0) + ", and " + pair.get(1)
                        + "; an id must"
                        + " be unique, since it names the extension's hints: change one's " + method
                        + (java.util.Objects.equals(pluginOf(earlier), pluginOf(e)) ? ""
                                : ", or leave one of the plugins out of the pipeline"));
            }
        }
        if (!problems.isEmpty()) {
            throw new PluginLoadException(String.join("\n", problems));
        }
        return extensions;
    }

    /** The id of the plugin an extension came from, or {@code null} for the host's own. */
    public String pluginOf(Object extension) {
        PluginWrapper w = manager.whichPlugin(extension.getClass());
        return w == null ? null : w.getPluginId();
    }

    /**
     * The extensions of the plugins the pipeline enabled, in their order; not those of the plugins they depend
     * on, which PF4J started with them: a pipeline runs the gates, wrappers and monitors of the plugins it names.
     */
    private <T> List<T> extensions(Class<T> type) throws PluginLoadException {
        try {
            List<T> found = new ArrayList<>();
            for (String id : enabled) {
                found.addAll(manager.getExtensions(type, id));
            }
            return found;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ContextExtensionFactory.ExtensionCreationException created) {
                    log.debug("extension creation failed", e);
                    if (created.setting() != null) {
                        throw new PluginSettingsException(created.pluginId(), created.setting());
                    }
                    throw new PluginLoadException(created.getMessage(), e);
                }
            }
            log.debug("a plugin's {} could not be created", type.getSimpleName(), e);
            throw new PluginLoadException("a plugin's " + type.getSimpleName() + " could not be created: "
                    + describe(e), e);
        }
    }

    /**
     * Why the plugin does not match the SHA-256 a pipeline pins it to, or {@code null} when it does: the
     * digest is of the zip the plugin's directory was extracted from, as the zip is now.
     */
    private static String sha256Problem(PluginWrapper w, String pinned) {
        Path dir = w.getPluginPath();
        Path zip = dir.resolveSibling(dir.getFileName() + ".zip");
        String extractedFrom = PluginZips.zipSha256(dir);
        if (!Files.isRegularFile(zip) || extractedFrom == null) {
            return "the pipeline pins its zip's sha256, but it is installed as the directory " + dir
                    + " without its zip; install the zip itself";
        }
        String now;
        try {
            now = PluginZips.sha256(zip);
        } catch (java.io.IOException e) {
            return "cannot read its zip " + zip + " to check its sha256: " + dev.sluice.kit.IoErrors.describe(e);
        }
        if (!now.equals(pinned.toLowerCase(java.util.Locale.ROOT))) {
            return "its zip " + zip + " has sha256 " + now + ", the pipeline pins " + pinned
                    + "; install the zip the pipeline was written for, or update the pin if this one is trusted";
        }
        if (!now.equals(extractedFrom)) {
            return "its directory " + dir + " was not extracted from its zip as the zip is now; delete the"
                    + " directory, and sluice extracts the zip again";
        }
        return null;
    }

    private String installed() {
        List<String> ids = manager.getPlugins().stream().map(PluginWrapper::getPluginId).sorted().toList();
        return ids.isEmpty() ? " (no plugins are installed " + (pluginsDirs.size() == 1 ? "there" : "in them") + ")"
                : " (installed: " + String.join(", ", ids) + ")";
    }

    private String dirsInWords() {
        return pluginsDirs.size() == 1 ? pluginsDirs.get(0).toString()
                : String.join(", ", pluginsDirs.stream().map(Path::toString).toList());
    }

    /** Checked contents by plugin id: the problem, or empty when there is none. */
    private final java.util.Map<String, java.util.Optional<Problem>> contentProblems =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Why a loaded plugin cannot be used, or {@code null}: its state, then what it holds. */
    private String problem(PluginWrapper w) {
        Problem problem = problemOf(w);
        return problem == null ? null : problem.text();
    }

    private Problem problemOf(PluginWrapper w) {
        Path place = PluginZips.placeOf(w.getPluginPath());
        return switch (w.getPluginState()) {
            case DISABLED -> new Problem(PluginChecks.its(place) + " requires sluice " + w.getDescriptor().getRequires()
                    + " and this is " + systemVersion + "; install a version of the plugin built for this sluice", null);
            case FAILED -> new Problem(PluginChecks.its(place) + " failed to load"
                    + (w.getFailedException() == null ? "" : ": " + describe(w.getFailedException())),
                    w.getFailedException());
            default -> contentProblems.computeIfAbsent(w.getPluginId(), id -> {
                try {
                    return java.util.Optional.ofNullable(PluginChecks.contentProblem(w.getPluginPath(), place,
                            PluginHost.class.getClassLoader())).map(p -> new Problem(p, null));
                } catch (java.io.IOException e) {
                    log.debug("plugin '{}' cannot be read", id, e);
                    return java.util.Optional.of(new Problem(PluginChecks.its(place) + " cannot be read: "
                            + dev.sluice.kit.IoErrors.describe(e), e));
                }
            }).orElse(null);
        };
    }

    /** A failure in words, without exception classes ({@link PluginFaults#describe}); its stack trace is for the log. */
    static String describe(Throwable e) {
        String classProblem = PluginFaults.classProblem(e);
        if (classProblem != null) {
            return classProblem;
        }
        String said = PluginFaults.describe(e);
        return said != null ? said : "it failed without saying why (the log has the details; -vv shows them)";
    }

    @Override
    public void close() {
        // PF4J's stopPlugins() modifies the list it iterates (3.15); stop each one from a copy instead.
        List<PluginWrapper> started = new ArrayList<>(manager.getStartedPlugins());
        java.util.Collections.reverse(started);
        for (PluginWrapper w : started) {
            try {
                manager.stopPlugin(w.getPluginId());
            } catch (RuntimeException e) {
                log.debug("plugin '{}' failed to stop", w.getPluginId(), e);
                log.warn("plugin '{}' failed to stop: {}", w.getPluginId(), describe(e));
            }
        }
        manager.unloadPlugins();
    }

    /** PF4J configured for sluice: filtered class loaders, context-injecting extension factory. */
    private static final class SluicePluginManager extends DefaultPluginManager {
        private final Function<String, Settings> pluginConfig;
        private final TimeSource time;
        private final Function<String, PluginMetrics> metrics;
        private volatile BiConsumer<TaskHandle, String> statusSink;

        /** The plugins found at the last load that are not loaded, each with why. */
        final List<Refused> refused = new ArrayList<>();

        SluicePluginManager(List<Path> roots, Function<String, Settings> pluginConfig, TimeSource time,
                Function<String, PluginMetrics> metrics) {
            super(roots);
            this.pluginConfig = pluginConfig;
            this.time = time;
            this.metrics = metrics;
        }

        @Override
        protected org.pf4j.PluginRepository createPluginRepository() {
            return new PluginZips(getPluginsRoots(), PluginZips.Limits.DEFAULT);
        }

        /**
         * PF4J's loading, except that a wrong plugin is refused with why, for {@code plugins list} and for a
         * pipeline that enables it, instead of being dropped with a log line or failing the whole load (a
         * {@code plugin.requires} that does not parse did): the other plugins stay usable. A plugin id
         * installed in two places is refused in both, so that which one runs never depends on the order.
         */
        @Override
        public void loadPlugins() {
            refused.clear();
            List<Path> paths = pluginRepository.getPluginPaths();
            for (PluginZips.Broken b : ((PluginZips) pluginRepository).broken()) {
                refused.add(new Refused(b.zip(), b.id(), "its zip " + b.zip() + " cannot be extracted: " + b.problem()
                        + "; replace the zip with one built by the plugin's own build"));
            }
            java.util.Map<String, List<Path>> byId = new java.util.LinkedHashMap<>();
            for (Path path : paths) {
                if (!Files.exists(path.resolve("plugin.properties"))
                        && !Files.exists(path.resolve("META-INF/MANIFEST.MF"))) {
                    // Not a plugin at all (a folder kept beside them), as PF4J sees it too.
                    log.debug("{} has no plugin descriptor; not a plugin", path);
                    continue;
                }
                Path place = PluginZips.placeOf(path);
                PluginDescriptor d;
                try {
                    d = getPluginDescriptorFinder().find(path);
                } catch (RuntimeException e) {
                    log.debug("no descriptor in {}", path, e);
                    refused.add(new Refused(place, null, PluginChecks.its(place) + " has no readable"
                            + " plugin.properties (" + describe(e) + "); install a zip built by the plugin's own build",
                            e));
                    continue;
                }
                String problem = PluginChecks.descriptorProblem(d, place, getVersionManager(), getSystemVersion());
                if (problem != null) {
                    refused.add(new Refused(place, d.getPluginId() == null || d.getPluginId().isBlank() ? null
                            : d.getPluginId(), problem));
                    continue;
                }
                byId.computeIfAbsent(d.getPluginId(), id -> new ArrayList<>()).add(path);
            }
            for (java.util.Map.Entry<String, List<Path>> e : byId.entrySet()) {
                List<Path> found = e.getValue();
                if (found.size() > 1) {
                    List<String> places = found.stream().map(p -> PluginZips.placeOf(p).toString()).toList();
                    String problem = "it is installed in more than one place: " + String.join(" and ", places)
                            + "; a plugin id may be installed in one place only: remove all but one"
                            + " (--no-bundled-plugins leaves out the bundled plugins)";
                    found.forEach(path -> refused.add(new Refused(PluginZips.placeOf(path), e.getKey(), problem)));
                    continue;
                }
                Path path = found.get(0);
                try {
                    loadPluginFromPath(path);
                } catch (RuntimeException failure) {
                    log.debug("plugin {} failed to load", path, failure);
                    Path place = PluginZips.placeOf(path);
                    refused.add(new Refused(place, e.getKey(), PluginChecks.its(place) + " cannot be loaded: "
                            + describe(failure) + "; install a zip built by the plugin's own build", failure));
                }
            }
            refuseCycles();
            refuseUnmetDependencies();
            try {
                resolvePlugins();
            } catch (RuntimeException unresolved) {
                // Cycles and unmet dependencies are refused above, each plugin alone; should PF4J still fail to
                // resolve, the plugins that declare dependencies are refused, and the others stay usable.
                log.debug("plugin dependencies could not be resolved", unresolved);
                for (PluginWrapper w : new ArrayList<>(getPlugins())) {
                    if (!w.getDescriptor().getDependencies().isEmpty()) {
                        refuse(w, "has plugin.dependencies that PF4J cannot resolve: " + describe(unresolved)
                                + "; check the plugins' plugin.dependencies", unresolved);
                    }
                }
                resolvePlugins();
            }
        }

        /**
         * Each plugin on a cycle of plugin.dependencies (not counting optional ones, as PF4J does not) is refused,
         * naming the cycle; PF4J would fail to resolve every plugin instead. Their dependents are refused after,
         * as plugins whose dependency cannot be used.
         */
        private void refuseCycles() {
            java.util.SortedMap<String, List<String>> needs = new java.util.TreeMap<>();
            for (PluginWrapper w : getPlugins()) {
                needs.put(w.getPluginId(), w.getDescriptor().getDependencies().stream()
                        .filter(d -> !d.isOptional() && getPlugin(d.getPluginId()) != null)
                        .map(org.pf4j.PluginDependency::getPluginId).distinct().sorted().toList());
            }
            java.util.Map<String, List<String>> cycles = new java.util.LinkedHashMap<>();
            for (String id : needs.keySet()) {
                List<String> cycle = shortestCycle(id, needs);
                if (cycle != null) {
                    cycles.put(id, cycle);
                }
            }
            cycles.forEach((id, cycle) -> refuse(getPlugin(id), "has plugin.dependencies that form a cycle: "
                    + String.join(" -> ", cycle) + "; remove one of these dependencies"));
        }

        /** The shortest path of dependencies from {@code id} back to itself, both ends included, or null. */
        private static List<String> shortestCycle(String id, java.util.Map<String, List<String>> needs) {
            java.util.Map<String, String> reachedFrom = new java.util.HashMap<>();
            java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>();
            queue.add(id);
            while (!queue.isEmpty()) {
                String at = queue.poll();
                for (String next : needs.getOrDefault(at, List.of())) {
                    if (next.equals(id)) {
                        java.util.LinkedList<String> path = new java.util.LinkedList<>(List.of(id));
                        for (String back = at; !back.equals(id); back = reachedFrom.get(back)) {
                            path.addFirst(back);
                        }
                        path.addFirst(id);
                        return path;
                    }
                    if (reachedFrom.putIfAbsent(next, at) == null) {
                        queue.add(next);
                    }
                }
            }
            return null;
        }

        /**
         * A plugin whose plugin.dependencies names a plugin that is not installed (or refused), or in a version
         * the dependency is not, or gives a version constraint that does not parse, is refused; PF4J would fail
         * the whole load instead, for every pipeline. Repeated until nothing changes: a refused plugin's dependents
         * are refused too.
         */
        private void refuseUnmetDependencies() {
            boolean changed = true;
            while (changed) {
                changed = false;
                for (PluginWrapper w : new ArrayList<>(getPlugins())) {
                    String problem = null;
                    for (org.pf4j.PluginDependency dep : w.getDescriptor().getDependencies()) {
                        PluginWrapper needed = getPlugin(dep.getPluginId());
                        String support = dep.getPluginVersionSupport();
                        boolean constrained = support != null && !support.isBlank() && !"*".equals(support);
                        if (constrained && !versionParses(support)) {
                            // Optional or not, the plugin's build is wrong (for a required one, PF4J's resolution
                            // would fail every plugin's load).
                            problem = "has '" + dep.getPluginId() + "@" + support + "' in its plugin.dependencies:"
                                    + " the version constraint '" + support + "' does not parse; write e.g. '"
                                    + dep.getPluginId() + "@>=1.0.0'";
                        } else if (dep.isOptional()) {
                            continue;
                        } else if (needed == null && refused.stream().anyMatch(r -> dep.getPluginId().equals(r.id()))) {
                            problem = "names plugin '" + dep.getPluginId() + "' in its plugin.dependencies, and plugin '"
                                    + dep.getPluginId() + "' cannot be used (sluice plugins list shows why); fix it, or"
                                    + " mark the dependency optional ('" + dep.getPluginId() + "?')";
                        } else if (needed == null) {
                            problem = "names plugin '" + dep.getPluginId() + "' in its plugin.dependencies, which is"
                                    + " not installed; install it beside this one, or mark the dependency optional ('"
                                    + dep.getPluginId() + "?')";
                        } else if (constrained && !versionMatches(needed.getDescriptor().getVersion(), support)) {
                            problem = "needs plugin '" + dep.getPluginId() + "' " + support
                                    + " (plugin.dependencies), and the one installed is "
                                    + needed.getDescriptor().getVersion() + "; install a version that matches";
                        }
                        if (problem != null) {
                            break;
                        }
                    }
                    if (problem != null) {
                        refuse(w, problem);
                        changed = true;
                    }
                }
            }
        }

        private boolean versionMatches(String version, String constraint) {
            try {
                return getVersionManager().checkVersionConstraint(version, constraint);
            } catch (RuntimeException e) {
                return false;
            }
        }

        private boolean versionParses(String constraint) {
            try {
                getVersionManager().checkVersionConstraint("0.0.0", constraint);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        private void refuse(PluginWrapper w, String problem) {
            refuse(w, problem, null);
        }

        private void refuse(PluginWrapper w, String problem, Throwable failure) {
            Path place = PluginZips.placeOf(w.getPluginPath());
            refused.add(new Refused(place, w.getPluginId(), PluginChecks.its(place) + " " + problem, failure));
            unloadPlugin(w.getPluginId(), false, false); // not resolving: the others are resolved after
        }

        /**
         * The plugins {@link #enable} checked, the pipeline's and their dependencies: PF4J starts a plugin's
         * dependencies with it, optional ones too when installed, and only these may be.
         */
        final java.util.Set<String> mayStart = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public PluginState startPlugin(String pluginId) {
            PluginWrapper w = getPlugin(pluginId);
            if (w != null && !mayStart.contains(pluginId)) {
                // An optional dependency left out: PF4J starts the plugin that names it without it.
                return w.getPluginState();
            }
            return super.startPlugin(pluginId);
        }

        String nameOf(String pluginId) {
            PluginWrapper w = getPlugin(pluginId);
            return "plugin '" + pluginId + "'" + (w == null ? "" : " (" + PluginZips.placeOf(w.getPluginPath()) + ")");
        }

        @Override
        protected PluginLoader createPluginLoader() {
            ClassLoader hostApi = new HostApiClassLoader(PluginHost.class.getClassLoader());
            PluginManager self = this;
            return new CompoundPluginLoader().add(new DefaultPluginLoader(self) {
                @Override
                protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                    return new PluginClassLoader(self, descriptor, hostApi);
                }
            });
        }

        /**
         * Only plugins add extensions: PF4J also reads the extension index of the host's own class path,
         * where a plugin's classes can be too (a plugin's tests run sluice from their class path), and
         * would then add each of that plugin's extensions a second time, as the host's.
         */
        @Override
        protected org.pf4j.ExtensionFinder createExtensionFinder() {
            return new org.pf4j.IndexedExtensionFinder(this) {
                @Override
                public java.util.Map<String, java.util.Set<String>> readClasspathStorages() {
                    return java.util.Map.of();
                }
            };
        }

        @Override
        protected ExtensionFactory createExtensionFactory() {
            return new ContextExtensionFactory(this::contextFor, this::nameOf);
        }

        /** One context per plugin, shared by its extensions, so that plugin-wide state can hang off it. */
        private final java.util.Map<String, PluginContext> contexts = new java.util.concurrent.ConcurrentHashMap<>();

        private PluginContext contextFor(Class<?> extensionClass) {
            PluginWrapper w = whichPlugin(extensionClass);
            String id = w == null ? "host" : w.getPluginId();
            // Fields are read lazily: PF4J creates the factory from the super constructor.
            return contexts.computeIfAbsent(id, pluginId -> new HostPluginContext(pluginId, pluginConfig.apply(pluginId),
                    time, metrics.apply(pluginId), (task, status) -> {
                        BiConsumer<TaskHandle, String> sink = statusSink;
                        if (sink != null) {
                            sink.accept(task, status);
                        }
                    }));
        }
    }
}
