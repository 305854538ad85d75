package dev.sluice.host.executor.local;

import dev.sluice.kit.StatusTable;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local executor's launches through its task loop ({@link TaskLoop}): what it handed over and not yet
 * heard the end of, the loop's reports turned into statuses, and a loop that stops replaced by a new one.
 * Launches, kills and the close come from the monitor's thread; reports from the loop's reader thread. One
 * lock orders a hand-over against a loop given up on, so that no launch goes to a loop nobody reads.
 */
final class LoopLaunches {
    private static final Logger log = LoggerFactory.getLogger(LoopLaunches.class);
    /** Loops started again in one run after one stopped; past that, local launches fail. */
    static final int RESTARTS = 3;

    /** How the executor finds programs: shared with its launches from the JVM. */
    interface Programs {
        /** The program of {@code request}'s argv, from memory where remembered ({@link Found#remembered}). */
        Found find(List<String> argv, Map<String, String> environment, Path workDir, String taskName) throws TaskException;

        /** Forgets a remembered program that turned out to be gone: whether it was still remembered. */
        boolean forget(Found found);
    }

    /** A program found: {@code remembered} is set when it came from memory, and may be gone since. */
    record Found(Path file, Object remembered) {
    }

    /** A launch handed to the loop: what is needed to record its end, or to hand it over again. */
    private record Looped(LocalTask task, String taskName, Spawner.Request request, Found program, int cpus,
            long memory) {
    }

    /** Starts a loop; null where it cannot start (the reason is logged). */
    interface Starter {
        TaskLoop start(TaskLoop.Reports reports);
    }

    private final StatusTable<LocalTask> tasks;
    private final ExecutorContext context;
    private final PosixSpawner spawner;
    private final LocalSupervisor supervisor;
    private final Programs programs;
    private final Starter starter;
    private final Map<Long, Looped> looped = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** The loop; null once it stopped and could not be started again, or after {@link #close}. */
    private TaskLoop loop;
    /** Why launches fail once there is no loop. */
    private String gone;
    private int restarts;
    private boolean closed;
    /** The last launch number given. */
    private long launches;

    private LoopLaunches(StatusTable<LocalTask> tasks, ExecutorContext context, PosixSpawner spawner,
            LocalSupervisor supervisor, Programs programs, Starter starter) {
        this.tasks = tasks;
        this.context = context;
        this.spawner = spawner;
        this.supervisor = supervisor;
        this.programs = programs;
        this.starter = starter;
    }

    /** Launches through a loop {@code starter} starts; null where the first one cannot start. */
    static LoopLaunches start(StatusTable<LocalTask> tasks, ExecutorContext context, PosixSpawner spawner,
            LocalSupervisor supervisor, Programs programs, Starter starter) {
        LoopLaunches launches = new LoopLaunches(tasks, context, spawner, supervisor, programs, starter);
        synchronized (launches.lock) {
            launches.loop = launches.startLoop();
            return launches.loop == null ? null : launches;
        }
    }

    /** A new loop whose reports are this object's while it is the current one; null where it cannot start. */
    private TaskLoop startLoop() {
        return starter.start(new Reports());
    }

    long pid() {
        synchronized (lock) {
            return loop == null ? -1 : loop.pid();
        }
    }

    /**
     * Hands the launch to the loop and returns at once: the task is pending until the loop starts it, and
     * its native id is {@code L<n>} until then, its pid after.
     *
     * @throws TaskException     when the program cannot be found or an argument cannot be passed
     * @throws ExecutorException when there is no loop (it stopped and could not be started again)
     */
    SubmittedTask submit(SubmittedTaskFactory submitted, String taskName, Spawner.Request request, int cpus,
            long memory, boolean keepGroup) throws TaskException, ExecutorException {
        Found found = programs.find(request.argv(), request.environment(), request.workDir(), taskName);
        Spawner.Request resolved = withProgram(request, found.file());
        try {
            PosixSpawner.refuseNul(resolved);
        } catch (IOException e) {
            throw new TaskException("task " + taskName + ": could not start " + request.argv().getFirst() + ": "
                    + e.getMessage(), e);
        }
        synchronized (lock) {
            if (loop == null && !closed && restarts < RESTARTS) {
                restarts++;
                loop = startLoop();
                if (loop != null) {
                    log.warn("the local executor started a new task loop (pid {}) for the next tasks", loop.pid());
                }
            }
            if (loop == null) {
                throw new ExecutorException("the local executor's task loop stopped (" + gone + ") and could not be"
                        + " started again; no more local tasks can start in this run");
            }
            long id = ++launches;
            SubmittedTask task = submitted.make("L" + id);
            LocalTask local = new LocalTask(task, id, keepGroup);
            Looped entry = new Looped(local, taskName, resolved, found, cpus, memory);
            tasks.add(task, local, TaskStatus.pending());
            looped.put(id, entry);
            try {
                send(loop, id, entry);
            } catch (TaskLoop.TooLarge e) {
                looped.remove(id);
                tasks.forget(task);
                throw new TaskException("task " + taskName + ": " + e.getMessage(), e);
            } catch (IOException e) {
                looped.remove(id);
                tasks.forget(task);
                throw new ExecutorException("the local executor's task loop did not take task " + taskName + ": "
                        + e.getMessage(), e);
            }
            log.debug("task {} handed to the task loop as launch {}: {}", taskName, id, request.argv());
            return task;
        }
    }

    /** Makes the {@code SubmittedTask} of a launch from its native id. */
    @FunctionalInterface
    interface SubmittedTaskFactory {
        SubmittedTask make(String nativeId);
    }

    private static Spawner.Request withProgram(Spawner.Request request, Path program) {
        return new Spawner.Request(program, request.argv(), request.environment(), request.workDir(), request.stdout(),
                request.stderr(), request.endGroupAtExit());
    }

    private void send(TaskLoop to, long id, Looped entry) throws IOException {
        PosixSpawner.Environment environment = spawner.environment(entry.request());
        to.launch(id, entry.cpus(), entry.memory(), entry.request().endGroupAtExit(), entry.request(),
                environment.variables(), environment.addToHost());
    }

    /**
     * Sends {@code signal} to each task's group through the loop, which signals a group only while its
     * leader is not reaped and drops a launch still waiting.
     */
    void signal(List<LocalTask> targets, Spawner.Signal signal) throws ExecutorException {
        synchronized (lock) {
            if (loop == null) {
                return; // gone: every task it held was ended and recorded
            }
            try {
                for (LocalTask task : targets) {
                    if (task.launchId() >= 0) {
                        loop.signal(task.launchId(), signal.number);
                    }
                }
            } catch (IOException e) {
                throw new ExecutorException("could not send SIG" + signal + " to " + targets.size()
                        + " task process group(s): " + e.getMessage(), e);
            }
        }
    }

    /**
     * SIGKILL to every task it holds, then the loop's end, waiting up to {@code wait} for their ends; what
     * is still unrecorded then is recorded as killed.
     */
    void close(Duration wait) {
        TaskLoop closing;
        boolean signalled = false;
        synchronized (lock) {
            closed = true;
            closing = loop;
            loop = null;
            gone = "the local executor was closed";
            for (Looped entry : looped.values()) {
                entry.task().forced("killed by sluice: the local executor was closed");
            }
            if (closing != null) {
                try {
                    for (Looped entry : looped.values()) {
                        closing.signal(entry.task().launchId(), Posix.SIGKILL);
                    }
                    signalled = true;
                } catch (IOException e) {
                    log.warn("closing the local executor: could not signal its tasks through the task loop: {}",
                            e.getMessage());
                }
            }
        }
        boolean ended = false;
        if (closing != null) {
            // Its end drops what waits and ends every running group; their ends are recorded before it exits.
            ended = closing.close(wait);
        }
        if (!signalled || !ended) {
            // No loop took the SIGKILLs, or it did not end as asked (it died): the host ends what it knows of.
            endGroups(List.copyOf(looped.values()));
        }
        endUnrecorded(List.copyOf(looped.keySet()), "killed by sluice: the local executor was closed",
                TaskStatus.State.CANCELLED);
    }

    /**
     * SIGKILL to the groups of these launches that started, and to every group the launch file lists as
     * started and not ended: what a loop that is gone left running (started, not yet reported).
     */
    private void endGroups(List<Looped> entries) {
        for (Looped entry : entries) {
            LocalTask task = entry.task();
            if (task.hasStarted()) {
                try {
                    spawner.signal(Spawner.Signal.KILL, List.of(task.processGroup()));
                } catch (IOException e) {
                    log.warn("could not end task {} (pid {}): {}", entry.taskName(), task.processGroup(), e.getMessage());
                }
            }
        }
        supervisor.killListed(spawner, context.runId());
    }

    /** Records the launches {@code ids} that are still held as ended with {@code reason}. */
    private void endUnrecorded(List<Long> ids, String reason, TaskStatus.State state) {
        Instant now = context.time().now();
        for (Long id : ids) {
            Looped entry = looped.remove(id);
            if (entry != null) {
                LocalTask task = entry.task();
                record(task, TaskStatus.ended(state, reason, null, task.hasStarted() ? task.startedAt() : null, now));
            }
        }
    }

    private void record(LocalTask task, TaskStatus status) {
        tasks.record(task.submitted(), status);
        task.exitRecordedBy(CompletableFuture.completedFuture(null));
    }

    /** What the loop reports, on its reader thread. */
    private final class Reports implements TaskLoop.Reports {
        /** The loop these reports come from: a loss matters only while it is the current one. */
        private volatile TaskLoop owner;

        @Override
        public void from(TaskLoop loop) {
            owner = loop;
        }

        @Override
        public void started(long id, long pid) {
            Looped entry = looped.get(id);
            if (entry == null) {
                return;
            }
            LocalTask task = entry.task();
            // The host's clock when the report arrives: the loop holds reports at most TaskLoop.HOLD.
            Instant at = context.time().now();
            task.started(pid, at, context.time().nanoTime());
            tasks.record(task.submitted(), TaskStatus.running(at).withNativeId(Long.toString(pid)));
            log.debug("task {} started as pid {}", entry.taskName(), pid);
        }

        @Override
        public void notStarted(long id, int error) {
            Looped entry = looped.get(id);
            if (entry == null) {
                return;
            }
            if (entry.program().remembered() != null) {
                // The program remembered for its name may be gone: forgotten, and looked for again, once.
                programs.forget(entry.program());
                retry(id, entry);
                return;
            }
            looped.remove(id);
            Spawner.Request request = entry.request();
            record(entry.task(), TaskStatus.ended(TaskStatus.State.FAILED, "could not start "
                    + request.argv().getFirst() + " in " + request.workDir() + " (output to " + request.stdout() + "): "
                    + spawner.posix().strerror(error) + "; check that the work directory exists and is writable and"
                    + " that the program can run on this machine", null, null, context.time().now()));
        }

        private void retry(long id, Looped entry) {
            Spawner.Request request = entry.request();
            synchronized (lock) {
                String stop = entry.task().cancelReason();
                try {
                    if (stop != null) {
                        // Killed while its first try failed: it does not start again.
                        throw new TaskException(stop);
                    }
                    if (loop == null) {
                        throw new TaskException("the local executor's task loop stopped (" + gone + ")");
                    }
                    Found again = programs.find(request.argv(), request.environment(), request.workDir(),
                            entry.taskName());
                    Looped retried = new Looped(entry.task(), entry.taskName(), withProgram(request, again.file()),
                            new Found(again.file(), null), entry.cpus(), entry.memory());
                    looped.put(id, retried);
                    send(loop, id, retried);
                } catch (TaskException | IOException e) {
                    looped.remove(id);
                    record(entry.task(), stop != null ? entry.task().dropped(context.time().now())
                            : TaskStatus.ended(TaskStatus.State.FAILED, e.getMessage(), null, null, context.time().now()));
                }
            }
        }

        @Override
        public void notListed(long id, int error) {
            Looped entry = looped.remove(id);
            if (entry == null) {
                return;
            }
            record(entry.task(), TaskStatus.ended(TaskStatus.State.FAILED, "could not record its launch in "
                    + supervisor.launchFile() + ": " + spawner.posix().strerror(error) + "; it was stopped, since it"
                    + " would outlive a host that is killed. Check the free space of the work directory", null, null,
                    context.time().now()));
        }

        @Override
        public void ended(long id, int status, long maxRssKilobytes, long loopPeakKilobytes) {
            Looped entry = looped.remove(id);
            if (entry == null) {
                return;
            }
            LocalTask task = entry.task();
            // A child's figure at or below the loop's own peak may be the loop's (ChildReaper.exit).
            Spawner.Exit exit = ChildReaper.exit(status, maxRssKilobytes, loopPeakKilobytes);
            record(task, task.end(exit, context.time().now()).withNativeId(Long.toString(task.processGroup())));
        }

        @Override
        public void dropped(long id) {
            Looped entry = looped.remove(id);
            if (entry != null) {
                record(entry.task(), entry.task().dropped(context.time().now()));
            }
        }

        @Override
        public void batchDone() {
            context.statusChanged();
        }

        /**
         * The loop stopped or failed: its tasks are ended (a live loop ends what it still runs once its stdin
         * closes; the host kills the groups it knows and what the launch file lists as started and not
         * ended) and recorded failed. The next launch starts a new loop.
         */
        @Override
        public void lost(String why) {
            // Under the lock throughout: no new loop starts (and writes the launch file) while this one's
            // tasks are found and killed from it. Rare, and milliseconds long.
            synchronized (lock) {
                TaskLoop old = loop;
                if (closed || old == null || old != owner) {
                    return;
                }
                loop = null;
                gone = why;
                List<Long> held = List.copyOf(looped.keySet());
                log.error("the local executor's task loop stopped ({}); the tasks it held are ended and fail", why);
                // Its stdin first: a loop still alive starts nothing more once the kills below free its CPUs.
                old.abandon();
                endGroups(held.stream().map(looped::get).filter(java.util.Objects::nonNull).toList());
                endUnrecorded(held, "the local executor's task loop stopped (" + why + ")", TaskStatus.State.FAILED);
            }
            context.statusChanged();
        }
    }
}
