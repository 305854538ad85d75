package dev.sluice.host.executor.local;

import dev.sluice.kit.ExecutorConfig;
import dev.sluice.kit.IoErrors;
import dev.sluice.kit.ProgramLocator;
import dev.sluice.kit.StatusTable;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.Hints;
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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * <p>A task is launched as the leader of a new session in its work directory, with the host's
 * environment plus the task's variables, stdin from {@code /dev/null} and stdout/stderr written
 * straight to {@code .command.out}/{@code .command.err}: by one {@code posix_spawn} where the JVM
 * grants native access on Linux with glibc ({@link PosixSpawner}), otherwise as {@code setsid --
 * <argv...>} through the JDK ({@link JdkSpawner}). When the leader exits, the {@link Spawner}'s
 * callback records the status in the status table and calls {@link ExecutorContext#statusChanged()};
 * {@link #poll} only reads that table (and samples the memory of a few long-running tasks), and the
 * host writes {@code .exitcode} from what it reports, unless a script wrote its own. What a task leaves running in its group is
 * killed when the leader exits, unless the hint {@code local/keepProcessGroup} is true. The executor
 * holds no thread per running task, and none waits out a kill's grace: the host forces a task whose
 * grace has passed.
 *
 * <p>Config keys (the executor's section of the operator config): {@code cpus} (whole number,
 * default: the processors the JVM sees) and {@code memory} (a size, default: the machine's physical
 * memory) set the capacity reported to the host. Linux only; launching through the JDK needs
 * util-linux {@code setsid} and a {@code kill} program that takes process groups.
 */
public final class LocalExecutor implements TaskExecutor {
    /** The name pipelines and configs select this executor by. */
    public static final String NAME = "local";

    private static final Logger log = LoggerFactory.getLogger(LocalExecutor.class);
    /** How long {@link #close} waits for killed tasks to be gone; the host is shutting down. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /**
     * Memory readings per poll, whatever the number of running tasks, and the age a task must reach
     * before it is read at all: the kernel's figure at the end covers short tasks, and a reading walks
     * /proc, so its cost must not grow with the tasks running (issue 14).
     */
    static final int READINGS_PER_POLL = 4;
    static final Duration READ_MEMORY_AFTER = Duration.ofSeconds(1);
    /** The hint that keeps what a task leaves running in its process group alive after the task. */
    public static final String KEEP_PROCESS_GROUP = Hints.key(NAME, "keepProcessGroup");

    /**
     * The tasks launched in this run whose end the host has not been told yet: an end is dropped once a
     * poll has reported it, so a run of many tasks holds only those in flight (issue 14). A task not
     * here will never be seen, so it is reported failed.
     */
    private final StatusTable<LocalTask> tasks = new StatusTable<>(StatusTable.Unknown.failed(submitted ->
            "the local executor has no process for task " + submitted.taskId() + " attempt " + submitted.attempt()
                    + " (pid " + submitted.nativeId() + "): it was not launched by this executor in this run, or"
                    + " its end was reported already"),
            StatusTable.Reporting.EVERY_POLL, StatusTable.Ends.FORGOTTEN_ONCE_REPORTED);
    /** Tasks whose group leader is running, by pid, to spot a pid reused before a group is signalled. */
    private final Map<Long, LocalTask> runningByPid = new ConcurrentHashMap<>();

    private volatile ExecutorContext context;
    private volatile ExecutorCapacity capacity;
    /** Bare program names already found on a PATH, so that a launch does not search it again. */
    private final Map<ProgramKey, Path> programs = new ConcurrentHashMap<>();
    private final SpawnerFactory spawnerFactory;
    private volatile Spawner spawner;
    /** Ends this run's tasks if the host dies without ending them ({@link LocalSupervisor}). */
    private volatile LocalSupervisor supervisor;
    private volatile boolean closed;
    /** Where the next poll's memory readings start among the running tasks, so every task gets its turn. */
    private int readingCursor;
    /** Where the task loop's program is; {@code null}: every task is started from the JVM. */
    private final Path loopProgram;
    /** The launches through the run's task loop, where it started; {@code null}: tasks start from the JVM. */
    private volatile LoopLaunches loop;

    /** Creates an executor that launches the best way this machine allows; {@link #start} prepares it. */
    public LocalExecutor() {
        this(Spawner::open, TaskLoop.location());
    }

    /** For tests: an executor that launches with what {@code spawnerFactory} opens, from the JVM. */
    LocalExecutor(SpawnerFactory spawnerFactory) {
        this(spawnerFactory, null);
    }

    /**
     * For tests: an executor that launches with what {@code spawnerFactory} opens, through the task loop
     * {@code loopProgram} where it can start ({@code null}: from the JVM).
     */
    LocalExecutor(SpawnerFactory spawnerFactory, Path loopProgram) {
        this.spawnerFactory = Objects.requireNonNull(spawnerFactory, "spawnerFactory");
        this.loopProgram = loopProgram;
    }


    /** Opens the {@link Spawner} a run launches with. */
    @FunctionalInterface
    interface SpawnerFactory {
        Spawner open() throws ExecutorException;
    }

    private record ProgramKey(String program, String path) {
        // Written out: looked up at every launch, from the first, before the JIT compiled the generated ones.
        @Override
        public boolean equals(Object o) {
            return o instanceof ProgramKey other && java.util.Objects.equals(program, other.program)
                    && java.util.Objects.equals(path, other.path);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(program) + java.util.Objects.hashCode(path);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Reads the config and opens the way tasks are launched.
     *
     * @throws ExecutorException naming the config key and bad value, or the missing program
     */
    @Override
    public void start(ExecutorContext executorContext) throws ExecutorException {
        Objects.requireNonNull(executorContext, "executorContext");
        ExecutorCapacity configured = readCapacity(executorContext.config());
        Spawner opened = spawnerFactory.open();
        try {
            this.supervisor = LocalSupervisor.start(executorContext.workRoot(), executorContext.runId(), opened);
        } catch (IOException e) {
            opened.close();
            throw new ExecutorException("the local executor cannot record its tasks' launches under "
                    + executorContext.workRoot().resolve("runs") + " (" + IoErrors.describe(e) + "); without that record a"
                    + " task would outlive a host that is killed. Check that the work directory is writable and"
                    + " that /bin/sh exists", e);
        }
        this.capacity = configured;
        this.spawner = opened;
        this.context = executorContext;
        this.loop = startLoop(opened, configured, executorContext);
        log.debug("local executor started: {} cpus, {} memory, launching with {}", configured.cpus(),
                Units.formatSize(configured.memoryBytes()), loop != null
                        ? "the task loop (pid " + loop.pid() + ", " + launchesAhead() + " launches ahead)"
                        : opened.describe());
    }

    /**
     * Launches queued beyond the free CPUs, with the loop: enough that the loop does not run dry while the
     * host takes in a batch of ends (bench/results/dispatch-2026-12-05-stop36.md).
     */
    static int launchesAhead(int cpus) {
        return Math.max(16, 8 * cpus);
    }

    /** Launches through the task loop where this machine can run it; otherwise null, and tasks start from the JVM. */
    private LoopLaunches startLoop(Spawner opened, ExecutorCapacity configured, ExecutorContext ctx) {
        if (loopProgram == null || !(opened instanceof PosixSpawner posixSpawner)) {
            return null;
        }
        int ahead = launchesAhead(configured.cpus());
        boolean[] first = {true};
        return LoopLaunches.start(tasks, ctx, posixSpawner, supervisor, new LoopPrograms(), reports -> {
            try {
                return TaskLoop.start(posixSpawner, loopProgram, supervisor.launchFile(), configured.cpus(),
                        configured.memoryBytes(), ahead / 2, reports);
            } catch (IOException e) {
                if (first[0]) {
                    log.debug("local executor: the task loop cannot be used ({}); starting tasks from the JVM",
                            e.getMessage());
                } else {
                    log.error("the local executor's task loop could not be started again: {}", e.getMessage());
                }
                return null;
            } finally {
                first[0] = false;
            }
        });
    }

    /** Program look-ups for the task loop's launches, sharing what launches from the JVM remember. */
    private final class LoopPrograms implements LoopLaunches.Programs {
        @Override
        public LoopLaunches.Found find(List<String> argv, Map<String, String> environment, Path workDir,
                String taskName) throws TaskException {
            String program = argv.getFirst();
            ProgramLocator.Lookup lookup = lookup(program, environment, workDir);
            boolean bare = !program.isEmpty() && program.indexOf('/') < 0 && absoluteEntriesOnly(lookup.path());
            ProgramKey key = bare ? new ProgramKey(program, lookup.path()) : null;
            Path remembered = bare ? programs.get(key) : null;
            if (remembered != null) {
                return new LoopLaunches.Found(remembered, key);
            }
            Path file = LocalExecutor.find(lookup, taskName);
            if (bare) {
                programs.put(key, file);
            }
            return new LoopLaunches.Found(file, null);
        }

        @Override
        public boolean forget(LoopLaunches.Found found) {
            return found.remembered() instanceof ProgramKey key && programs.remove(key, found.file());
        }
    }

    private static ExecutorCapacity readCapacity(Settings settings) throws ExecutorException {
        ExecutorConfig config = new ExecutorConfig(NAME, settings);
        try {
            return capacity(config);
        } catch (InvalidSettingException e) {
            throw config.failure(e);
        }
    }

    /** {@code cpus} and {@code memory}; any other key but the host's is refused. */
    private static ExecutorCapacity capacity(ExecutorConfig config) {
        config.requireKnown(List.of(ExecutorConfig.CPUS, ExecutorConfig.MEMORY));
        return new ExecutorCapacity(config.cpus(Runtime.getRuntime().availableProcessors()),
                config.memory(physicalMemory()), 0);
    }

    @Override
    public void validateConfig(Settings config) {
        capacity(new ExecutorConfig(NAME, config));
    }

    private static long physicalMemory() {
        // The com.sun.management bean knows the machine's (or the container's) total memory.
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** The configured or detected cpus and memory; accelerators are not counted. */
    /** For tests: the task loop's pid, or -1 where tasks start from the JVM or the loop is gone. */
    long loopPid() {
        LoopLaunches looping = loop;
        return looping == null ? -1 : looping.pid();
    }

    @Override
    public ExecutorCapacity capacity() {
        ExecutorCapacity current = capacity;
        if (current == null) {
            throw new IllegalStateException("the local executor has not been started");
        }
        return current;
    }

    /**
     * Starting a process costs a clone and an exec (three execs through the JDK), a millisecond or more
     * on a busy machine; as many launches as there are CPUs overlap. {@link #submit} only
     * touches the status table and a concurrent map, so it is safe to call from several threads.
     */
    @Override
    public int submitConcurrency() {
        ExecutorCapacity c = capacity;
        // Handing a launch to the loop is one write to a pipe: the monitor's thread does it.
        return c == null || loop != null ? 1 : Math.max(1, c.cpus());
    }

    /** With the task loop, {@link #launchesAhead(int)} launches wait in it ahead of the free CPUs; else none. */
    @Override
    public int launchesAhead() {
        ExecutorCapacity c = capacity;
        return c == null || loop == null ? 0 : launchesAhead(c.cpus());
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
        boolean keepGroup = keepsProcessGroup(launch.task().hints());
        Map<String, String> environment = command.environment();
        LoopLaunches looping = loop;
        if (looping != null) {
            dev.sluice.spi.Resources resources = launch.task().resources();
            return looping.submit(id -> new SubmittedTask(launch.task().id(), launch.task().attempt(), id), taskName,
                    new Spawner.Request(Path.of(command.argv().getFirst()), command.argv(), environment,
                            command.workDir(), files.stdout(), files.stderr(), !keepGroup),
                    resources.cpus(), resources.memoryBytes(), keepGroup);
        }

        Spawner.Child child;
        try {
            child = spawn(command, files, environment, taskName, !keepGroup);
        } catch (IOException e) {
            throw new TaskException("task " + taskName + ": could not start " + command.argv().getFirst()
                    + " in " + command.workDir() + " (output to " + files.stdout() + "): " + e.getMessage()
                    + "; check that the work directory exists and is writable and that the program can run on"
                    + " this machine", e);
        }
        try {
            supervisor.launched(child.pid());
        } catch (IOException e) {
            // A task nobody would end if the host died does not run.
            try {
                spawner.signal(Spawner.Signal.KILL, List.of(child.pid()));
            } catch (IOException killFailed) {
                e.addSuppressed(killFailed);
            }
            throw new TaskException("task " + taskName + ": could not record its launch (pid " + child.pid() + ") in "
                    + ctx.workRoot().resolve("runs").resolve(ctx.runId()).resolve(LocalSupervisor.FILE_NAME) + ": "
                    + IoErrors.describe(e) + "; it was stopped, since it would outlive a host that is killed. Check the"
                    + " free space of the work directory", e);
        }
        Instant startedAt = ctx.time().now();
        SubmittedTask submitted = new SubmittedTask(launch.task().id(), launch.task().attempt(),
                Long.toString(child.pid()));
        LocalTask task = new LocalTask(submitted, child, startedAt, ctx.time().nanoTime(), keepGroup);
        tasks.add(submitted, task, TaskStatus.running(startedAt));
        runningByPid.put(child.pid(), task);
        log.debug("task {} started as pid {}: {}", taskName, child.pid(), command.argv());
        // Registered after the maps are filled: a process that is already gone completes right here.
        task.exitRecordedBy(child.exit().whenComplete((exit, failure) -> onLeaderExit(task, exit, failure)));
        return submitted;
    }

    /**
     * Finds the program (a bare name once per PATH, then from memory) and starts it; when a remembered
     * program is gone, looks again once. Only a PATH of absolute directories is remembered: an empty or
     * relative entry means a directory of each task's own.
     */
    private Spawner.Child spawn(LaunchCommand command, TaskFiles files, Map<String, String> environment,
            String taskName, boolean endGroup) throws TaskException, IOException {
        String program = command.argv().getFirst();
        ProgramLocator.Lookup lookup = lookup(program, command.environment(), command.workDir());
        boolean bare = !program.isEmpty() && program.indexOf('/') < 0 && absoluteEntriesOnly(lookup.path());
        ProgramKey key = bare ? new ProgramKey(program, lookup.path()) : null;
        Path remembered = bare ? programs.get(key) : null;
        Path file = remembered != null ? remembered : find(lookup, taskName);
        try {
            Spawner.Child child = spawner.spawn(new Spawner.Request(file, command.argv(), environment,
                    command.workDir(), files.stdout(), files.stderr(), endGroup));
            if (bare && remembered == null) {
                programs.put(key, file);
            }
            return child;
        } catch (IOException e) {
            if (remembered == null) {
                throw e;
            }
            programs.remove(key, remembered);
            return spawner.spawn(new Spawner.Request(find(lookup, taskName), command.argv(), environment,
                    command.workDir(), files.stdout(), files.stderr(), endGroup));
        }
    }

    /**
     * Checks the {@code local/*} hints: {@code local/keepProcessGroup} is the only one, a boolean.
     *
     * @throws InvalidSettingException naming the hint and the fix
     */
    @Override
    public void validateHints(Hints hints) {
        keepsProcessGroup(hints);
    }

    private static boolean keepsProcessGroup(Hints hints) {
        String prefix = NAME + Hints.NAMESPACE_SEPARATOR;
        for (String key : hints.keys()) {
            if (key.startsWith(prefix) && !key.equals(KEEP_PROCESS_GROUP)) {
                throw hints.invalid(key, hints.string(key, ""), "not a hint of the local executor; it knows "
                        + KEEP_PROCESS_GROUP);
            }
        }
        return hints.bool(KEEP_PROCESS_GROUP, false);
    }

    /**
     * Every entry of a PATH starts with '/' (an empty one is the working directory). Scanned, not split:
     * every launch asks.
     */
    private static boolean absoluteEntriesOnly(String path) {
        if (!path.startsWith("/")) {
            return false;
        }
        for (int colon = path.indexOf(':'); colon >= 0; colon = path.indexOf(':', colon + 1)) {
            if (colon + 1 == path.length() || path.charAt(colon + 1) != '/') {
                return false;
            }
        }
        return true;
    }

    private static Path find(ProgramLocator.Lookup lookup, String taskName) throws TaskException {
        return lookup.find().orElseThrow(() -> new TaskException("task " + taskName + ": " + lookup.problem()));
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
     * Runs on the thread that learns of the end: kills what is left of the task's group when the
     * spawner has not already (through the JDK; or a task that keeps its group but was asked to stop),
     * records the end and wakes the host. The kill comes first, so that when the host learns of the end
     * the whole group has been signalled.
     */
    private void onLeaderExit(LocalTask task, Spawner.Exit exit, Throwable failure) {
        try {
            boolean endedBySpawner = !task.keepsGroup() && spawner.endsGroupsAtExit();
            if ((task.needsCleanup() || !task.keepsGroup()) && !endedBySpawner && ownsProcessGroup(task)) {
                try {
                    spawner.signal(Spawner.Signal.KILL, List.of(task.processGroup()));
                } catch (IOException e) {
                    log.warn("task {} (pid {}) ended, but SIGKILL to what is left of its process"
                            + " group failed: {}", task.submitted().taskId(), task.processGroup(), e.getMessage());
                }
            }
            supervisor.ended(task.processGroup());
            Instant now = context.time().now();
            Throwable cause = failure instanceof CompletionException wrapped && wrapped.getCause() != null
                    ? wrapped.getCause() : failure;
            tasks.record(task.submitted(), failure == null ? task.end(exit, now) : task.lost(cause, now));
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
        ExecutorContext ctx = requireStarted();
        readMemory(tasks.live(batch), ctx.time().nanoTime());
        return tasks.answer(batch);
    }

    /**
     * Reads the memory of at most {@link #READINGS_PER_POLL} of the tasks that have run for
     * {@link #READ_MEMORY_AFTER}, taking turns across polls.
     */
    private void readMemory(List<LocalTask> live, long now) {
        if (live.isEmpty()) {
            return;
        }
        long minAge = READ_MEMORY_AFTER.toNanos();
        int size = live.size();
        int start = Math.floorMod(readingCursor, size);
        int read = 0;
        for (int i = 0; i < size && read < READINGS_PER_POLL; i++) {
            LocalTask task = live.get((start + i) % size);
            if (task.hasStarted() && now - task.startedNanos() >= minAge) {
                task.sampleMemory();
                read++;
                readingCursor = start + i + 1;
            }
        }
    }

    /**
     * Sends SIGTERM to each task's process group (with {@code kill(2)}, or one {@code kill} program run for
     * the batch when launching through the JDK), and returns:
     * the host forces a task still running when {@code gracePeriod} has passed. A task whose leader
     * ends before that has what is left of its group killed at once (see {@link #onLeaderExit}). Tasks
     * that have ended, or that this executor does not know, are left alone.
     *
     * @throws ExecutorException when a group cannot be signalled
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
        signal(Spawner.Signal.TERM, targets);
    }

    /**
     * Sends SIGKILL to each task's process group, as {@link #terminate} sends SIGTERM. Tasks that have
     * ended, or that this executor does not know, are left alone.
     *
     * @throws ExecutorException when a group cannot be signalled
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
        signal(Spawner.Signal.KILL, targets);
    }

    /**
     * Whether the task's process group id still refers to the task: false when the leader has exited
     * and another task of this executor now runs with the same pid, which would be its group id too.
     */
    private boolean ownsProcessGroup(LocalTask task) {
        LocalTask holder = runningByPid.get(task.processGroup());
        return holder == null || holder == task;
    }

    private void signal(Spawner.Signal signal, List<LocalTask> targets) throws ExecutorException {
        if (targets.isEmpty()) {
            return;
        }
        LoopLaunches looping = loop;
        if (looping != null) {
            looping.signal(targets, signal);
            return;
        }
        try {
            spawner.signal(signal, targets.stream().map(LocalTask::processGroup).toList());
        } catch (IOException e) {
            throw new ExecutorException("could not send SIG" + signal + " to " + targets.size()
                    + " task process group(s): " + e.getMessage(), e);
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
        try {
            LoopLaunches looping = loop;
            if (looping != null) {
                looping.close(CLOSE_WAIT);
            } else {
                killAndWait(tasks.live());
            }
        } finally {
            // The watcher first: the spawner's reaper learns of its end.
            try {
                supervisor.close();
            } finally {
                spawner.close();
            }
        }
    }

    private void killAndWait(List<LocalTask> victims) {
        if (victims.isEmpty()) {
            return;
        }
        for (LocalTask task : victims) {
            task.forced("killed by sluice: the local executor was closed");
        }
        try {
            signal(Spawner.Signal.KILL, victims.stream().filter(t -> t.hasStarted() && ownsProcessGroup(t)).toList());
        } catch (ExecutorException e) {
            log.error("closing the local executor: {}", e.getMessage(), e);
        }
        CompletableFuture<?>[] exits = victims.stream().map(LocalTask::exitRecorded)
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("closing the local executor: tasks still running {} after SIGKILL: pids {}",
                    Units.formatDuration(CLOSE_WAIT), victims.stream().filter(t -> !t.exitRecorded().isDone())
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
