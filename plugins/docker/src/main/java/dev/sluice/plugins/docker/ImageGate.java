package dev.sluice.plugins.docker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.spi.GatePolicy;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The {@code docker} readiness gate: before a task of the docker executor is submitted, its image
 * ({@code docker/image}) is allowed by the operator's allow-list, decided from the reference before the
 * engine or any registry is asked ({@link ImageRules}), and present on the engine, pulled when missing
 * and pulls are allowed. Tasks of other executors pass at once.
 *
 * <p>One pull serves every task waiting for the same image; its progress shows in the live display
 * of each of them. Hints: {@code docker/skip}, {@code docker/maxWait} (how long a task may wait for a
 * pull), and the executor's {@code docker/image}, {@code docker/isolation}, {@code docker/mounts}, which
 * this gate checks before anything runs.
 */
@Extension
public final class ImageGate implements TaskReadinessGate {
    static final String ID = DockerExecutor.NAME;
    /** The hints the plugin reads, without the namespace. */
    private static final List<String> HINTS = List.of("image", "isolation", "mounts", GatePolicy.SKIP,
            GatePolicy.MAX_WAIT);

    private final PluginContext context;
    private final DockerSettings settings;
    private final Logger log;
    private final Function<String, Engine> connect;
    private volatile Engine engine;
    /** Images known present, by reference; short-lived so that an image removed meanwhile is noticed. */
    private final Cache<String, Engine.ImageInfo> present = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(30)).maximumSize(10_000).build();
    private final Map<String, Pull> pulls = new ConcurrentHashMap<>();
    /** Under {@code pull: always}, the images already pulled in this run. */
    private final Set<String> pulledThisRun = ConcurrentHashMap.newKeySet();

    /** @throws InvalidSettingException when the operator's {@code plugins.docker} settings are bad */
    public ImageGate(PluginContext context) {
        this(context, DockerJavaEngine::connect);
    }

    /** @param connect the engine at an address ({@code plugins.docker.host}), asked for on first use */
    ImageGate(PluginContext context, Function<String, Engine> connect) {
        this.context = context;
        this.settings = DockerSettings.from(context.config());
        this.log = context.logger();
        this.connect = connect;
    }

    @Override
    public String id() {
        return ID;
    }

    /** The image's hints, and the allow-list as the gate will apply it: what it refuses, validate refuses. */
    @Override
    public void validateHints(Hints hints) {
        TaskReadinessGate.super.validateHints(hints);
        hints.requireKnown(ID, HINTS);
        TaskOptions.of(hints, settings).ifPresent(options -> settings.allowedImages()
                .refusal(options.image(), hints.origin()).ifPresent(refusal -> {
                    throw new InvalidSettingException(TaskOptions.IMAGE, refusal);
                }));
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        if (!DockerExecutor.NAME.equals(task.executor())) {
            return;
        }
        GatePolicy policy = GatePolicy.of(ID, task, context.config().duration(DockerSettings.MAX_WAIT).orElse(null));
        TaskOptions options;
        try {
            options = TaskOptions.require(task, settings);
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage());
        }
        String image = options.image();
        // Decided from the reference alone, before the engine or a registry is asked anything; docker/skip
        // skips the gate's waiting, never the operator's list.
        Optional<String> refusal = settings.allowedImages().refusal(image, task.hints().origin());
        if (refusal.isPresent()) {
            throw new TaskException(refusal.get());
        }
        if (policy.skip()) {
            return;
        }
        for (Mount m : options.mounts()) {
            Optional<String> problem = m.problemOnThisMachine();
            if (problem.isPresent()) {
                throw new TaskException(problem.get() + "; fix docker/mounts or plugins.docker.mounts");
            }
        }
        ensurePresent(image, task, policy.maxWait().orElse(null));
    }

    private Engine.ImageInfo ensurePresent(String image, TaskHandle task, Duration maxWait)
            throws InterruptedException, TaskException {
        boolean byId = ImageRef.parse(image).isImageId();
        boolean mustPull = settings.pull() == DockerSettings.PullPolicy.ALWAYS && !byId && !pulledThisRun.contains(image);
        if (!mustPull) {
            Engine.ImageInfo known = present.getIfPresent(image);
            if (known != null) {
                return known;
            }
            Optional<Engine.ImageInfo> local = inspect(image);
            if (local.isPresent()) {
                present.put(image, local.get());
                return local.get();
            }
            if (byId) {
                throw new TaskException("image '" + image + "' is an image id, and the engine has no image of that id;"
                        + " an id cannot be pulled: load the image (docker load) or name it by a reference");
            }
            if (settings.pull() == DockerSettings.PullPolicy.NEVER) {
                throw new TaskException("image '" + image + "' is not on this machine and pulls are off "
                        + "(plugins.docker.pull: never); load it (docker load, docker import) or allow pulls");
            }
        }
        Pull pull = pulls.computeIfAbsent(image, i -> startPull(i));
        pull.waiting.add(task);
        try {
            Engine.ImageInfo info = maxWait == null ? pull.result.get()
                    : pull.result.get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
            present.put(image, info);
            pulledThisRun.add(image);
            return info;
        } catch (TimeoutException e) {
            throw new TaskException("gate '" + ID + "' gave up after " + Units.formatDuration(maxWait)
                    + " (docker/maxWait) waiting for the pull of image '" + image + "'; " + pull.progress());
        } catch (ExecutionException e) {
            throw new TaskException(e.getCause().getMessage(), e.getCause());
        } finally {
            pull.waiting.remove(task);
        }
    }

    private Optional<Engine.ImageInfo> inspect(String image) throws TaskException {
        try {
            return engine().inspectImage(image);
        } catch (EngineException e) {
            throw new TaskException("could not look up image '" + image + "': " + e.getMessage(), e);
        }
    }

    private Pull startPull(String image) {
        Pull pull = new Pull(image);
        log.info("pulling image {}", image);
        try {
            engine().pullImage(image, pull);
        } catch (EngineException e) {
            pull.fail("could not pull image '" + image + "': " + e.getMessage());
        }
        return pull;
    }

    private Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (this) {
                if (engine == null) {
                    engine = connect.apply(settings.host());
                }
                e = engine;
            }
        }
        return e;
    }

    /** One pull in flight, shared by every task that waits for the image; reports progress to them. */
    private final class Pull implements Engine.Pulling {
        final String image;
        final CompletableFuture<Engine.ImageInfo> result = new CompletableFuture<>();
        final Set<TaskHandle> waiting = ConcurrentHashMap.newKeySet();
        private final PullProgress progress;
        private volatile long lastReportNanos;

        Pull(String image) {
            this.image = image;
            this.progress = new PullProgress(image);
        }

        @Override
        public void layer(String id, String status, long current, long total) {
            progress.update(id, status, current, total);
            long now = context.time().nanoTime();
            if (now - lastReportNanos > Duration.ofMillis(250).toNanos()) {
                lastReportNanos = now;
                String shown = progress();
                waiting.forEach(t -> context.reportStatus(t, shown));
            }
        }

        @Override
        public void ended(String failure) {
            if (failure != null) {
                fail("could not pull image '" + image + "': " + failure);
                return;
            }
            try {
                Optional<Engine.ImageInfo> info = inspect(image);
                if (info.isPresent()) {
                    log.info("pulled image {}", image);
                    pulls.remove(image, this);
                    result.complete(info.get());
                } else {
                    fail("the pull of image '" + image + "' ended but the engine does not have it");
                }
            } catch (TaskException e) {
                fail(e.getMessage());
            }
        }

        void fail(String message) {
            pulls.remove(image, this);
            result.completeExceptionally(new TaskException(message));
        }

        String progress() {
            return progress.describe();
        }
    }
}
