package dev.sluice.plugins.docker;

import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * How a task ended, once its output stream did: the engine is asked for the exit code of the exec or
 * container, and whether the container died with it or the out-of-memory killer struck. Runs on the
 * stream's own thread.
 */
final class TaskEnds {
    /** How long after an exec ended with SIGKILL an out-of-memory event of its container may still arrive. */
    static final Duration OOM_EVENT_GRACE = Duration.ofMillis(500);
    /** How long a killed exec's container may still look alive before its own end is reported. */
    static final Duration CONTAINER_END_GRACE = Duration.ofSeconds(1);
    /** How long the engine is given to report a container's exit code once its stream ended. */
    static final Duration WAIT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration POLL_STEP = Duration.ofMillis(50);

    private final Engine engine;
    private final Containers containers;
    private final OomKills oomKills;
    private final Outages outages;
    /** Tasks failed because the engine stayed silent, whose processes may outlive its return. */
    private final java.util.Queue<EngineAttempt> lostInOutage = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Records a task's end and tells the host to poll now. */
    private final BiConsumer<EngineAttempt, TaskStatus> ended;
    private final TimeSource time;
    /** The session containers' memory limit, for messages. */
    private final long sessionMemory;
    private final Logger log;

    TaskEnds(Engine engine, Containers containers, OomKills oomKills, Outages outages,
            BiConsumer<EngineAttempt, TaskStatus> ended, TimeSource time, long sessionMemory, Logger log) {
        this.engine = engine;
        this.containers = containers;
        this.oomKills = oomKills;
        this.outages = outages;
        this.ended = ended;
        this.time = time;
        this.sessionMemory = sessionMemory;
        this.log = log;
    }

    /** An exec's stream ended: ask the engine how. */
    void execEnded(EngineAttempt run) {
        Long exitCode = null;
        try {
            Engine.ExecState exec = engine.inspectExec(run.execId);
            if (!exec.running()) {
                exitCode = exec.exitCode();
            }
        } catch (EngineException e) {
            if (e.is(EngineException.Kind.UNREACHABLE)) {
                endAfterOutage(run);
                return;
            }
            log.debug("inspecting exec {} of {} failed: {}", run.execId, run.container(), e.getMessage());
        }
        // An exec that exited by itself (below 128) ran in a live container; anything else may have
        // died with it, and only then is the container asked about.
        boolean exitedByItself = exitCode != null && exitCode >= 0 && exitCode < 128;
        if (!exitedByItself && diedWithTheEngine(run)) {
            endAfterOutage(run);
            return;
        }
        Optional<ContainerState> state;
        try {
            state = exitedByItself ? Optional.empty() : stateAfterSignal(run);
        } catch (EngineException e) {
            if (!e.is(EngineException.Kind.UNREACHABLE)) {
                throw e;
            }
            endAfterOutage(run);
            return;
        }
        boolean containerRuns = exitedByItself || state.map(ContainerState::running).orElse(false);
        Instant now = time.now();
        TaskStatus status;
        if (!containerRuns) {
            String why = "container " + run.container() + " " + ContainerState.describe(state) + " while the task ran";
            run.session.died(ContainerState.describe(state));
            status = TaskStatus.ended(TaskStatus.State.FAILED, why, exitCode == null ? null : exitCode.intValue(),
                    run.startedAt, now);
        } else if (exitCode == null) {
            status = TaskStatus.ended(TaskStatus.State.FAILED, "the engine lost track of the task's exec in container "
                    + run.container() + " (its output stream ended before it did)", null, run.startedAt, now);
        } else if (exitCode == ContainerState.SIGKILL_EXIT && !run.killRequested && killedForMemory(run)) {
            status = TaskStatus.ended(TaskStatus.State.OUT_OF_MEMORY, "the out-of-memory killer ended it in container "
                    + run.container() + memoryLimitNote(sessionMemory, "executors.docker.memory"),
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
    private Optional<ContainerState> stateAfterSignal(EngineAttempt run) {
        AtomicReference<Optional<ContainerState>> state = new AtomicReference<>();
        within(CONTAINER_END_GRACE, () -> {
            state.set(containers.state(run.containerId, true));
            return !state.get().map(ContainerState::running).orElse(false) || run.killRequested
                    || oomKills.since(run.containerId, run.startSystemNanos);
        });
        return state.get();
    }

    /** Whether the container's cgroup reported an out-of-memory kill since the run started, waiting briefly for it. */
    private boolean killedForMemory(EngineAttempt run) {
        return within(OOM_EVENT_GRACE, () -> oomKills.since(run.containerId, run.startSystemNanos));
    }

    /** Asks {@code done} every {@link #POLL_STEP} until it holds or {@code grace} has passed; whether it held. */
    private boolean within(Duration grace, BooleanSupplier done) {
        long deadline = time.nanoTime() + grace.toNanos();
        while (!done.getAsBoolean()) {
            if (time.nanoTime() > deadline) {
                return false;
            }
            try {
                time.sleep(POLL_STEP);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** A task's own container's stream ended: read its exit code and state, then remove it. */
    void containerEnded(EngineAttempt run) {
        Instant now = time.now();
        TaskStatus status;
        try {
            Integer code;
            try {
                code = engine.waitContainer(run.containerId, WAIT_TIMEOUT);
            } catch (EngineException e) {
                if (!e.is(EngineException.Kind.UNREACHABLE)) {
                    throw e;
                }
                endAfterOutage(run);
                return;
            }
            if (code != null && code >= 128 && diedWithTheEngine(run)) {
                endAfterOutage(run);
                return;
            }
            ContainerState state = containers.state(run.containerId, true).orElse(null);
            boolean outOfMemory = state != null && state.oomKilled();
            boolean unexplainedKill = code != null && code == ContainerState.SIGKILL_EXIT && !run.killRequested;
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
        } catch (EngineException e) {
            status = TaskStatus.ended(TaskStatus.State.FAILED, "container " + run.container() + " could not be "
                    + "inspected after its end: " + e.getMessage(), null, run.startedAt, now);
        }
        end(run, status);
        containers.remove(run.containerId);
    }

    /**
     * The task's stream ended as the engine stopped answering (a daemon stopping kills what runs in its
     * containers unless it keeps them alive, {@code live-restore}): the engine is waited for, then asked
     * how the task ended. One that exited by itself keeps its exit code; one that died with the daemon,
     * or whose end the engine forgot, ends as a node failure, which the host runs again; one still
     * running (its stream lost) is killed first, so that it never runs twice. An engine silent for the
     * whole of {@code plugins.docker.daemonOutage} fails the task the same way.
     */
    private void endAfterOutage(EngineAttempt run) {
        run.outage = true;
        boolean back;
        try {
            back = outages.awaitEngine("task " + run.launch.task().name() + " in " + run.container());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            back = false;
        }
        String where = run.execId == null ? "its container " + run.container() : "container " + run.container();
        if (!back) {
            if (run.session != null) {
                run.session.died("the Docker engine did not answer");
            }
            // It may still run (live-restore): ended once the engine answers again, before it can run twice.
            lostInOutage.add(run);
            end(run, TaskStatus.ended(TaskStatus.State.NODE_FAILURE, "the Docker engine did not answer for "
                    + outages.setting() + " while the task ran in " + where, null, run.startedAt, time.now()));
            return;
        }
        Long exitCode = null;
        boolean running = false;
        Optional<ContainerState> state = Optional.empty();
        try {
            if (run.execId != null) {
                Engine.ExecState exec = engine.inspectExec(run.execId);
                running = exec.running();
                exitCode = running ? null : exec.exitCode();
            }
        } catch (EngineException e) {
            log.debug("exec {} of {} is unknown after the engine came back: {}", run.execId, run.container(),
                    e.getMessage());
        }
        try {
            state = containers.state(run.containerId, true);
            if (run.execId == null) {
                running = state.map(ContainerState::running).orElse(false);
                exitCode = running ? null : state.map(ContainerState::exitCode).orElse(null);
            }
        } catch (EngineException e) {
            log.debug("container {} is unknown after the engine came back: {}", run.container(), e.getMessage());
        }
        boolean containerRuns = state.map(ContainerState::running).orElse(false);
        if (run.session != null && !containerRuns) {
            run.session.died("stopped with the Docker engine");
        }
        TaskStatus status;
        if (exitCode != null && exitCode >= 0 && exitCode < 128 && !running) {
            status = TaskStatus.completed(exitCode.intValue(), run.startedAt, time.now());
        } else {
            if (running) {
                forceLost(run);
            }
            status = TaskStatus.ended(TaskStatus.State.NODE_FAILURE, "the Docker engine stopped answering while the task"
                    + " ran, and " + (running ? "lost its output stream, so sluice ended it"
                            : "the task did not survive it (" + where + " " + ContainerState.describe(state) + ")")
                    + "; it runs again", exitCode == null ? null : exitCode.intValue(), run.startedAt, time.now());
        }
        end(run, status);
        if (run.execId == null) {
            containers.remove(run.containerId);
        }
    }

    /** Whether a task that died of a signal died because the engine is stopping ({@link Outages#goingAway}). */
    private boolean diedWithTheEngine(EngineAttempt run) {
        return !run.killRequested && outages.goingAway();
    }

    /** Ends what tasks failed while the engine was silent left running: called when it answers again. */
    void endLostInOutage() {
        EngineAttempt run;
        while ((run = lostInOutage.poll()) != null) {
            forceLost(run);
            if (run.execId == null) {
                containers.remove(run.containerId);
            }
        }
    }

    /** Kills a task that outlived an engine restart but whose stream was lost: its end could not be told. */
    private void forceLost(EngineAttempt run) {
        try {
            if (run.execId == null) {
                engine.killContainer(run.containerId, "KILL");
            } else {
                new ExecSignals(engine, run, log).force();
            }
        } catch (EngineException e) {
            log.warn("could not end task {} in {} after the engine came back: {}", run.launch.task().name(),
                    run.container(), e.getMessage());
        }
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

    /** Records the end and tells the host, which writes the exit code into {@code .exitcode} when it learns it. */
    private void end(EngineAttempt run, TaskStatus status) {
        ended.accept(run, status);
    }
}
