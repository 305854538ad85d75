package dev.sluice.plugins.docker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
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
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The {@code docker} readiness gate: before a task of the docker executor is submitted, its image
 * ({@code docker/image}) is allowed by the operator's allow-list and present on the engine, pulled
 * when missing and pulls are allowed. Tasks of other executors pass at once.
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
    private volatile Daemon daemon;
    /** Images known present, by reference; short-lived so that an image removed meanwhile is noticed. */
    private final Cache<String, ImageInfo> present = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(30)).maximumSize(10_000).build();
    private final Map<String, Pull> pulls = new ConcurrentHashMap<>();
    /** Under {@code pull: always}, the images already pulled in this run. */
    private final Set<String> pulledThisRun = ConcurrentHashMap.newKeySet();

    /** What the engine says of a local image. */
    record ImageInfo(String id, List<String> repoDigests) {
    }

    /** @throws InvalidSettingException when the operator's {@code plugins.docker} settings are bad */
    public ImageGate(PluginContext context) {
        this.context = context;
        this.settings = DockerSettings.from(context.config());
        this.log = context.logger();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void validateHints(Hints hints) {
        TaskReadinessGate.super.validateHints(hints);
        hints.requireKnown(ID, HINTS);
        TaskOptions.of(hints, settings).ifPresent(options -> {
            if (settings.allowsByName(options.image()) == Boolean.FALSE) {
                throw new InvalidSettingException(TaskOptions.IMAGE, notAllowed(options.image(), hints.origin()));
            }
        });
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        if (!DockerExecutor.NAME.equals(task.executor())) {
            return;
        }
        GatePolicy policy = GatePolicy.of(ID, task, context.config().duration(DockerSettings.MAX_WAIT).orElse(null));
        if (policy.skip()) {
            return;
        }
        TaskOptions options;
        try {
            options = TaskOptions.require(task, settings);
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage());
        }
        String image = options.image();
        if (settings.allowsByName(image) == Boolean.FALSE) {
            throw new TaskException(notAllowed(image, task.hints().origin()));
        }
        for (Mount m : options.mounts()) {
            Optional<String> problem = m.problemOnThisMachine();
            if (problem.isPresent()) {
                throw new TaskException(problem.get() + "; fix docker/mounts or plugins.docker.mounts");
            }
        }
        ImageInfo info = ensurePresent(image, task, policy.maxWait().orElse(null));
        if (!settings.allows(image, info.id(), info.repoDigests())) {
            throw new TaskException(notAllowed(image, task.hints().origin()) + " (its content " + info.id()
                    + " is not pinned there either)");
        }
    }

    private String notAllowed(String image, String origin) {
        return "image '" + image + "' of " + origin + " is not in the operator's allow-list (plugins.docker."
                + DockerSettings.ALLOWED_IMAGES + ": " + settings.allowList() + "); use an allowed image or ask the "
                + "operator to add it";
    }

    private ImageInfo ensurePresent(String image, TaskHandle task, Duration maxWait)
            throws InterruptedException, TaskException {
        boolean mustPull = settings.pull() == DockerSettings.PullPolicy.ALWAYS && !pulledThisRun.contains(image);
        if (!mustPull) {
            ImageInfo known = present.getIfPresent(image);
            if (known != null) {
                return known;
            }
            Optional<ImageInfo> local = inspect(image);
            if (local.isPresent()) {
                present.put(image, local.get());
                return local.get();
            }
            if (settings.pull() == DockerSettings.PullPolicy.NEVER) {
                throw new TaskException("image '" + image + "' is not on this machine and pulls are off "
                        + "(plugins.docker.pull: never); load it (docker load, docker import) or allow pulls");
            }
        }
        Pull pull = pulls.computeIfAbsent(image, i -> startPull(i));
        pull.waiting.add(task);
        try {
            ImageInfo info = maxWait == null ? pull.result.get()
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

    private Optional<ImageInfo> inspect(String image) throws TaskException {
        try {
            InspectImageResponse r = daemon().client().inspectImageCmd(image).exec();
            return Optional.of(new ImageInfo(r.getId(), r.getRepoDigests() == null ? List.of() : r.getRepoDigests()));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new TaskException("could not look up image '" + image + "': " + daemon().describe(e), e);
        }
    }

    private Pull startPull(String image) {
        Pull pull = new Pull(image);
        log.info("pulling image {}", image);
        try {
            daemon().client().pullImageCmd(image).exec(pull);
        } catch (RuntimeException e) {
            pull.fail("could not pull image '" + image + "': " + daemon().describe(e));
        }
        return pull;
    }

    private Daemon daemon() {
        Daemon d = daemon;
        if (d == null) {
            synchronized (this) {
                if (daemon == null) {
                    daemon = Daemon.at(settings.host());
                }
                d = daemon;
            }
        }
        return d;
    }

    /** One pull in flight, shared by every task that waits for the image; reports progress to them. */
    private final class Pull extends ResultCallback.Adapter<PullResponseItem> {
        final String image;
        final CompletableFuture<ImageInfo> result = new CompletableFuture<>();
        final Set<TaskHandle> waiting = ConcurrentHashMap.newKeySet();
        private final PullProgress progress;
        private volatile String error;
        private volatile long lastReportNanos;

        Pull(String image) {
            this.image = image;
            this.progress = new PullProgress(image);
        }

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null || item.getError() != null) {
                error = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                        ? item.getErrorDetail().getMessage() : item.getError();
                return;
            }
            progress.update(item);
            long now = context.time().nanoTime();
            if (now - lastReportNanos > Duration.ofMillis(250).toNanos()) {
                lastReportNanos = now;
                String status = progress();
                waiting.forEach(t -> context.reportStatus(t, status));
            }
        }

        @Override
        public void onError(Throwable throwable) {
            fail("could not pull image '" + image + "': " + daemon().describe(throwable));
        }

        @Override
        public void onComplete() {
            if (error != null) {
                fail("could not pull image '" + image + "': " + error);
                return;
            }
            try {
                Optional<ImageInfo> info = inspect(image);
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
