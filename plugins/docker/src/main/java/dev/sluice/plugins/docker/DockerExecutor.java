package dev.sluice.plugins.docker;

import dev.sluice.kit.ExecutorConfig;
import dev.sluice.kit.StatusTable;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
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
 * <p>Threads: the engine's client reads each attached stream on a thread of its own, so a running task
 * holds one (bounded by the executor's capacity); everything else is answered from memory that those
 * threads keep up to date.
 */
@Extension
public final class DockerExecutor implements TaskExecutor {
    /** The executor's name, the gate's id and the namespace of the hints. */
    public static final String NAME = "docker";

    /** {@code executors.docker} keys the executor reads, besides the host's own. */
    private static final List<String> EXECUTOR_KEYS = List.of(ExecutorConfig.CPUS, ExecutorConfig.MEMORY,
            ExecutorConfig.SUBMIT_CONCURRENCY);

    private final DockerSettings settings;
    private final Logger log;
    private final Function<String, Engine> connect;
    /** Where signals are sent from: a virtual thread each, in production. */
    private final Executor background;
    private ExecutorContext context;
    private Engine engine;
    private ExecutorCapacity capacity;
    private int submitConcurrency = 4;
    /**
     * The attempts of submitted tasks, whose statuses the output streams' threads record. Every task the
     * host polls was submitted here, so one it does not hold has failed; an end is forgotten once reported.
     */
    private final StatusTable<EngineAttempt> runs = new StatusTable<>(
            StatusTable.Unknown.failed(task -> "the docker executor does not know this task"),
            StatusTable.Reporting.EVERY_POLL, StatusTable.Ends.FORGOTTEN_ONCE_REPORTED);
    private Containers containers;
    private OomKills oomKills;
    private Launcher launcher;
    private Outages outages;
    private TaskEnds taskEnds;
    /** Starts tried when the engine fails a submit as unreachable yet answers pings. */
    static final int MAX_SUBMIT_TRIES = 3;

    /** @throws InvalidSettingException when the operator's {@code plugins.docker} settings are bad */
    public DockerExecutor(PluginContext plugin) {
        this(plugin, DockerJavaEngine::connect, task -> Thread.ofVirtual().name("docker-signal").start(task));
    }

    /**
     * @param connect    the engine at an address ({@code plugins.docker.host})
     * @param background runs the engine requests that signal tasks
     */
    DockerExecutor(PluginContext plugin, Function<String, Engine> connect, Executor background) {
        this.settings = DockerSettings.from(plugin.config());
        this.log = plugin.logger();
        this.connect = connect;
        this.background = background;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Said after an unknown key under {@code executors.docker}: where the plugin's own settings go. */
    private static final String ELSEWHERE = "; its other settings go under plugins.docker";

    /** The executor's own keys and values, as {@link #start} reads them. */
    @Override
    public void validateConfig(Settings config) {
        ExecutorConfig read = new ExecutorConfig(NAME, config);
        read.requireKnown(EXECUTOR_KEYS, ELSEWHERE);
        read.cpus(Runtime.getRuntime().availableProcessors());
        read.settings().size(ExecutorConfig.MEMORY, ExecutorCapacity.UNLIMITED);
        read.submitConcurrency(4);
    }

    @Override
    public void start(ExecutorContext context) throws ExecutorException {
        this.context = context;
        ExecutorConfig config = new ExecutorConfig(NAME, context.config());
        try {
            config.requireKnown(EXECUTOR_KEYS, ELSEWHERE);
            // Memory is not counted unless set: a session container then has no memory limit.
            capacity = new ExecutorCapacity(config.cpus(Runtime.getRuntime().availableProcessors()),
                    config.settings().size(ExecutorConfig.MEMORY, ExecutorCapacity.UNLIMITED), 0);
            submitConcurrency = config.submitConcurrency(4);
        } catch (InvalidSettingException e) {
            throw config.failure(e);
        }
        engine = connect.apply(settings.host());
        int engineCpus;
        try {
            engine.ping();
            engineCpus = engine.cpus();
        } catch (EngineException e) {
            engine.close();
            engine = null;
            throw new ExecutorException(e.getMessage(), e);
        }
        // A container's CPU limit cannot exceed the engine's CPUs.
        long sessionNanoCpus = Math.min(capacity.cpus(), engineCpus < 1 ? capacity.cpus() : engineCpus)
                * 1_000_000_000L;
        RunLabels labels = new RunLabels(context.runId(), context.pipelineName(), context.workRoot().toString(),
                Leftovers.ownerLabel());
        containers = new Containers(engine, context.time(), log);
        oomKills = new OomKills(log, () -> outages.wentSilent());
        outages = new Outages(engine, settings.daemonOutage(), context.time(), log, () -> {
            oomKills.rewatch();
            taskEnds.endLostInOutage();
        });
        TaskEnds ends = taskEnds = new TaskEnds(engine, containers, oomKills, outages, (run, status) -> {
            runs.record(run.submitted, status);
            context.statusChanged();
        }, context.time(),
                capacity.memoryBytes(), log);
        SessionContainers sessions = new SessionContainers(containers, settings, labels,
                context.workRoot().toString(), sessionNanoCpus, capacity.memoryBytes(), log);
        launcher = new Launcher(engine, containers, sessions, runs, ends, settings, labels, context.time(), log,
                context.secretEnvironment());
        Leftovers.sweep(engine, containers, context.pipelineName(), log);
        oomKills.watch(engine, labels.run());
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
        return List.of(new ContainerMonitor(runs, containers, outages, settings.monitorPeriod()));
    }

    @Override
    public SubmittedTask submit(TaskLaunch launch) throws TaskException, ExecutorException {
        TaskHandle task = launch.task();
        TaskOptions options;
        try {
            options = TaskOptions.require(task, settings);
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage());
        }
        // The gate refused it already; the executor never starts what the operator's list refuses, whatever ran before.
        Optional<String> refusal = settings.allowedImages().refusal(options.image(), task.hints().origin());
        if (refusal.isPresent()) {
            throw new TaskException(refusal.get());
        }
        List<Mount> mounts = new ArrayList<>();
        mounts.add(new Mount(context.workRoot(), context.workRoot(), false));
        mounts.addAll(options.mounts());
        checkVisible(task, mounts);
        Optional<ContainerRequest.Gpus> gpus = ContainerRequest.Gpus.of(task.assigned().get("gpu"),
                launch.command().environment(), task.resources().accelerators());
        // exec cannot add devices to a running container: a task with GPUs gets a container of its own.
        boolean ownContainer = options.isolation() == DockerSettings.Isolation.TASK || gpus.isPresent();
        try {
            for (int tries = 1; ; tries++) {
                try {
                    SubmittedTask submitted = ownContainer ? launcher.inOwnContainer(launch, options, mounts, gpus)
                            : launcher.inSession(launch, options, mounts);
                    outages.answered();
                    return submitted;
                } catch (EngineException e) {
                    // A daemon restarting: this submit thread waits for it, then tries again from the start, a
                    // few times at most (a request that fails while pings answer is not an outage). With one
                    // submit at a time the host's own thread submits, and must not wait.
                    if (!e.is(EngineException.Kind.UNREACHABLE) || submitConcurrency < 2 || tries >= MAX_SUBMIT_TRIES
                            || !outages.awaitEngine("submitting task " + task.name())) {
                        throw e;
                    }
                    if (ownContainer) {
                        launcher.clearInterruptedStart(launch);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while waiting for the Docker engine to submit task " + task.name());
        } catch (EngineException e) {
            if (e.is(EngineException.Kind.UNREACHABLE)) {
                throw new ExecutorException(e.getMessage() + (submitConcurrency < 2 ? ""
                        : " (waited up to " + outages.setting() + ")"), e);
            }
            throw new TaskException("the Docker engine refused task " + task.name() + ": " + e.getMessage()
                    + hintFor(e, task), e);
        }
    }

    /** Inputs must be visible at the same path inside the container, and mounts must exist. */
    private static void checkVisible(TaskHandle task, List<Mount> mounts) throws TaskException {
        for (Path input : task.inputs()) {
            boolean visible = mounts.stream().anyMatch(m -> m.source().equals(m.target()) && input.startsWith(m.source()));
            if (!visible) {
                throw new TaskException("input " + input + " of task " + task.name() + " is not visible inside its "
                        + "container; mount its directory at the same path, e.g. docker/mounts: " + input.getParent()
                        + ":" + input.getParent() + ":ro, from a folder the operator allows in"
                        + " plugins.docker.allowedHostPaths (or plugins.docker.mounts for every process)");
            }
        }
        for (Mount m : mounts) {
            Optional<String> problem = m.problemOnThisMachine();
            if (problem.isPresent()) {
                throw new TaskException(problem.get() + "; fix docker/mounts or plugins.docker.mounts");
            }
        }
    }

    private static String hintFor(EngineException e, TaskHandle task) {
        String message = e.raw().toLowerCase(Locale.ROOT);
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

    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        return runs.answer(tasks);
    }

    /**
     * SIGTERM to each task: to an exec's processes, or to its own container. The grace is not needed:
     * the host forces the tasks that still run when it has passed.
     */
    @Override
    public void terminate(Collection<SubmittedTask> tasks, Duration gracePeriod) {
        signal(tasks, false);
    }

    /** SIGKILL to each task: to an exec's processes (those sent SIGTERM included), or to its own container. */
    @Override
    public void force(Collection<SubmittedTask> tasks) {
        signal(tasks, true);
    }

    private void signal(Collection<SubmittedTask> tasks, boolean force) {
        for (EngineAttempt run : runs.live(tasks)) {
            run.killRequested = true;
            // Engine requests and reading /proc take a moment per task: off the monitor's thread.
            background.execute(() -> {
                try {
                    if (run.execId == null) {
                        engine.killContainer(run.containerId, force ? "KILL" : "TERM");
                    } else if (force) {
                        new ExecSignals(engine, run, log).force();
                    } else {
                        new ExecSignals(engine, run, log).terminate();
                    }
                } catch (EngineException e) {
                    log.debug("stopping task {} in {} failed: {}", run.submitted.taskId(), run.container(),
                            e.getMessage());
                }
            });
        }
    }

    @Override
    public void close() {
        if (oomKills != null) {
            oomKills.close();
        }
        if (engine == null) {
            return;
        }
        containers.removeAll();
        engine.close();
    }
}
