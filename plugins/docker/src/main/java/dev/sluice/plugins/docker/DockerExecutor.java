package dev.sluice.plugins.docker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.Units;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The {@code docker} executor: runs each task on a Docker Engine, by {@code exec} in a session container
 * shared by the run's tasks of the same image and mounts (the default), or in a container of its own
 * ({@code docker/isolation: task}, and always for a task that holds GPUs).
 *
 * <p>Work directories are bind-mounted at the same path, so a task reads and writes where it would on
 * the host. The task's output is streamed verbatim into {@code .command.out} and {@code .command.err};
 * its exit code comes from the engine's inspection of the exec or container, not from the end of the
 * stream. Every container carries the run's labels; what this run created is removed when it ends,
 * and what a crashed earlier run of the same pipeline left behind is removed when the next one starts.
 *
 * <p>Threads: docker-java reads each attached stream on a thread of its own, so a running task holds one
 * (bounded by the executor's capacity); everything else is answered from memory that those threads keep
 * up to date.
 */
@Extension
public final class DockerExecutor implements TaskExecutor {
    /** The executor's name, the gate's id and the namespace of the hints. */
    public static final String NAME = "docker";

    static final String LABEL_RUN = "dev.sluice.run-id";
    static final String LABEL_PIPELINE = "dev.sluice.pipeline";
    static final String LABEL_WORK_ROOT = "dev.sluice.work-root";
    static final String LABEL_OWNER = "dev.sluice.owner";
    static final String LABEL_ISOLATION = "dev.sluice.isolation";
    static final String LABEL_TASK = "dev.sluice.task";

    /** {@code executors.docker} keys the executor reads, besides the host's own. */
    private static final Set<String> EXECUTOR_KEYS = new TreeSet<>(
            List.of("queueSize", "submitRateLimit", "pollInterval", "cpus", "memory", "submitConcurrency"));
    /** How long after an exec ended with SIGKILL an out-of-memory event of its container may still arrive. */
    private static final Duration OOM_EVENT_GRACE = Duration.ofMillis(500);
    /** How long a killed exec's container may still look alive before its own end is reported. */
    private static final Duration CONTAINER_END_GRACE = Duration.ofSeconds(1);
    private static final Duration POLL_STEP = Duration.ofMillis(50);
    private static final int SIGKILL_EXIT = 137;

    private final DockerSettings settings;
    private final Logger log;
    private ExecutorContext context;
    private Daemon daemon;
    private ExecutorCapacity capacity;
    private int submitConcurrency = 4;
    private String owner;
    /** The engine's CPUs: a container's CPU limit cannot exceed them. */
    private int engineCpus;
    private final Map<String, SessionContainer> sessions = new ConcurrentHashMap<>();
    private final Map<String, Object> sessionLocks = new ConcurrentHashMap<>();
    private final Map<SubmittedTask, TaskRun> runs = new ConcurrentHashMap<>();
    /** Every container this run created and has not removed, by id, with its name. */
    private final Map<String, String> created = new ConcurrentHashMap<>();
    /** When each container last had a process killed by the out-of-memory killer (nano time). */
    private final Map<String, Long> oomKills = new ConcurrentHashMap<>();
    private final AtomicInteger containerSeq = new AtomicInteger();
    private final Cache<String, Optional<InspectContainerResponse.ContainerState>> states = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMillis(500)).maximumSize(10_000).build();
    private Closeable events;

    /** @throws InvalidSettingException when the operator's {@code plugins.docker} settings are bad */
    public DockerExecutor(PluginContext plugin) {
        this.settings = DockerSettings.from(plugin.config());
        this.log = plugin.logger();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(ExecutorContext context) throws ExecutorException {
        this.context = context;
        Settings config = context.config();
        for (String key : config.keys()) {
            if (!EXECUTOR_KEYS.contains(key)) {
                throw new ExecutorException(config.origin() + ": unknown setting '" + key + "'; the docker executor "
                        + "knows " + String.join(", ", EXECUTOR_KEYS) + " (its other settings go under plugins.docker)");
            }
        }
        try {
            capacity = new ExecutorCapacity(config.integer("cpus", Runtime.getRuntime().availableProcessors()),
                    config.size("memory", 0), 0);
            submitConcurrency = Math.max(1, config.integer("submitConcurrency", 4));
        } catch (IllegalArgumentException e) {
            throw new ExecutorException(e.getMessage(), e);
        }
        daemon = Daemon.at(settings.host());
        try {
            daemon.ping();
        } catch (IllegalStateException e) {
            daemon.close();
            throw new ExecutorException(e.getMessage(), e);
        }
        try {
            Integer cpus = daemon.client().infoCmd().exec().getNCPU();
            engineCpus = cpus == null || cpus < 1 ? capacity.cpus() : cpus;
        } catch (RuntimeException e) {
            throw new ExecutorException(daemon.describe(e), e);
        }
        owner = ownerLabel();
        sweep();
        watchOutOfMemoryKills();
    }

    @Override
    public ExecutorCapacity capacity() {
        return capacity;
    }

    @Override
    public int submitConcurrency() {
        return submitConcurrency;
    }

    @Override
    public List<TaskHealthMonitor> healthMonitors() {
        return List.of(new ContainerMonitor(this, settings.monitorPeriod()));
    }

    // ---- submit -----------------------------------------------------------------------------------

    @Override
    public SubmittedTask submit(TaskLaunch launch) throws TaskException, ExecutorException {
        TaskHandle task = launch.task();
        TaskOptions options;
        try {
            options = TaskOptions.require(task, settings);
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage());
        }
        List<Mount> mounts = mountsFor(options);
        checkVisible(task, mounts);
        Optional<ContainerRequest.Gpus> gpus = ContainerRequest.Gpus.of(task.assigned().get("gpu"),
                launch.command().environment(), task.resources().accelerators());
        // exec cannot add devices to a running container: a task with GPUs gets a container of its own.
        boolean ownContainer = options.isolation() == DockerSettings.Isolation.TASK || gpus.isPresent();
        try {
            return ownContainer ? runInOwnContainer(launch, options, mounts, gpus) : runInSession(launch, options, mounts);
        } catch (RuntimeException e) {
            if (Daemon.isUnreachable(e)) {
                throw new ExecutorException(daemon.unreachable(e), e);
            }
            throw new TaskException("the Docker engine refused task " + task.name() + ": " + daemon.describe(e)
                    + hintFor(e, task), e);
        }
    }

    private List<Mount> mountsFor(TaskOptions options) {
        List<Mount> mounts = new ArrayList<>();
        mounts.add(new Mount(context.workRoot(), context.workRoot(), false));
        mounts.addAll(options.mounts());
        return mounts;
    }

    /** Inputs must be visible at the same path inside the container. */
    private static void checkVisible(TaskHandle task, List<Mount> mounts) throws TaskException {
        for (Path input : task.inputs()) {
            boolean visible = mounts.stream().anyMatch(m -> m.source().equals(m.target()) && input.startsWith(m.source()));
            if (!visible) {
                throw new TaskException("input " + input + " of task " + task.name() + " is not visible inside its "
                        + "container; mount its directory at the same path, e.g. docker/mounts: " + input.getParent()
                        + ":" + input.getParent() + ":ro (or plugins.docker.mounts for every process)");
            }
        }
        for (Mount m : mounts) {
            Optional<String> problem = m.problemOnThisMachine();
            if (problem.isPresent()) {
                throw new TaskException(problem.get() + "; fix docker/mounts or plugins.docker.mounts");
            }
        }
    }

    private static String hintFor(RuntimeException e, TaskHandle task) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("memory")) {
            return " (the task asks for " + task.resources() + "; change resources.memory, or executors.docker.memory"
                    + " for session containers)";
        }
        if (message.contains("cpu")) {
            return " (the task asks for " + task.resources() + "; change resources.cpus, or executors.docker.cpus)";
        }
        if (message.contains("mount") || message.contains("bind")) {
            return " (fix docker/mounts or plugins.docker.mounts)";
        }
        return "";
    }

    private SubmittedTask runInSession(TaskLaunch launch, TaskOptions options, List<Mount> mounts)
            throws TaskException, ExecutorException {
        String key = options.image() + "|" + mounts;
        SessionContainer session = session(key, options.image(), mounts);
        String execId;
        try {
            execId = createExec(session, launch);
        } catch (ConflictException | NotFoundException gone) {
            // It died between two tasks: the next task of its kind gets a fresh one.
            session.died(describeState(containerState(session.id, true)));
            session = session(key, options.image(), mounts);
            execId = createExec(session, launch);
        }
        SubmittedTask submitted = new SubmittedTask(launch.task().id(), launch.task().attempt(),
                session.name + "/" + execId.substring(0, Math.min(12, execId.length())));
        TaskRun run = new TaskRun(launch, submitted, session, session.id, session.name, execId, System.nanoTime(),
                context.time().now());
        OutputSink sink = sink(launch, () -> finishExec(run));
        sink.ready();
        runs.put(submitted, run);
        try {
            daemon.client().execStartCmd(execId).withDetach(false).withTty(false).exec(sink);
        } catch (RuntimeException e) {
            runs.remove(submitted);
            sink.abandon();
            throw e;
        }
        return submitted;
    }

    private String createExec(SessionContainer session, TaskLaunch launch) {
        var exec = daemon.client().execCreateCmd(session.id)
                .withCmd(launch.command().argv().toArray(String[]::new))
                .withEnv(env(launch.command().environment()))
                .withWorkingDir(launch.command().workDir().toString())
                .withAttachStdout(true).withAttachStderr(true).withAttachStdin(false).withTty(false);
        if (settings.user() != null) {
            exec.withUser(settings.user());
        }
        return exec.exec().getId();
    }

    /** The live session container for the key, started on first use. */
    private SessionContainer session(String key, String image, List<Mount> mounts) throws TaskException {
        SessionContainer current = sessions.get(key);
        if (current != null && current.isAlive()) {
            return current;
        }
        synchronized (sessionLocks.computeIfAbsent(key, k -> new Object())) {
            current = sessions.get(key);
            if (current != null && current.isAlive()) {
                return current;
            }
            String name = containerName("s");
            ContainerRequest request = new ContainerRequest(image, name, settings.keepAlive(), List.of(),
                    context.workRoot().toString(), settings.user(), labels(DockerSettings.Isolation.SESSION, null),
                    mounts, settings.network(), Math.min(capacity.cpus(), engineCpus) * 1_000_000_000L,
                    capacity.memoryBytes(),
                    Optional.empty());
            String id = createAndStart(request, null);
            // A keep-alive command the image lacks ends at once; say so instead of failing every exec.
            InspectContainerResponse.ContainerState state = containerState(id, true).orElse(null);
            if (state == null || !Boolean.TRUE.equals(state.getRunning())) {
                remove(id);
                throw new TaskException("the session container of image " + image + " stopped at once ("
                        + describeState(Optional.ofNullable(state)) + "); its keep-alive command "
                        + String.join(" ", settings.keepAlive()) + " does not run in that image: set "
                        + "plugins.docker.keepAlive to one that does, or use docker/isolation: task");
            }
            SessionContainer started = new SessionContainer(id, name);
            if (current != null) {
                log.warn("container {} {}; tasks of image {} now run in {}", current, current.death(), image, started);
            } else {
                log.info("started session container {} for image {}", started, image);
            }
            sessions.put(key, started);
            return started;
        }
    }

    private SubmittedTask runInOwnContainer(TaskLaunch launch, TaskOptions options, List<Mount> mounts,
            Optional<ContainerRequest.Gpus> gpus) throws TaskException {
        TaskHandle task = launch.task();
        String name = containerName("t" + task.id() + "-" + task.attempt());
        Map<String, String> environment = gpus.map(g -> g.containerEnvironment(launch.command().environment()))
                .orElse(launch.command().environment());
        ContainerRequest request = new ContainerRequest(options.image(), name, launch.command().argv(),
                env(environment), launch.command().workDir().toString(), settings.user(),
                labels(DockerSettings.Isolation.TASK, task.id()), mounts, settings.network(),
                task.resources().cpus() * 1_000_000_000L, task.resources().memoryBytes(), gpus);
        SubmittedTask submitted = new SubmittedTask(task.id(), task.attempt(), name);
        TaskRun[] holder = new TaskRun[1];
        OutputSink sink = sink(launch, () -> finishContainer(holder[0]));
        // Taken before the start: an out-of-memory event of a container that dies at once may come
        // before createAndStart returns.
        long startNanos = System.nanoTime();
        String id;
        try {
            id = createAndStart(request, sink);
        } catch (RuntimeException | TaskException e) {
            sink.abandon();
            throw e;
        }
        TaskRun run = new TaskRun(launch, submitted, null, id, name, null, startNanos, context.time().now());
        holder[0] = run;
        runs.put(submitted, run);
        sink.ready();
        return submitted;
    }

    /**
     * Creates and starts a container; with a sink, attaches it to the container's output first so that
     * nothing the container writes is missed.
     */
    private String createAndStart(ContainerRequest request, OutputSink sink) throws TaskException {
        DockerClient client = daemon.client();
        String id = request.applyTo(client.createContainerCmd(request.image())).exec().getId();
        created.put(id, request.name());
        try {
            if (sink != null) {
                client.attachContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true)
                        .withLogs(true).exec(sink);
                if (!sink.awaitStarted(30, TimeUnit.SECONDS)) {
                    throw new TaskException("the Docker engine did not attach to container " + request.name()
                            + " within 30s");
                }
            }
            client.startContainerCmd(id).exec();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            remove(id);
            throw new TaskException("interrupted while starting container " + request.name());
        } catch (RuntimeException | TaskException e) {
            remove(id);
            throw e;
        }
        return id;
    }

    private OutputSink sink(TaskLaunch launch, Runnable onEnd) throws TaskException {
        try {
            return new OutputSink(launch.files().stdout(), launch.files().stderr(), onEnd, log);
        } catch (IOException e) {
            throw new TaskException("cannot write the output of task " + launch.task().name() + " into "
                    + launch.files().workDir() + ": " + e.getMessage(), e);
        }
    }

    // ---- ends -------------------------------------------------------------------------------------

    /** An exec's stream ended: ask the engine how, on the stream's own thread. */
    private void finishExec(TaskRun run) {
        Long exitCode = null;
        try {
            InspectExecResponse exec = daemon.client().inspectExecCmd(run.execId).exec();
            if (!Boolean.TRUE.equals(exec.isRunning())) {
                exitCode = exec.getExitCodeLong();
            }
        } catch (RuntimeException e) {
            log.debug("inspecting exec {} of {} failed: {}", run.execId, run.container(), e.toString());
        }
        // An exec that exited by itself (below 128) ran in a live container; anything else may have
        // died with it, and only then is the container asked about.
        boolean exitedByItself = exitCode != null && exitCode >= 0 && exitCode < 128;
        Optional<InspectContainerResponse.ContainerState> state = exitedByItself ? Optional.empty()
                : stateAfterSignal(run);
        boolean containerRuns = exitedByItself || state.map(s -> Boolean.TRUE.equals(s.getRunning())).orElse(false);
        Instant now = context.time().now();
        TaskStatus status;
        if (!containerRuns) {
            String why = "container " + run.container() + " " + describeState(state) + " while the task ran";
            run.session.died(describeState(state));
            status = TaskStatus.ended(TaskStatus.State.FAILED, why, exitCode == null ? null : exitCode.intValue(),
                    run.startedAt, now);
        } else if (exitCode == null) {
            status = TaskStatus.ended(TaskStatus.State.FAILED, "the engine lost track of the task's exec in container "
                    + run.container() + " (its output stream ended before it did)", null, run.startedAt, now);
        } else if (exitCode == SIGKILL_EXIT && !run.killRequested && killedForMemory(run)) {
            status = TaskStatus.ended(TaskStatus.State.OUT_OF_MEMORY, "the out-of-memory killer ended it in container "
                    + run.container() + memoryLimitNote(capacity.memoryBytes(), "executors.docker.memory"),
                    exitCode.intValue(), run.startedAt, now);
        } else {
            status = TaskStatus.completed(exitCode.intValue(), run.startedAt, now);
        }
        end(run, status);
    }

    /**
     * The container's state after one of its execs ended by a signal. When the container itself is
     * killed, the engine reports the exec's end a moment before the container's, so a container that
     * still looks alive is asked again for a short while, unless sluice killed the task itself or the
     * engine reported an out-of-memory kill (which leaves the container running).
     */
    private Optional<InspectContainerResponse.ContainerState> stateAfterSignal(TaskRun run) {
        long deadline = System.nanoTime() + CONTAINER_END_GRACE.toNanos();
        while (true) {
            Optional<InspectContainerResponse.ContainerState> state = containerState(run.containerId, true);
            boolean running = state.map(s -> Boolean.TRUE.equals(s.getRunning())).orElse(false);
            Long oomAt = oomKills.get(run.containerId);
            boolean oomSinceStart = oomAt != null && oomAt - run.startSystemNanos >= 0;
            if (!running || run.killRequested || oomSinceStart || System.nanoTime() > deadline) {
                return state;
            }
            try {
                context.time().sleep(POLL_STEP);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return state;
            }
        }
    }

    /**
     * Whether the container's cgroup reported an out-of-memory kill since the run started. The engine's
     * events are real time, so this compares {@link System#nanoTime}, not the run's clock.
     */
    private boolean killedForMemory(TaskRun run) {
        long deadline = System.nanoTime() + OOM_EVENT_GRACE.toNanos();
        while (true) {
            Long at = oomKills.get(run.containerId);
            if (at != null && at - run.startSystemNanos >= 0) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                context.time().sleep(POLL_STEP);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** A task's own container's stream ended: read its exit code and state, then remove it. */
    private void finishContainer(TaskRun run) {
        Instant now = context.time().now();
        TaskStatus status;
        try {
            Integer code = daemon.client().waitContainerCmd(run.containerId)
                    .exec(new com.github.dockerjava.api.command.WaitContainerResultCallback())
                    .awaitStatusCode(30, TimeUnit.SECONDS);
            InspectContainerResponse.ContainerState state = containerState(run.containerId, true).orElse(null);
            boolean outOfMemory = state != null && Boolean.TRUE.equals(state.getOOMKilled());
            boolean unexplainedKill = code != null && code == SIGKILL_EXIT && !run.killRequested;
            if (!outOfMemory && unexplainedKill) {
                // The engine may record the exit before the out-of-memory event that caused it, and
                // then never sets OOMKilled: wait briefly for the event.
                outOfMemory = killedForMemory(run);
            }
            long memoryLimit = run.launch.task().resources().memoryBytes();
            if (outOfMemory && !run.killRequested) {
                status = TaskStatus.ended(TaskStatus.State.OUT_OF_MEMORY, "the out-of-memory killer ended it in "
                        + "container " + run.container() + memoryLimitNote(memoryLimit, "resources.memory"),
                        code, run.startedAt, now);
            } else if (unexplainedKill && memoryLimit > 0) {
                status = new TaskStatus(TaskStatus.State.COMPLETED, code, unreportedKillNote(memoryLimit),
                        run.startedAt, now);
            } else {
                status = TaskStatus.completed(code, run.startedAt, now);
            }
        } catch (RuntimeException e) {
            status = TaskStatus.ended(TaskStatus.State.FAILED, "container " + run.container() + " could not be "
                    + "inspected after its end: " + daemon.describe(e), null, run.startedAt, now);
        }
        end(run, status);
        remove(run.containerId);
    }

    /**
     * Why a task in a container with a memory limit may have been killed when the engine reported no
     * out-of-memory kill: the engine watches a container's memory only from a moment after its process
     * starts, so a kill within the first milliseconds goes unreported.
     */
    static String unreportedKillNote(long memoryLimit) {
        return "killed by SIGKILL, which sluice did not send; the engine reported no out-of-memory kill, but it "
                + "misses one in a container's first moments, and the memory limit was "
                + Units.formatSize(memoryLimit) + " (raise resources.memory if the task needs more)";
    }

    private static String memoryLimitNote(long limit, String setting) {
        return limit > 0 ? " (memory limit " + Units.formatSize(limit) + ", " + setting + ")" : "";
    }

    private void end(TaskRun run, TaskStatus status) {
        if (status.exitCode() != null) {
            writeExitCode(run.launch.files().exitCode(), status.exitCode());
        }
        run.status = status;
        ExecutorContext c = context;
        if (c != null) {
            c.statusChanged();
        }
    }

    private void writeExitCode(Path file, int code) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, code + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("cannot write {}: {}", file, e.toString());
        }
    }

    // ---- poll, kill, close ------------------------------------------------------------------------

    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        Map<SubmittedTask, TaskStatus> answer = new HashMap<>();
        for (SubmittedTask t : tasks) {
            TaskRun run = runs.get(t);
            if (run == null) {
                answer.put(t, TaskStatus.ended(TaskStatus.State.FAILED, "the docker executor does not know this task",
                        null, null, null));
                continue;
            }
            TaskStatus status = run.status;
            answer.put(t, status);
            if (status.state().isTerminal()) {
                runs.remove(t);
            }
        }
        return answer;
    }

    @Override
    public void kill(Collection<SubmittedTask> tasks, Duration gracePeriod) {
        for (SubmittedTask t : tasks) {
            TaskRun run = runs.get(t);
            if (run == null || run.status.state().isTerminal()) {
                continue;
            }
            run.killRequested = true;
            Thread.ofVirtual().name("docker-kill-" + t.taskId()).start(() -> {
                try {
                    if (run.execId != null) {
                        new ExecSignals(daemon.client(), run, context.time(), log).terminate(gracePeriod);
                    } else if (gracePeriod.isZero()) {
                        daemon.client().killContainerCmd(run.containerId).exec();
                    } else {
                        daemon.client().stopContainerCmd(run.containerId)
                                .withTimeout((int) Math.max(1, (gracePeriod.toMillis() + 999) / 1000)).exec();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    log.debug("stopping task {} in {} failed: {}", t.taskId(), run.container(), e.toString());
                }
            });
        }
    }

    @Override
    public void close() {
        if (events != null) {
            try {
                events.close();
            } catch (IOException | RuntimeException e) {
                // The event stream ends with the connection either way.
            }
        }
        if (daemon == null) {
            return;
        }
        for (String id : new ArrayList<>(created.keySet())) {
            remove(id);
        }
        if (!created.isEmpty()) {
            log.warn("could not remove containers {}; remove them with docker rm -f", created.values());
        }
        daemon.close();
    }

    private void remove(String id) {
        try {
            daemon.client().removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
            created.remove(id);
        } catch (NotFoundException e) {
            created.remove(id);
        } catch (ConflictException e) {
            // Removal already in progress (the engine is tearing it down): it goes away by itself.
            created.remove(id);
        } catch (RuntimeException e) {
            log.warn("removing container {} failed: {}", created.getOrDefault(id, id), daemon.describe(e));
        }
    }

    // ---- state of containers ----------------------------------------------------------------------

    /** The run of a submitted task, or {@code null} once it has been reported ended. */
    TaskRun run(SubmittedTask submitted) {
        return runs.get(submitted);
    }

    /** The container's state, empty when it is gone; cached briefly so that many probes make one request. */
    Optional<InspectContainerResponse.ContainerState> containerState(String id, boolean fresh) {
        if (fresh) {
            states.invalidate(id);
        }
        return states.get(id, k -> {
            try {
                return Optional.ofNullable(daemon.client().inspectContainerCmd(k).exec().getState());
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    String describe(RuntimeException e) {
        return daemon.describe(e);
    }

    /** e.g. "is exited (exit code 137, killed by the out-of-memory killer)" or "is gone (removed)". */
    static String describeState(Optional<InspectContainerResponse.ContainerState> state) {
        if (state.isEmpty()) {
            return "is gone (removed from outside sluice?)";
        }
        InspectContainerResponse.ContainerState s = state.get();
        StringBuilder sb = new StringBuilder("is ").append(s.getStatus() == null ? "not running" : s.getStatus());
        List<String> details = new ArrayList<>();
        if (s.getExitCodeLong() != null && !Boolean.TRUE.equals(s.getRunning())) {
            details.add("exit code " + s.getExitCodeLong()
                    + (s.getExitCodeLong() == SIGKILL_EXIT ? ", killed by SIGKILL" : ""));
        }
        if (Boolean.TRUE.equals(s.getOOMKilled())) {
            details.add("the out-of-memory killer ended it");
        }
        if (s.getError() != null && !s.getError().isBlank()) {
            details.add(s.getError());
        }
        if (!details.isEmpty()) {
            sb.append(" (").append(String.join(", ", details)).append(')');
        }
        return sb.toString();
    }

    static String describeContainer(String name, String id) {
        return name + " (" + id.substring(0, Math.min(12, id.length())) + ")";
    }

    // ---- labels, sweeping, events -----------------------------------------------------------------

    private Map<String, String> labels(DockerSettings.Isolation isolation, String taskId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_RUN, context.runId());
        labels.put(LABEL_PIPELINE, context.pipelineName());
        labels.put(LABEL_WORK_ROOT, context.workRoot().toString());
        labels.put(LABEL_OWNER, owner);
        labels.put(LABEL_ISOLATION, isolation.label());
        if (taskId != null) {
            labels.put(LABEL_TASK, taskId);
        }
        return labels;
    }

    private String containerName(String suffix) {
        String run = context.runId().replaceAll("[^a-zA-Z0-9_.-]", "-");
        return "sluice-" + run + "-" + suffix + (suffix.startsWith("s") ? containerSeq.incrementAndGet() : "");
    }

    private static List<String> env(Map<String, String> environment) {
        return environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** {@code <host> <pid> <start millis>}: enough to tell whether the run that made a container still lives. */
    static String ownerLabel() {
        ProcessHandle self = ProcessHandle.current();
        return hostName() + " " + self.pid() + " " + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** Whether the process named by an owner label is alive on this machine; unknown owners count as alive. */
    static boolean ownerAlive(String label) {
        String[] parts = label == null ? new String[0] : label.split(" ");
        if (parts.length != 3 || !parts[0].equals(hostName())) {
            return true;
        }
        try {
            long pid = Long.parseLong(parts[1]);
            long start = Long.parseLong(parts[2]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .map(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(start) == start)
                    .orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Removes what earlier runs of this pipeline left behind when they died without cleaning up. */
    private void sweep() {
        if (context.pipelineName().isEmpty()) {
            return;
        }
        List<Container> left;
        try {
            left = daemon.client().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(LABEL_PIPELINE, context.pipelineName())).exec();
        } catch (RuntimeException e) {
            log.warn("cannot list containers left by earlier runs: {}", daemon.describe(e));
            return;
        }
        for (Container c : left) {
            Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
            if (ownerAlive(labels.get(LABEL_OWNER))) {
                continue;
            }
            String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0];
            log.warn("removing container {} left by run {} of pipeline {}, which ended without removing it",
                    name.replaceFirst("^/", ""), labels.get(LABEL_RUN), context.pipelineName());
            created.put(c.getId(), name);
            remove(c.getId());
        }
    }

    /** Out-of-memory kills inside this run's containers, from the engine's event stream. */
    private void watchOutOfMemoryKills() {
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                String id = event.getId() != null ? event.getId()
                        : event.getActor() == null ? null : event.getActor().getId();
                if (id != null) {
                    oomKills.put(id, System.nanoTime());
                    log.debug("the engine reported an out-of-memory kill in container {}", id);
                }
            }

            @Override
            public void onError(Throwable throwable) {
                log.debug("the engine's event stream ended: {}", throwable.toString());
            }
        };
        try {
            events = daemon.client().eventsCmd().withEventTypeFilter(EventType.CONTAINER).withEventFilter("oom")
                    .withLabelFilter(Map.of(LABEL_RUN, context.runId())).exec(callback);
        } catch (RuntimeException e) {
            log.warn("cannot follow the engine's events; out-of-memory kills in session containers will show as "
                    + "exit code 137: {}", daemon.describe(e));
        }
    }
}
