package dev.sluice.plugins.apptainer;

import dev.sluice.kit.HostPathAllowList;
import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * What the plugin's gate, wrapper and monitor share: the settings, the program, the SIF cache and the
 * allow-list. The host creates each extension on its own with the same {@link PluginContext}; all three
 * get this one object through {@link #of}, so that the SIF path the wrapper puts into a command is the
 * one the gate pulled into.
 */
final class Apptainer {
    /** How often a pull waiting for another run's lock tries again. */
    static final Duration LOCK_POLL = Duration.ofSeconds(1);

    private static final Map<PluginContext, Apptainer> SHARED = Collections.synchronizedMap(new WeakHashMap<>());

    final ApptainerSettings settings;
    final ApptainerProgram program;
    final SifCache cache;
    final AllowedImages allowed;
    private volatile Path gpuEnv;

    Apptainer(ApptainerSettings settings, ApptainerProgram program, SifCache cache) {
        this.settings = settings;
        this.program = program;
        this.cache = cache;
        this.allowed = new AllowedImages(settings.allowedImages());
    }

    /**
     * The plugin's shared state for {@code context}, made on first use.
     *
     * @throws InvalidSettingException when the operator's {@code plugins.apptainer} settings are bad
     */
    static Apptainer of(PluginContext context) {
        synchronized (SHARED) {
            return SHARED.computeIfAbsent(context, c -> create(c, CommandRunner.processes(Map.of()), LOCK_POLL));
        }
    }

    /** A fresh one, for the host ({@link #of}) and for tests, which pass a runner and lock poll of their own. */
    static Apptainer create(PluginContext context, CommandRunner runner, Duration lockPoll) {
        ApptainerSettings settings = ApptainerSettings.from(context.config());
        ApptainerProgram program = new ApptainerProgram(settings.program(), System.getenv("PATH"));
        ImagePuller puller = new ImagePuller(program, runner, context.time(), settings);
        SifCache cache = new SifCache(settings.cacheDir(), puller, context.time(), settings.maxConcurrentPulls(),
                lockPoll, context::reportStatus, context.metrics(), context.logger());
        return new Apptainer(settings, program, cache);
    }

    /** The task's image, when it names one. */
    static Optional<ImageSource> image(Hints hints) {
        return hints.string(ApptainerGate.IMAGE).map(v -> ImageSource.parse(hints, ApptainerGate.IMAGE, v));
    }

    /** The operator's binds, then the process's, each of those from a host path the operator allows. */
    List<BindSpec> binds(Hints hints) {
        List<BindSpec> all = new ArrayList<>(settings.binds());
        for (BindSpec bind : BindSpec.parseAll(hints, ApptainerGate.BINDS)) {
            String refusal = settings.allowedHostPaths().refusal(bind.source(),
                    "plugins.apptainer." + HostPathAllowList.SETTING);
            if (refusal != null) {
                throw hints.invalid(ApptainerGate.BINDS, bind.spec(), refusal);
            }
            all.add(bind);
        }
        return all;
    }

    /** The operator's options, then the process's, which go beyond harmless ones only where the operator allows. */
    List<String> options(Hints hints) {
        List<String> all = new ArrayList<>(settings.options());
        List<String> own = ExecOptions.parse(hints, ApptainerGate.OPTIONS);
        ExecOptions.checkProcessOptions(hints, ApptainerGate.OPTIONS, own, settings.allowedOptions(),
                "plugins.apptainer." + ApptainerSettings.ALLOWED_OPTIONS);
        all.addAll(own);
        return all;
    }

    /** The file the task runs: the cache entry of a pulled image, the local SIF file or sandbox as it is. */
    Path imagePath(ImageSource source) {
        return switch (source) {
            case ImageSource.Remote remote -> cache.entry(remote);
            case ImageSource.LocalSif sif -> sif.file();
            case ImageSource.Sandbox sandbox -> sandbox.dir();
        };
    }

    /**
     * Whether the task holds a GPU: a gate assigned it one ({@code gpu} in {@link TaskHandle#assigned()}), or
     * it asks for accelerators, which under Slurm the scheduler assigns.
     */
    static boolean holdsGpu(TaskHandle task) {
        List<String> gpus = task.assigned().get("gpu");
        return (gpus != null && !gpus.isEmpty()) || task.resources().accelerators() > 0;
    }

    /** The {@link GpuEnvFile}, written into the cache directory the first time it is needed. */
    Path gpuEnvFile() throws TaskException {
        Path p = gpuEnv;
        if (p == null) {
            try {
                p = GpuEnvFile.ensureIn(settings.cacheDir());
            } catch (IOException e) {
                throw new TaskException("cannot write " + GpuEnvFile.NAME + " into the cache directory "
                        + settings.cacheDir() + ": " + Problems.describe(e) + "; check that it is writable, or set "
                        + "plugins.apptainer." + ApptainerSettings.CACHE_DIR, e);
            }
            gpuEnv = p;
        }
        return p;
    }
}
