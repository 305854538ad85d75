package dev.sluice.gate;

import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.Hints;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the installed {@link TaskReadinessGate}s for each scheduled task and reports one
 * {@link GateOutcome} per task to a {@link GateListener}.
 *
 * <p>All gates of a task start at once and all must pass. The first gate to fail decides the
 * outcome ({@link GateOutcome.Failed}) and its sibling gates are interrupted. A task with no gates
 * installed passes at once, synchronously, and the manager then creates no thread at all.
 *
 * <h2>Threading model</h2>
 * <ul>
 *   <li>Each gate of each task runs {@code prepare()} on a virtual thread of its own, named
 *       {@code gate-<gate id>-<task id>}, with the thread context classloader set to the gate class's
 *       own classloader (a PF4J plugin's). There is no executor, pool or polling loop: 10,000 tasks
 *       waiting in gates are 10,000 parked virtual threads on the JDK's few carrier threads.</li>
 *   <li>The outcome is reported by the thread that decided it: the gate thread of the last gate to
 *       pass, the gate thread of the first gate to fail, or the thread that called {@link #cancel},
 *       {@link #shutdown} or (with no gates, or after shutdown) {@link #schedule}. So the host learns
 *       of a decision the moment it happens.</li>
 *   <li>{@link #schedule}, {@link #cancel}, {@link #inFlight} and {@link #shutdown} may be called from
 *       any thread, including from inside a listener callback. Exactly one outcome is reported per
 *       {@code schedule()} call however cancellations, failures and shutdown race; a gate that ends
 *       after its task was decided is reported to {@link GateListener#gateFinished} only.</li>
 *   <li>Cancellation and shutdown interrupt the gate threads. A gate that ignores the interrupt keeps
 *       its virtual thread until it returns on its own; {@link #shutdown} stops waiting for it after
 *       the grace period and returns it as a {@link StuckGate}.</li>
 *   <li>A gate whose {@code prepare()} returned normally has admitted the attempt, and hears of its end
 *       exactly once through {@link TaskReadinessGate#attemptEnded}: from the manager itself when the
 *       attempt never passed (another gate failed, it was cancelled, the manager shut down, or the gate
 *       returned after one of those), otherwise when the host calls {@link #attemptEnded} (or
 *       {@link #endAdmittedAttempts} at shutdown).</li>
 *   <li>Every time the manager reads (the {@code waited} durations, the listener's timestamps, the
 *       shutdown grace) comes from the injected {@link TimeSource}, so tests can drive it with a fake
 *       clock.</li>
 * </ul>
 */
public final class TaskGateManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskGateManager.class);

    /** How long {@link #close()} waits for gates to honour their interrupt. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    /** At most this many task names per gate in the shutdown warning, so a mass hang logs a line, not a page. */
    private static final int TASKS_NAMED_PER_STUCK_GATE = 10;

    private final List<InstalledGate> installed;
    private final List<TaskReadinessGate> gates;
    private final TimeSource time;
    private final GateListener listener;

    /** Tasks whose outcome is not decided yet, by task id. */
    private final ConcurrentHashMap<String, GatedAttempt> undecided = new ConcurrentHashMap<>();
    /** Attempts that passed and whose end the host has not reported yet, by task id. */
    private final ConcurrentHashMap<String, GatedAttempt> admitted = new ConcurrentHashMap<>();

    /**
     * Guards {@link #shutDown} transitions, the registration of new runs and {@link #liveCalls}; one
     * lock so that shutdown sees every run registered before it and none after.
     */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition liveCallsChanged = lock.newCondition();
    /** Gate calls whose thread has not finished prepare() and its report; insertion order keeps reports readable. */
    private final Set<GateCall> liveCalls = new LinkedHashSet<>();
    private volatile boolean shutDown;

    /**
     * Creates a manager for the installed gates.
     *
     * @param gates    the installed gates, one instance each; listed and started in order of
     *                 {@code priority()}, then {@code id()}
     * @param time     the clock for {@code waited} durations, listener timestamps and the shutdown grace
     * @param listener where events and outcomes go
     * @throws IllegalArgumentException when two gates share an id (naming both classes), or a gate's id
     *                                  is blank or contains the hint namespace separator {@code /}
     */
    public TaskGateManager(List<? extends TaskReadinessGate> gates, TimeSource time, GateListener listener) {
        Objects.requireNonNull(gates, "gates");
        this.time = Objects.requireNonNull(time, "time");
        this.listener = Objects.requireNonNull(listener, "listener");
        Map<String, TaskReadinessGate> byId = new HashMap<>();
        List<InstalledGate> list = new ArrayList<>(gates.size());
        for (TaskReadinessGate gate : gates) {
            Objects.requireNonNull(gate, "gates must not contain null");
            String id = checkedId(gate);
            TaskReadinessGate earlier = byId.putIfAbsent(id, gate);
            if (earlier != null) {
                throw new IllegalArgumentException("two readiness gates have the id '" + id + "': "
                        + earlier.getClass().getName() + " and " + gate.getClass().getName()
                        + "; a gate id names the gate's hints and must be unique, so change one id()"
                        + " or remove one of the plugins");
            }
            list.add(new InstalledGate(gate, id, gate.priority()));
        }
        list.sort(Comparator.comparingInt(InstalledGate::priority).thenComparing(InstalledGate::id));
        this.installed = List.copyOf(list);
        this.gates = installed.stream().map(InstalledGate::gate).toList();
    }

    private static String checkedId(TaskReadinessGate gate) {
        String id = gate.id();
        String cls = gate.getClass().getName();
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("readiness gate " + cls + " returns " + (id == null ? "null" : "'" + id + "'")
                    + " from id(); return a stable, non-blank id such as 'files'");
        }
        if (id.indexOf(Hints.NAMESPACE_SEPARATOR) >= 0) {
            throw new IllegalArgumentException("readiness gate " + cls + " has the id '" + id + "', which contains '"
                    + Hints.NAMESPACE_SEPARATOR + "'; the id is the namespace of the gate's hints (<id>"
                    + Hints.NAMESPACE_SEPARATOR + "skip), so choose an id without '" + Hints.NAMESPACE_SEPARATOR + "'");
        }
        return id;
    }

    /** Whether any gate is installed; when not, the host may bypass the manager entirely. */
    public boolean hasGates() {
        return !installed.isEmpty();
    }

    /** The installed gates in priority order (then by id). */
    public List<TaskReadinessGate> gates() {
        return gates;
    }

    /**
     * Starts every gate of {@code task} at once, each {@code prepare()} on its own virtual thread, and
     * returns without waiting. The outcome arrives later through the listener. With no gates the
     * task passes synchronously, on this thread, with {@code waited} zero. After {@link #shutdown} the
     * task is reported {@link GateOutcome.Cancelled} synchronously.
     *
     * @throws IllegalStateException when a task with the same id is still waiting in its gates
     */
    public void schedule(TaskHandle task) {
        Objects.requireNonNull(task, "task");
        if (installed.isEmpty()) {
            report(task, shutDown ? new GateOutcome.Cancelled() : new GateOutcome.Passed(Duration.ZERO));
            return;
        }
        GatedAttempt stillHeld = admitted.remove(task.id());
        if (stillHeld != null) {
            // The host reports every end before gating the task again; a missed one must not leak a seat.
            log.warn("task {} ({}) attempt {} was gated again before the end of attempt {} was reported;"
                    + " its gates release what they held for it now", task.id(), task.name(), task.attempt(),
                    stillHeld.task.attempt());
            endRun(stillHeld, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null,
                    "the task was gated again", false));
        }
        GatedAttempt run = new GatedAttempt(task, time.nanoTime());
        boolean registered = false;
        lock.lock();
        try {
            if (!shutDown) {
                GatedAttempt earlier = undecided.putIfAbsent(task.id(), run);
                if (earlier != null) {
                    throw new IllegalStateException("task " + task.id() + " (" + task.name()
                            + ") is already waiting in its readiness gates; cancel(\"" + task.id()
                            + "\") it or wait for its outcome before scheduling it again");
                }
                liveCalls.addAll(run.calls);
                registered = true;
            }
        } finally {
            lock.unlock();
        }
        if (!registered) {
            report(task, new GateOutcome.Cancelled());
            return;
        }
        // Started outside the lock; a run cancelled meanwhile makes its threads end before prepare().
        for (GateCall call : run.calls) {
            call.thread.start();
        }
    }

    /**
     * Cancels the task's gates by interrupting them. The listener gets {@link GateOutcome.Cancelled},
     * on this thread, unless the task's outcome was already decided. An unknown or already decided
     * task id is ignored.
     */
    public void cancel(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        GatedAttempt run = undecided.get(taskId);
        if (run != null) {
            cancelRun(run, CANCELLED_WHILE_GATED);
        }
    }

    /**
     * The attempt {@code task} that passed its gates has ended: each gate that admitted it hears so
     * through {@link TaskReadinessGate#attemptEnded}, on this thread. Call it once per
     * {@link GateOutcome.Passed}, however the attempt ended; an attempt that did not pass, or whose end
     * was already reported, is ignored.
     */
    public void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(outcome, "outcome");
        GatedAttempt run = admitted.get(task.id());
        if (run != null && run.task.attempt() == task.attempt() && admitted.remove(task.id(), run)) {
            endRun(run, outcome);
        }
    }

    /**
     * Ends every attempt that passed and whose end was not reported, with {@code outcome} (at host
     * shutdown, after its tasks were killed).
     *
     * @return how many attempts were ended
     */
    public int endAdmittedAttempts(AttemptOutcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        int ended = 0;
        for (GatedAttempt run : List.copyOf(admitted.values())) {
            if (admitted.remove(run.task.id(), run)) {
                endRun(run, outcome);
                ended++;
            }
        }
        return ended;
    }

    /** How many attempts passed their gates and are still held as admitted. */
    public int admittedAttempts() {
        return admitted.size();
    }

    /** How many scheduled tasks are still waiting for their gates' outcome. */
    public int inFlight() {
        return undecided.size();
    }

    /**
     * Shuts the manager down: every undecided task is reported {@link GateOutcome.Cancelled}, every gate
     * still in {@code prepare()} is interrupted, and this waits until they have all returned or
     * {@code grace} has passed on the manager's {@link TimeSource}, whichever comes first. Later
     * {@code schedule()} calls report Cancelled at once. Calling it again waits again for gates
     * still stuck.
     *
     * @return the gates that ignored the interrupt and were abandoned; empty when all returned
     */
    public List<StuckGate> shutdown(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("shutdown grace must not be negative, got " + grace);
        }
        List<GatedAttempt> toCancel;
        lock.lock();
        try {
            shutDown = true;
            toCancel = List.copyOf(undecided.values());
        } finally {
            lock.unlock();
        }
        for (GatedAttempt run : toCancel) {
            cancelRun(run, CANCELLED_AT_SHUTDOWN);
        }
        // Also gates of tasks decided earlier that are still unwinding.
        for (GateCall call : liveCallsNow()) {
            call.interrupt();
        }
        awaitLiveCalls(grace);
        return liveCallsNow().stream()
                .map(call -> new StuckGate(call.gate.id(), call.run.task.id(), call.run.task.name()))
                .toList();
    }

    /**
     * {@link #shutdown} with {@link #CLOSE_GRACE}, then {@link #endAdmittedAttempts} with
     * {@link AttemptOutcome.Kind#SHUTDOWN}; logs each gate that ignored its interrupt at WARN, by name,
     * with the tasks it was abandoned in.
     */
    @Override
    public void close() {
        List<StuckGate> stuck = shutdown(CLOSE_GRACE);
        endAdmittedAttempts(CANCELLED_AT_SHUTDOWN);
        Map<String, List<StuckGate>> byGate = stuck.stream()
                .collect(Collectors.groupingBy(StuckGate::gateId, LinkedHashMap::new, Collectors.toList()));
        byGate.forEach((gateId, inTasks) -> {
            String named = inTasks.stream().limit(TASKS_NAMED_PER_STUCK_GATE)
                    .map(s -> s.taskId() + " (" + s.taskName() + ")").collect(Collectors.joining(", "));
            String more = inTasks.size() > TASKS_NAMED_PER_STUCK_GATE
                    ? " and " + (inTasks.size() - TASKS_NAMED_PER_STUCK_GATE) + " more" : "";
            log.warn("readiness gate '{}' was abandoned at shutdown: it ignored the interrupt for {} in {} task(s): {}{};"
                            + " its prepare() should throw InterruptedException when interrupted",
                    gateId, Units.formatDuration(CLOSE_GRACE), inTasks.size(), named, more);
        });
    }

    private List<GateCall> liveCallsNow() {
        lock.lock();
        try {
            return List.copyOf(liveCalls);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no gate is in prepare() or the grace has passed on {@link #time}. */
    private void awaitLiveCalls(Duration grace) {
        if (liveCallsNow().isEmpty() || grace.isZero()) {
            return;
        }
        AtomicBoolean graceOver = new AtomicBoolean();
        // The grace is slept on the injected clock, so a fake clock decides when it is over.
        Thread timer = Thread.ofVirtual().name("gate-shutdown-grace").start(() -> {
            try {
                time.sleep(grace);
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            try {
                graceOver.set(true);
                liveCallsChanged.signalAll();
            } finally {
                lock.unlock();
            }
        });
        lock.lock();
        try {
            while (!liveCalls.isEmpty() && !graceOver.get()) {
                liveCallsChanged.await();
            }
        } catch (InterruptedException e) {
            // The caller wants out now: report what is still running as stuck.
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
            timer.interrupt();
        }
    }

    private static final AttemptOutcome CANCELLED_WHILE_GATED = AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED,
            null, "cancelled while waiting in its readiness gates", false);
    private static final AttemptOutcome CANCELLED_AT_SHUTDOWN = AttemptOutcome.of(AttemptOutcome.Kind.SHUTDOWN,
            null, "the host shut down", false);

    private void cancelRun(GatedAttempt run, AttemptOutcome ending) {
        if (run.decide()) {
            undecided.remove(run.task.id(), run);
            run.interruptGatesExcept(null);
            endRun(run, ending);
            report(run.task, new GateOutcome.Cancelled());
        }
    }

    /** Tells each gate that admitted the run's attempt that it ended; later admissions are ended at once. */
    private void endRun(GatedAttempt run, AttemptOutcome outcome) {
        for (InstalledGate gate : run.end(outcome)) {
            notifyEnded(gate, run.task, outcome);
        }
    }

    /** A gate's attemptEnded, with its own classloader as context; its faults must not break the caller. */
    private static void notifyEnded(InstalledGate gate, TaskHandle task, AttemptOutcome outcome) {
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        self.setContextClassLoader(gate.gate().getClass().getClassLoader());
        try {
            gate.gate().attemptEnded(task, outcome);
        } catch (RuntimeException e) {
            log.error("readiness gate '{}' threw from attemptEnded for task {} ({}) attempt {}; ignored", gate.id(),
                    task.id(), task.name(), task.attempt(), e);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    /** What the run's gates assigned to its attempt, merged by kind; a gate's fault there is logged. */
    private static Map<String, List<String>> assignedBy(GatedAttempt run) {
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (GateCall call : run.calls) {
            InstalledGate gate = call.gate;
            Map<String, List<String>> some;
            try {
                some = gate.gate().assigned(run.task);
            } catch (RuntimeException e) {
                log.error("readiness gate '{}' threw from assigned() for task {} ({}); ignored", gate.id(),
                        run.task.id(), run.task.name(), e);
                continue;
            }
            if (some != null) {
                some.forEach((kind, ids) -> all.computeIfAbsent(kind, k -> new ArrayList<>()).addAll(ids));
            }
        }
        Map<String, List<String>> copy = new LinkedHashMap<>();
        all.forEach((kind, ids) -> copy.put(kind, List.copyOf(ids)));
        return copy;
    }

    /** The body of a gate's virtual thread. */
    private void runGate(GateCall call) {
        GatedAttempt run = call.run;
        TaskHandle task = run.task;
        String gateId = call.gate.id();
        if (!call.enterPrepare()) {
            // Decided before this thread got going: do not start the gate at all.
            callEnded(call);
            return;
        }
        notifyListener("gateStarted", task, () -> listener.gateStarted(task, gateId, time.now()));
        Throwable thrown = null;
        Thread self = Thread.currentThread();
        ClassLoader hostLoader = self.getContextClassLoader();
        self.setContextClassLoader(call.gate.gate().getClass().getClassLoader());
        try {
            call.gate.gate().prepare(task);
        } catch (Throwable t) {
            thrown = t;
        } finally {
            self.setContextClassLoader(hostLoader);
            call.leavePrepare();
            // An interrupt meant for prepare() must not reach the listener code that runs next.
            Thread.interrupted();
        }
        try {
            afterPrepare(call, thrown);
        } finally {
            // Only now: shutdown waits for live calls, and must find a passed attempt already admitted.
            callEnded(call);
        }
    }

    /** Records and reports what a gate's prepare() did, on the gate's thread. */
    private void afterPrepare(GateCall call, Throwable thrown) {
        GatedAttempt run = call.run;
        TaskHandle task = run.task;
        String gateId = call.gate.id();
        Instant finishedAt = time.now();
        if (thrown == null) {
            AttemptOutcome endedMeanwhile = run.admit(call.gate);
            if (endedMeanwhile != null) {
                // The attempt was decided against while this gate prepared: give back at once.
                notifyEnded(call.gate, task, endedMeanwhile);
            }
            // Counted before anyone hears it finished: whoever sees this gate's end and then lets the
            // last gate pass must find the last gate's thread deciding, not this one.
            boolean wasLast = run.gatePassed();
            notifyListener("gateFinished", task, () -> listener.gateFinished(task, gateId, finishedAt, null));
            if (wasLast && run.decide()) {
                Duration waited = run.waitedSoFar(time);
                // Admitted before it leaves the undecided: at no moment is a passed attempt in neither.
                admitted.put(task.id(), run);
                undecided.remove(task.id(), run);
                Map<String, List<String>> assigned = assignedBy(run);
                report(task, new GateOutcome.Passed(waited, assigned));
            }
        } else if (thrown instanceof InterruptedException && run.isDecided()) {
            Throwable interrupted = thrown;
            notifyListener("gateFinished", task, () -> listener.gateFinished(task, gateId, finishedAt, interrupted));
        } else {
            TaskException error = asTaskException(thrown);
            if (error != thrown) {
                // A fault in the gate: its author needs the stack trace, which only the log keeps.
                log.warn("readiness gate '{}' failed for task {} ({}): {}", gateId, task.id(), task.name(),
                        error.getMessage(), thrown);
            }
            notifyListener("gateFinished", task, () -> listener.gateFinished(task, gateId, finishedAt, error));
            if (run.decide()) {
                Duration waited = run.waitedSoFar(time);
                undecided.remove(task.id(), run);
                run.interruptGatesExcept(call);
                GateOutcome.Failed failed = new GateOutcome.Failed(gateId, error, waited);
                endRun(run, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null, failed.reason(), false));
                report(task, failed);
            }
        }
    }

    private void callEnded(GateCall call) {
        lock.lock();
        try {
            liveCalls.remove(call);
            if (liveCalls.isEmpty()) {
                liveCallsChanged.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Maps what prepare() threw to the TaskException the host acts on; TaskExceptions pass as they are.
     * The message is for people: it names neither the gate (the host does, {@link GateOutcome.Failed#reason})
     * nor the Java type of what was thrown (the log has it, with the stack trace).
     */
    private static TaskException asTaskException(Throwable thrown) {
        if (thrown instanceof TaskException e) {
            return e;
        }
        String fault = "a fault in the gate; the run's log has its stack trace";
        if (thrown instanceof InterruptedException) {
            return new TaskException("stopped as if cancelled, although its task was not (" + fault + ")", thrown);
        }
        String initializer = PluginFaults.failedInitializer(thrown);
        if (initializer != null) {
            return new TaskException(initializer + " (" + fault + ")", thrown);
        }
        String missing = PluginFaults.missingClass(thrown);
        if (missing != null) {
            return new TaskException(PluginFaults.missingClassProblem(missing), thrown);
        }
        String message = PluginFaults.describe(thrown);
        return new TaskException("failed unexpectedly" + (message == null ? "" : ": " + message) + " (" + fault + ")",
                thrown);
    }

    private void report(TaskHandle task, GateOutcome outcome) {
        notifyListener("outcome", task, () -> listener.outcome(task, outcome));
    }

    /** Listener faults are the host's bugs; they must not break the manager's bookkeeping. */
    private static void notifyListener(String callback, TaskHandle task, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("GateListener.{} threw for task {} ({}); ignored", callback, task.id(), task.name(), e);
        }
    }

    /** A gate as installed, with its id and priority read once. */
    private record InstalledGate(TaskReadinessGate gate, String id, int priority) {
    }

    /** One schedule() call: the task, its gate calls and whether its outcome is decided. */
    private final class GatedAttempt {
        final TaskHandle task;
        final long scheduledAtNanos;
        final List<GateCall> calls;
        private final AtomicInteger gatesLeft;
        private final AtomicBoolean decided = new AtomicBoolean();
        /** Gates whose prepare() returned normally for this attempt; guarded by this. */
        private final List<InstalledGate> admittedBy = new ArrayList<>();
        /** How the attempt ended, once its gates were told; guarded by this. */
        private AttemptOutcome endedWith;

        GatedAttempt(TaskHandle task, long scheduledAtNanos) {
            this.task = task;
            this.scheduledAtNanos = scheduledAtNanos;
            this.gatesLeft = new AtomicInteger(installed.size());
            List<GateCall> list = new ArrayList<>(installed.size());
            for (InstalledGate gate : installed) {
                list.add(new GateCall(gate, this));
            }
            this.calls = List.copyOf(list);
        }

        /** Claims the right to report the outcome; true for exactly one caller. */
        boolean decide() {
            return decided.compareAndSet(false, true);
        }

        boolean isDecided() {
            return decided.get();
        }

        /**
         * Records that {@code gate} admitted the attempt; returns the outcome to release with at once
         * when the attempt already ended, {@code null} otherwise.
         */
        synchronized AttemptOutcome admit(InstalledGate gate) {
            if (endedWith != null) {
                return endedWith;
            }
            admittedBy.add(gate);
            return null;
        }

        /** Marks the attempt ended; returns the gates to tell, once (empty on later calls). */
        synchronized List<InstalledGate> end(AttemptOutcome outcome) {
            if (endedWith != null) {
                return List.of();
            }
            endedWith = outcome;
            List<InstalledGate> toTell = List.copyOf(admittedBy);
            admittedBy.clear();
            return toTell;
        }

        /** Counts a passed gate; true when it was the last one. */
        boolean gatePassed() {
            return gatesLeft.decrementAndGet() == 0;
        }

        Duration waitedSoFar(TimeSource clock) {
            return Duration.ofNanos(clock.nanoTime() - scheduledAtNanos);
        }

        /** Interrupts the run's gates, except {@code self}: its own thread goes on to report the outcome. */
        void interruptGatesExcept(GateCall self) {
            for (GateCall call : calls) {
                if (call != self) {
                    call.interrupt();
                }
            }
        }
    }

    /** One gate of one task on its virtual thread. */
    private final class GateCall {
        private enum State { NEW, PREPARING, ENDED }

        final InstalledGate gate;
        final GatedAttempt run;
        final Thread thread;
        private State state = State.NEW; // guarded by this

        GateCall(InstalledGate gate, GatedAttempt run) {
            this.gate = gate;
            this.run = run;
            this.thread = Thread.ofVirtual().name("gate-" + gate.id() + "-" + run.task.id()).unstarted(this::body);
        }

        private void body() {
            runGate(this);
        }

        /**
         * Marks the call as in prepare() unless its run is decided. Interrupts are always preceded by
         * the decision, so checking here under the same monitor as {@link #interrupt} means an
         * interrupt is never lost on a thread that has not started yet.
         */
        synchronized boolean enterPrepare() {
            if (run.isDecided()) {
                state = State.ENDED;
                return false;
            }
            state = State.PREPARING;
            return true;
        }

        synchronized void leavePrepare() {
            state = State.ENDED;
        }

        /** Interrupts the gate only while it is in prepare(), never the listener code around it. */
        synchronized void interrupt() {
            if (state == State.PREPARING) {
                thread.interrupt();
            }
        }
    }
}
