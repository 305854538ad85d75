package dev.sluice.host.executor.local;

import dev.sluice.host.io.AtomicFiles;
import dev.sluice.host.process.GroupSignaller;
import dev.sluice.kit.ProgramLocator;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * {@link Process#onExit()} callback writes {@code .exitcode}, records the status and calls
 * {@link ExecutorContext#statusChanged()}; {@link #poll} only reads that memory. No thread is held per
 * running task; a kill batch with a grace period holds one virtual thread while the grace runs.
 *
 * <p>Config keys (the executor's section of the operator config): {@code cpus} (whole number,
 * default: the processors the JVM sees) and {@code memory} (a size, default: the machine's physical
 * memory) set the capacity reported to the host. Linux only: needs util-linux {@code setsid} and a
 * {@code kill} program that takes process groups.
 */
public final class LocalExecutor implements TaskExecutor {
    /** The name pipelines and configs select this executor by. */
    public static final String NAME = "local";
    /** Config key: CPU cores the host may fill with tasks. */
    public static final String CONFIG_CPUS = "cpus";
    /** Config key: memory the host may fill with tasks. */
    public static final String CONFIG_MEMORY = "memory";

    private static final Logger log = LoggerFactory.getLogger(LocalExecutor.class);
    /** How long {@link #close} waits for killed tasks to be gone; the host is shutting down. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Path DEV_NULL = Path.of("/dev/null");

    /** Every task launched in this run, ended ones included, so that later polls still answer. */
    private final Map<SubmittedTask, LocalTask> tasks = new ConcurrentHashMap<>();
    /** Tasks whose group leader is running, by pid, to spot a pid reused before a delayed SIGKILL. */
    private final Map<Long, LocalTask> runningByPid = new ConcurrentHashMap<>();
    /** Tasks sent SIGTERM and waiting out their grace period. */
    private final Set<LocalTask> awaitingForce = ConcurrentHashMap.newKeySet();
    /** The virtual threads waiting out grace periods, interrupted by {@link #close}. */
    private final Set<Thread> graceThreads = ConcurrentHashMap.newKeySet();

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

    private static ExecutorCapacity readCapacity(Settings config) throws ExecutorException {
        try {
            int cpus = config.integer(CONFIG_CPUS, Runtime.getRuntime().availableProcessors());
            if (cpus < 1) {
                throw config.invalid(CONFIG_CPUS, config.string(CONFIG_CPUS, ""),
                        "the local executor needs at least 1 cpu; write e.g. 4, or leave it out to use all "
                                + Runtime.getRuntime().availableProcessors());
            }
            long memory = config.size(CONFIG_MEMORY, physicalMemory());
            if (memory < 1) {
                throw config.invalid(CONFIG_MEMORY, config.string(CONFIG_MEMORY, ""),
                        "the local executor needs some memory; write e.g. 16GB, or leave it out to use all "
                                + Units.formatSize(physicalMemory()));
            }
            return new ExecutorCapacity(cpus, memory, 0);
        } catch (InvalidSettingException e) {
            throw new ExecutorException("local executor config key '" + e.key() + "' is invalid: "
                    + e.getMessage(), e);
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
     * Launches the task in a new process group and returns at once; the native id is its pid.
     *
     * @throws TaskException     when the program cannot be found or the process cannot be started
     * @throws ExecutorException when the executor was not started or is closed
     */
    /**
     * Starting a process costs a fork and two execs (setsid, then the program), a few milliseconds
     * each on a busy machine; as many launches as there are CPUs overlap. {@link #submit} only
     * touches concurrent maps, so it is safe to call from several threads.
     */
    @Override
    public int submitConcurrency() {
        ExecutorCapacity c = capacity;
        return c == null ? 1 : Math.max(1, c.cpus());
    }

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
        LocalTask task = new LocalTask(submitted, process, files, startedAt);
        tasks.put(submitted, task);
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

    /** Runs on the JDK thread that completes {@code onExit}: records the end and wakes the host. */
    private void onLeaderExit(LocalTask task) {
        try {
            Instant endedAt = context.time().now();
            int exitCode = task.process().exitValue();
            try {
                writeExitCode(task.files().exitCode(), exitCode);
            } catch (IOException | RuntimeException e) {
                log.warn("task {} (pid {}) exited with {} but its exit code file {} could not be written: {}",
                        task.submitted().taskId(), task.processGroup(), exitCode, task.files().exitCode(),
                        e.toString());
            }
            // The file is written first so that whoever sees the status also finds the file.
            task.recordExit(exitCode, endedAt);
            runningByPid.remove(task.processGroup(), task);
        } finally {
            context.statusChanged();
        }
    }

    private static void writeExitCode(Path target, int exitCode) throws IOException {
        AtomicFiles.write(target, exitCode + "\n", StandardCharsets.US_ASCII);
    }

    /**
     * Answers from memory. A task this executor did not launch is reported {@code FAILED}, since no
     * process of it will ever be seen here.
     */
    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> batch) throws ExecutorException {
        requireStarted();
        Map<SubmittedTask, TaskStatus> answer = new LinkedHashMap<>();
        for (SubmittedTask submitted : batch) {
            LocalTask task = tasks.get(submitted);
            if (task != null) {
                task.sampleMemory();
            }
            answer.put(submitted, task != null ? task.status()
                    : TaskStatus.ended(TaskStatus.State.FAILED, "the local executor has no process for task "
                            + submitted.taskId() + " attempt " + submitted.attempt() + " (pid "
                            + submitted.nativeId() + "): it was not launched by this executor in this run",
                            null, null, null));
        }
        return answer;
    }

    /**
     * Sends SIGTERM to each task's process group now, and SIGKILL after {@code gracePeriod} on the
     * context's clock; a zero grace period sends SIGKILL at once. Tasks that have ended, or that this
     * executor does not know, are left alone.
     *
     * @throws ExecutorException when the {@code kill} program cannot be run
     */
    @Override
    public void kill(Collection<SubmittedTask> batch, Duration gracePeriod) throws ExecutorException {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("grace period must not be negative, got " + gracePeriod);
        }
        requireStarted();
        List<LocalTask> targets = new ArrayList<>();
        for (SubmittedTask submitted : batch) {
            LocalTask task = tasks.get(submitted);
            if (task != null && !task.hasEnded()) {
                targets.add(task);
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        if (gracePeriod.isZero()) {
            force(targets, "killed by sluice: SIGKILL sent to its process group");
            return;
        }
        for (LocalTask task : targets) {
            task.markCancelled("killed by sluice: SIGTERM sent to its process group");
        }
        awaitingForce.addAll(targets);
        try {
            sendOrFail("TERM", targets);
        } catch (ExecutorException e) {
            targets.forEach(awaitingForce::remove);
            throw e;
        }
        Thread grace = Thread.ofVirtual().name("sluice-local-kill-grace").unstarted(
                () -> forceAfterGrace(targets, gracePeriod));
        graceThreads.add(grace);
        grace.start();
    }

    private void forceAfterGrace(List<LocalTask> targets, Duration gracePeriod) {
        try {
            context.time().sleep(gracePeriod);
            // Groups whose leader has exited are signalled too: a child that ignored SIGTERM may remain.
            List<LocalTask> stillOwned = targets.stream().filter(this::ownsProcessGroup).toList();
            force(stillOwned, "killed by sluice: still running " + Units.formatDuration(gracePeriod)
                    + " after SIGTERM, SIGKILL sent to its process group");
        } catch (InterruptedException e) {
            // close() interrupts waiting grace periods and kills the groups itself.
            Thread.currentThread().interrupt();
        } catch (ExecutorException e) {
            log.error("could not force-kill tasks after their grace period: {}", e.getMessage(), e);
        } finally {
            targets.forEach(awaitingForce::remove);
            graceThreads.remove(Thread.currentThread());
        }
    }

    /**
     * Whether the task's process group id still refers to the task: false when the leader has exited
     * and another task of this executor now runs with the same pid, which would be its group id too.
     */
    private boolean ownsProcessGroup(LocalTask task) {
        LocalTask holder = runningByPid.get(task.processGroup());
        return holder == null || holder == task;
    }

    private void force(List<LocalTask> targets, String reason) throws ExecutorException {
        for (LocalTask task : targets) {
            if (!task.hasEnded()) {
                task.markCancelled(reason);
            }
        }
        sendOrFail("KILL", targets);
    }

    private void sendOrFail(String signal, List<LocalTask> targets) throws ExecutorException {
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

    /** SIGKILLs every task group still running or still in its grace period, and waits briefly. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (context == null) {
            return;
        }
        // Taken before the interrupts, which make the grace threads forget their tasks.
        Set<LocalTask> victims = new LinkedHashSet<>(awaitingForce);
        graceThreads.forEach(Thread::interrupt);
        for (LocalTask task : tasks.values()) {
            if (!task.hasEnded()) {
                victims.add(task);
            }
        }
        if (victims.isEmpty()) {
            return;
        }
        try {
            force(victims.stream().filter(this::ownsProcessGroup).toList(),
                    "killed by sluice: the local executor was closed");
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
