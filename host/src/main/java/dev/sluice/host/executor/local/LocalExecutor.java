package dev.sluice.host.executor.local;

import dev.sluice.kit.ExecutorConfig;
import dev.sluice.kit.GroupSignaller;
import dev.sluice.kit.ProgramLocator;
import dev.sluice.kit.StatusTable;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code local} executor: runs each task attempt as a process on this machine, in a process group
 * of its own so that a kill reaches everything the task started.
 *
 * <p>A task is launched as {@code setsid -- <argv...>} in its work directory, with the host's
 * environment plus the task's variables, stdin from {@code /dev/null} and stdout/stderr written
 * straight to {@code .command.out}/{@code .command.err}. When the group leader exits, the JDK's
 * {@link Process#onExit()} callback records the status in the status table and calls
 * {@link ExecutorContext#statusChanged()}; {@link #poll} only reads that table, and the host writes
 * {@code .exitcode} from what it reports. No thread is held per running task, and none waits out a
 * kill's grace: the host forces a task whose grace has passed.
 *
 * <p>Config keys (the executor's section of the operator config): {@code cpus} (whole number,
 * default: the processors the JVM sees) and {@code memory} (a size, default: the machine's physical
 * memory) set the capacity reported to the host. Linux only: needs util-linux {@code setsid} and a
 * {@code kill} program that takes process groups.
 */
public final class LocalExecutor implements TaskExecutor {
    /** The name pipelines and configs select this executor by. */
    public static final String NAME = "local";

    private static final Logger log = LoggerFactory.getLogger(LocalExecutor.class);
    /** How long {@link #close} waits for killed tasks to be gone; the host is shutting down. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Path DEV_NULL = Path.of("/dev/null");

    /**
     * Every task launched in this run, ended ones included, so that later polls (and kills) still find
     * them; a task it never launched will never be seen here, so it is reported failed.
     */
    private final StatusTable<LocalTask> tasks = new StatusTable<>(StatusTable.Unknown.failed(submitted ->
            "the local executor has no process for task " + submitted.taskId() + " attempt " + submitted.attempt()
                    + " (pid " + submitted.nativeId() + "): it was not launched by this executor in this run"),
            StatusTable.Reporting.EVERY_POLL, StatusTable.Ends.KEPT);
    /** Tasks whose group leader is running, by pid, to spot a pid reused before a group is signalled. */
    private final Map<Long, LocalTask> runningByPid = new ConcurrentHashMap<>();

    private volatile ExecutorContext context;
    private volatile ExecutorCapacity capacity;
    private volatile Path setsidProgram;
    private volatile GroupSignaller signaller;
    private volatile boolean closed;

    /** Creates an executor; {@link #start} prepares it for a run. */
    public LocalExecutor() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Reads the config and finds {@code setsid} and {@code kill}.
     *
     * @throws ExecutorException naming the config key and bad value, or the missing program
     */
    @Override
    public void start(ExecutorContext executorContext) throws ExecutorException {
        Objects.requireNonNull(executorContext, "executorContext");
        ExecutorCapacity configured = readCapacity(executorContext.config());
        Path setsid = ProgramLocator.onHostPath("setsid", Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"))
                .orElseThrow(() -> new ExecutorException("the local executor needs the 'setsid' program"
                        + " (util-linux) to give each task its own process group, and it is not on the host's"
                        + " PATH (" + System.getenv("PATH") + ") nor in /usr/bin or /bin; install util-linux"));
        // Prefer /bin/kill over the PATH: it is procps' or util-linux's, both of which take "-- -pgid".
        Path kill = ProgramLocator.onHostPath("/bin/kill", Path.of("/usr/bin/kill"))
                .or(() -> ProgramLocator.onHostPath("kill"))
                .orElseThrow(() -> new ExecutorException("the local executor needs a 'kill' program to signal"
                        + " task process groups, and there is none in /bin, /usr/bin or on the host's PATH ("
                        + System.getenv("PATH") + "); install procps or util-linux"));
        this.capacity = configured;
        this.setsidProgram = setsid;
        this.signaller = new GroupSignaller(kill);
        this.context = executorContext;
        log.debug("local executor started: {} cpus, {} memory", configured.cpus(),
                Units.formatSize(configured.memoryBytes()));
    }

    private static ExecutorCapacity readCapacity(Settings settings) throws ExecutorException {
        ExecutorConfig config = new ExecutorConfig(NAME, settings);
        try {
            return new ExecutorCapacity(config.cpus(Runtime.getRuntime().availableProcessors()),
                    config.memory(physicalMemory()), 0);
        } catch (InvalidSettingException e) {
            throw config.failure(e);
        }
    }

    private static long physicalMemory() {
        // The com.sun.management bean knows the machine's (or the container's) total memory.
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** The configured or detected cpus and memory; accelerators are not counted. */
    @Override
    public ExecutorCapacity capacity() {
        ExecutorCapacity current = capacity;
        if (current == null) {
            throw new IllegalStateException("the local executor has not been started");
        }
        return current;
    }

    /**
     * Starting a process costs a fork and two execs (setsid, then the program), a few milliseconds
     * each on a busy machine; as many launches as there are CPUs overlap. {@link #submit} only
     * touches the status table and a concurrent map, so it is safe to call from several threads.
     */
    @Override
    public int submitConcurrency() {
        ExecutorCapacity c = capacity;
        return c == null ? 1 : Math.max(1, c.cpus());
    }

    /**
     * Launches the task in a new process group and returns at once; the native id is its pid.
     *
     * @throws TaskException     when the program cannot be found or the process cannot be started
     * @throws ExecutorException when the executor was not started or is closed
     */
    @Override
    public SubmittedTask submit(TaskLaunch launch) throws TaskException, ExecutorException {
        Objects.requireNonNull(launch, "launch");
        ExecutorContext ctx = requireRunning();
        LaunchCommand command = launch.command();
        TaskFiles files = launch.files();
        String taskName = launch.task().name();
        checkProgram(command, taskName);

        List<String> argv = new ArrayList<>(command.argv().size() + 2);
        argv.add(setsidProgram.toString());
        argv.add("--");
        argv.addAll(command.argv());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(command.workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.to(files.stdout().toFile()))
                .redirectError(ProcessBuilder.Redirect.to(files.stderr().toFile()));
        builder.environment().putAll(command.environment());

        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new TaskException("task " + taskName + ": could not start " + command.argv().getFirst()
                    + " in " + command.workDir() + " (output to " + files.stdout() + "): " + e.getMessage()
                    + "; check that the work directory exists and is writable", e);
        }
        Instant startedAt = ctx.time().now();
        SubmittedTask submitted = new SubmittedTask(launch.task().id(), launch.task().attempt(),
                Long.toString(process.pid()));
        LocalTask task = new LocalTask(submitted, process, startedAt);
        tasks.add(submitted, task, TaskStatus.running(startedAt));
        runningByPid.put(process.pid(), task);
        log.debug("task {} started as pid {}: {}", taskName, process.pid(), command.argv());
        // Registered after the maps are filled: a process that is already gone completes right here.
        task.exitRecordedBy(process.onExit().whenComplete((ended, failure) -> onLeaderExit(task)));
        return submitted;
    }

    private static void checkProgram(LaunchCommand command, String taskName) throws TaskException {
        ProgramLocator.Lookup lookup = lookup(command.argv().getFirst(), command.environment(), command.workDir());
        if (lookup.find().isEmpty()) {
            throw new TaskException("task " + taskName + ": " + lookup.problem());
        }
    }

    private static ProgramLocator.Lookup lookup(String program, Map<String, String> env, Path workDir) {
        String taskPath = env.get("PATH");
        String hostPath = System.getenv("PATH");
        return taskPath != null
                ? new ProgramLocator.Lookup(program, taskPath, "the task's", workDir)
                : new ProgramLocator.Lookup(program, hostPath == null ? "" : hostPath, "the host's", workDir);
    }

    /**
     * Checks, before a run, that a program given by bare name is on the PATH a task with this
     * environment will see; a path with a {@code /} is left to launch time, when the work directory
     * it may be relative to exists.
     *
     * @return why the program cannot be run, or empty when it can (or cannot be told yet)
     */
    public static Optional<String> programProblem(String program, Map<String, String> environment) {
        if (program.indexOf('/') >= 0) {
            return Optional.empty();
        }
        ProgramLocator.Lookup lookup = lookup(program, environment, Path.of("/"));
        return lookup.find().isPresent() ? Optional.empty() : Optional.of(lookup.problem());
    }

    /**
     * Runs on the thread that completes {@code onExit}: cleans up the group of a task that was asked to
     * stop, records the end and wakes the host. The cleanup comes first, so that when the host learns
     * of the end the whole group has been signalled.
     */
    private void onLeaderExit(LocalTask task) {
        try {
            int exitCode = task.process().exitValue();
            if (task.needsCleanup() && ownsProcessGroup(task)) {
                try {
                    signaller.signal("KILL", List.of(task.processGroup()));
                } catch (IOException e) {
                    log.warn("task {} (pid {}) ended after SIGTERM, but SIGKILL to what is left of its process"
                            + " group failed: {}", task.submitted().taskId(), task.processGroup(), e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            tasks.record(task.submitted(), task.end(exitCode, context.time().now()));
            runningByPid.remove(task.processGroup(), task);
        } finally {
            context.statusChanged();
        }
    }

    /**
     * Answers from the status table. A task this executor did not launch is reported {@code FAILED},
     * since no process of it will ever be seen here.
     */
    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> batch) throws ExecutorException {
        requireStarted();
        for (LocalTask task : tasks.live(batch)) {
            task.sampleMemory();
        }
        return tasks.answer(batch);
    }

    /**
     * Sends SIGTERM to each task's process group, in one {@code kill} run for the batch, and returns:
     * the host forces a task still running when {@code gracePeriod} has passed. A task whose leader
     * ends before that has what is left of its group killed at once (see {@link #onLeaderExit}). Tasks
     * that have ended, or that this executor does not know, are left alone.
     *
     * @throws ExecutorException when the {@code kill} program cannot be run
     */
    @Override
    public void terminate(Collection<SubmittedTask> batch, Duration gracePeriod) throws ExecutorException {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("grace period must not be negative, got " + gracePeriod);
        }
        ExecutorContext ctx = requireStarted();
        List<LocalTask> targets = tasks.live(batch);
        long now = ctx.time().nanoTime();
        for (LocalTask task : targets) {
            task.terminated("killed by sluice: SIGTERM sent to its process group", now);
        }
        signal("TERM", targets);
    }

    /**
     * Sends SIGKILL to each task's process group, in one {@code kill} run for the batch. Tasks that have
     * ended, or that this executor does not know, are left alone.
     *
     * @throws ExecutorException when the {@code kill} program cannot be run
     */
    @Override
    public void force(Collection<SubmittedTask> batch) throws ExecutorException {
        ExecutorContext ctx = requireStarted();
        List<LocalTask> targets = tasks.live(batch);
        long now = ctx.time().nanoTime();
        for (LocalTask task : targets) {
            long asked = task.terminatedNanos();
            task.forced(asked < 0 ? "killed by sluice: SIGKILL sent to its process group"
                    : "killed by sluice: still running " + Units.formatDuration(Duration.ofNanos(now - asked))
                            + " after SIGTERM, SIGKILL sent to its process group");
        }
        signal("KILL", targets);
    }

    /**
     * Whether the task's process group id still refers to the task: false when the leader has exited
     * and another task of this executor now runs with the same pid, which would be its group id too.
     */
    private boolean ownsProcessGroup(LocalTask task) {
        LocalTask holder = runningByPid.get(task.processGroup());
        return holder == null || holder == task;
    }

    private void signal(String signal, List<LocalTask> targets) throws ExecutorException {
        if (targets.isEmpty()) {
            return;
        }
        try {
            signaller.signal(signal, targets.stream().map(LocalTask::processGroup).toList());
        } catch (IOException e) {
            throw new ExecutorException("could not run " + signaller.killProgram() + " to send SIG" + signal
                    + " to " + targets.size() + " task process group(s): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while sending SIG" + signal + " to task process groups", e);
        }
    }

    /** SIGKILLs every task group still running, and waits briefly for the leaders to be gone. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (context == null) {
            return;
        }
        List<LocalTask> victims = tasks.live();
        if (victims.isEmpty()) {
            return;
        }
        for (LocalTask task : victims) {
            task.forced("killed by sluice: the local executor was closed");
        }
        try {
            signal("KILL", victims.stream().filter(this::ownsProcessGroup).toList());
        } catch (ExecutorException e) {
            log.error("closing the local executor: {}", e.getMessage(), e);
        }
        CompletableFuture<?>[] exits = victims.stream().map(LocalTask::exitRecorded)
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("closing the local executor: tasks still running {} after SIGKILL: pids {}",
                    Units.formatDuration(CLOSE_WAIT), victims.stream().filter(t -> t.process().isAlive())
                            .map(LocalTask::processGroup).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("closing the local executor: {}", e.getMessage(), e);
        }
    }

    private ExecutorContext requireStarted() throws ExecutorException {
        ExecutorContext ctx = context;
        if (ctx == null) {
            throw new ExecutorException("the local executor has not been started; call start() first");
        }
        return ctx;
    }

    private ExecutorContext requireRunning() throws ExecutorException {
        ExecutorContext ctx = requireStarted();
        if (closed) {
            throw new ExecutorException("the local executor is closed and launches no more tasks");
        }
        return ctx;
    }
}
