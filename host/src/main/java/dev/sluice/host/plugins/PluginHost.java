package dev.sluice.host.plugins;

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
 * Loads PF4J plugins from a plugins directory and hands out the extensions of the ones a pipeline
 * enables.
 *
 * <p>The host's version is PF4J's system version, so a plugin whose {@code plugin.requires} does not
 * match is refused. Plugin class loaders see only the SPI, PF4J and slf4j of the host
 * ({@link HostApiClassLoader}). Only plugins the pipeline names are started; the others are loaded
 * just far enough to be listed.
 */
public final class PluginHost implements AutoCloseable {
    private final Path pluginsDir;
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
        this.pluginsDir = pluginsDir;
        this.systemVersion = systemVersion;
        this.manager = new SluicePluginManager(pluginsDir, pluginConfig, time, metrics);
        manager.setSystemVersion(systemVersion);
        if (Files.isDirectory(pluginsDir)) {
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

    public Path pluginsDir() {
        return pluginsDir;
    }

    /** Every plugin found, started or not, sorted by id. */
    public List<PluginInfo> available() {
        List<PluginInfo> result = new ArrayList<>();
        for (PluginWrapper w : manager.getPlugins()) {
            PluginDescriptor d = w.getDescriptor();
            result.add(new PluginInfo(w.getPluginId(), d.getVersion(), d.getRequires(), d.getPluginDescription(),
                    w.getPluginPath(), w.getPluginState().toString(), problem(w)));
        }
        for (PluginZips.Broken b : manager.brokenZips()) {
            result.add(new PluginInfo(b.id() == null ? b.zip().getFileName().toString() : b.id(), "?", "", null,
                    b.zip(), "BROKEN", brokenProblem(b)));
        }
        result.sort(Comparator.comparing(PluginInfo::id));
        return result;
    }

    private static String brokenProblem(PluginZips.Broken b) {
        return "its zip " + b.zip().getFileName() + " cannot be extracted: " + b.problem()
                + "; replace the zip with one built by the plugin's own build";
    }

    /**
     * Checks that every required plugin is present, of an accepted version and compatible with this
     * host, then starts them. Nothing is started unless all requirements hold.
     *
     * @throws PluginLoadException listing every unmet requirement, each with the pipeline location
     */
    public void enable(List<PluginRequirement> requirements) throws PluginLoadException {
        List<String> problems = new ArrayList<>();
        for (PluginRequirement req : requirements) {
            String where = req.location() == null ? "" : req.location() + ": ";
            if (allowed != null && !allowed.contains(req.id())) {
                problems.add(where + "plugin '" + req.id() + "' is not among the plugins the operator allows ("
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + ", in " + allowedWhere
                        + "); ask the operator to add it there, or leave it out");
                continue;
            }
            PluginZips.Broken brokenZip = manager.brokenZips().stream().filter(b -> req.id().equals(b.id()))
                    .findFirst().orElse(null);
            if (brokenZip != null) {
                problems.add(where + "plugin '" + req.id() + "' cannot be used: " + brokenProblem(brokenZip));
                continue;
            }
            PluginWrapper w = manager.getPlugin(req.id());
            if (w == null) {
                problems.add(where + "plugin '" + req.id() + "' is not installed in " + pluginsDir
                        + installed() + "; put its zip there or pass --plugins-dir");
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
            String problem = problem(w);
            if (problem != null) {
                problems.add(where + "plugin '" + req.id() + "' " + version + " cannot be used: " + problem);
            }
        }
        if (!problems.isEmpty()) {
            throw new PluginLoadException(String.join("\n", problems));
        }
        for (PluginRequirement req : requirements) {
            PluginState state;
            try {
                state = manager.startPlugin(req.id());
            } catch (RuntimeException e) {
                throw new PluginLoadException("plugin '" + req.id() + "' failed to start: " + rootMessage(e), e);
            }
            if (state != PluginState.STARTED) {
                PluginWrapper w = manager.getPlugin(req.id());
                Throwable failure = w.getFailedException();
                throw new PluginLoadException("plugin '" + req.id() + "' failed to start"
                        + (failure == null ? " (state " + state + ")" : ": " + rootMessage(failure)), failure);
            }
        }
    }

    public List<TaskReadinessGate> gates() throws PluginLoadException {
        List<TaskReadinessGate> gates = extensions(TaskReadinessGate.class);
        gates.sort(Comparator.comparingInt(TaskReadinessGate::priority).thenComparing(TaskReadinessGate::id));
        return gates;
    }

    public List<TaskExecutor> executors() throws PluginLoadException {
        return extensions(TaskExecutor.class);
    }

    public List<TaskWrapper> wrappers() throws PluginLoadException {
        List<TaskWrapper> wrappers = extensions(TaskWrapper.class);
        wrappers.sort(Comparator.comparingInt(TaskWrapper::priority).thenComparing(TaskWrapper::id));
        return wrappers;
    }

    public List<TaskHealthMonitor> monitors() throws PluginLoadException {
        return extensions(TaskHealthMonitor.class);
    }

    /** The id of the plugin an extension came from, or {@code null} for the host's own. */
    public String pluginOf(Object extension) {
        PluginWrapper w = manager.whichPlugin(extension.getClass());
        return w == null ? null : w.getPluginId();
    }

    private <T> List<T> extensions(Class<T> type) throws PluginLoadException {
        try {
            return new ArrayList<>(manager.getExtensions(type));
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ContextExtensionFactory.ExtensionCreationException created) {
                    org.slf4j.LoggerFactory.getLogger(PluginHost.class).debug("extension creation failed", e);
                    if (created.setting() != null) {
                        throw new PluginSettingsException(created.pluginId(), created.setting());
                    }
                    throw new PluginLoadException(created.getMessage(), e);
                }
            }
            throw new PluginLoadException("a plugin's " + type.getSimpleName() + " could not be created: "
                    + rootMessage(e), e);
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
        return ids.isEmpty() ? " (no plugins are installed there)" : " (installed: " + String.join(", ", ids) + ")";
    }

    private String problem(PluginWrapper w) {
        return switch (w.getPluginState()) {
            case DISABLED -> "it requires sluice " + w.getDescriptor().getRequires() + " and this is "
                    + systemVersion + "; install a version of the plugin built for this sluice";
            case FAILED -> "it failed to load"
                    + (w.getFailedException() == null ? "" : ": " + rootMessage(w.getFailedException()));
            default -> null;
        };
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        return t == e || msg == null ? String.valueOf(e.getMessage() == null ? e : e.getMessage())
                : e.getMessage() + " (" + t.getClass().getSimpleName() + ": " + msg + ")";
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
                org.slf4j.LoggerFactory.getLogger(PluginHost.class).warn("plugin '{}' failed to stop: {}",
                        w.getPluginId(), e.toString());
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

        SluicePluginManager(Path root, Function<String, Settings> pluginConfig, TimeSource time,
                Function<String, PluginMetrics> metrics) {
            super(root);
            this.pluginConfig = pluginConfig;
            this.time = time;
            this.metrics = metrics;
        }

        @Override
        protected org.pf4j.PluginRepository createPluginRepository() {
            return new PluginZips(getPluginsRoot());
        }

        /** Zips found broken at the last load, each with why. */
        List<PluginZips.Broken> brokenZips() {
            return ((PluginZips) pluginRepository).broken();
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
            return new ContextExtensionFactory(this::contextFor);
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
