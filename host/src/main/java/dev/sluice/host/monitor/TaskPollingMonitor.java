package dev.sluice.host.monitor;

import dev.sluice.gate.GateOutcome;
import dev.sluice.gate.StuckGate;
import dev.sluice.gate.TaskGateManager;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.logging.TaskLogContext;
import dev.sluice.host.monitor.RunGraph.Next;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import dev.sluice.spi.WrappedTask;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a run: a loop that asks named parts for decisions and applies them. {@link RunGraph} says
 * which processes may start, {@link Admission} which ready tasks may be submitted, {@link Launcher}
 * wraps and submits them, {@link AttemptPolicy} says how an attempt ended and what follows,
 * {@link KillSchedule} what must be stopped or forced, {@link ProbeSupervisor} probes running tasks.
 *
 * <p>Threading: all state lives on the thread that calls {@link #run()}. Other threads (gates,
 * executors' callbacks, probes, wrappers, a signal handler) only post events to an inbox and raise a
 * {@link Signal}, so the loop reacts at once to a gate passing or a process exiting and otherwise
 * sleeps until the next poll, retry, kill or rate-limit permit is due. With no gates installed no
 * {@link TaskGateManager} is created and a task goes straight to the queue.
 */
public final class TaskPollingMonitor {
    private static final Logger log = LoggerFactory.getLogger(TaskPollingMonitor.class);
    /** Longest the loop sleeps without a reason, so displays stay live. */
    private static final Duration TICK = Duration.ofMillis(250);

    /**
     * Run-wide options.
     *
     * @param killGrace time between asking tasks to stop and forcing them when the run stops them
     * @param endpoint  the host's HTTP endpoint, where executors' tasks call back; {@code null} when off
     */
    public record Options(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName,
            HostEndpoint endpoint) {
        public Options(String runId, Path workRoot, Duration killGrace, boolean resume) {
            this(runId, workRoot, killGrace, resume, "", null);
        }

        public Options(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName) {
            this(runId, workRoot, killGrace, resume, pipelineName, null);
        }
    }

    /** A process and its tasks, in the order the pipeline's DAG allows. */
    public record ProcessPlan(EffectiveProcess process, List<TaskSpec> tasks) {
    }

    private final Options options;
    private final TimeSource time;
    private final Wakeups wakeups;
    private final RunListener listener;
    private final TaskPreparer preparer;
    private final RunGraph graph;
    private final Launcher launcher;
    private final ProbeSupervisor probes;
    private final List<TaskReadinessGate> gateList;
    private final List<ExecutorSetup> executorSetups;
    private final Map<String, ExecutorRuntime> executors = new LinkedHashMap<>();
    private final Admission admission = new Admission(executors.values());
    private final KillSchedule kills = new KillSchedule();
    private final PriorityQueue<TaskRecord> retries =
            new PriorityQueue<>(Comparator.comparingLong(t -> t.retryDueNanos));
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Signal signal = new Signal();
    private final Deque<Next> following = new ArrayDeque<>();
    private boolean inFollow;
    private TaskGateManager gates;
    private volatile String cancelRequest;
    private String stopReason;
    private boolean stopping;
    /** Set once the run kills its tasks: a launch still in flight is killed when it lands. */
    private boolean killing;
    private boolean cancelled;
    private boolean failed;

    private TaskPollingMonitor(Builder b) {
        this.options = b.options;
        this.time = b.time;
        this.wakeups = Wakeups.on(b.time);
        this.listener = b.listener;
        this.preparer = b.preparer;
        this.graph = new RunGraph(b.plans);
        this.launcher = new Launcher(b.wrappers);
        this.gateList = List.copyOf(b.gates);
        this.executorSetups = List.copyOf(b.executors);
        this.probes = new ProbeSupervisor(b.healthMonitors, b.time, new ProbeSupervisor.Findings() {
            @Override
            public void status(TaskRecord rec, int attempt, String message) {
                post(() -> onStatus(rec, attempt, message));
            }

            @Override
            public void unhealthy(TaskRecord rec, int attempt, String message) {
                post(() -> killFailing(rec, attempt, "is unhealthy", message, AttemptOutcome.Kind.FAILED));
            }
        });
    }

    /** A monitor for the run of {@code plans}; everything else is optional. */
    public static Builder builder(Options options, List<ProcessPlan> plans) {
        return new Builder(options, plans);
    }

    /** Every task of the run, in id order. */
    public List<TaskRecord> tasks() {
        return List.copyOf(graph.tasks());
    }

    /** Asks the run to stop: running tasks are killed, nothing new starts. Any thread. */
    public void cancel(String reason) {
        cancelRequest = reason;
        signal.raise();
    }

    /** Runs every task to a terminal state and returns how the run ended. */
    public RunResult run() throws InterruptedException {
        long started = time.nanoTime();
        if (!gateList.isEmpty()) {
            gates = new TaskGateManager(gateList, time,
                    new GateEvents(graph::task, listener, inbox::add, this::post, this::onGateOutcome));
        }
        try {
            for (ExecutorSetup setup : executorSetups) {
                ExecutorRuntime rt = ExecutorRuntime.start(setup, pollInterval(setup), options, time, listener,
                        signal::raise);
                executors.put(rt.name(), rt);
            }
            listener.runStarted(List.copyOf(graph.tasks()));
            graph.roots().forEach(this::release);
            while (!graph.finished()) {
                step();
                if (!graph.finished()) {
                    wakeups.await(signal, nanosUntilNextWake());
                }
            }
            listener.tick();
        } finally {
            shutdown();
        }
        listener.runFinished(List.copyOf(graph.tasks()));
        return new RunResult(!failed && !cancelled, cancelled, stopReason, List.copyOf(graph.tasks()),
                Duration.ofNanos(time.nanoTime() - started));
    }

    /** One turn of the loop: events, retries, submissions, polls, kills. */
    private void step() {
        drainInbox();
        String cancel = cancelRequest;
        if (cancel != null && !cancelled) {
            cancelled = true;
            stopRun(cancel);
        }
        long now = time.nanoTime();
        while (!retries.isEmpty() && retries.peek().retryDueNanos <= now) {
            TaskRecord rec = retries.poll();
            if (rec.state == TaskState.RETRY_WAIT && prepareAttempt(rec, rec.attempt() + 1)) {
                schedule(rec);
            }
        }
        submitReady();
        poll();
        // Completions may have released dependents or freed capacity: use it now, not next wake-up.
        submitReady();
        enforceKills();
        listener.tick();
    }

    private void drainInbox() {
        Runnable event;
        while ((event = inbox.poll()) != null) {
            event.run();
        }
    }

    /** Polls are batched per executor, so the shortest interval any of its processes asks for applies. */
    private Duration pollInterval(ExecutorSetup setup) {
        Duration interval = setup.pollInterval();
        for (ProcessRuntime p : graph.processes()) {
            Duration own = p.effective().pollInterval();
            if (own != null && p.effective().executor().equals(setup.executor().name())
                    && own.compareTo(interval) < 0) {
                interval = own;
            }
        }
        return interval;
    }

    // ---- the graph ------------------------------------------------------------------------------------

    private void release(ProcessRuntime p) {
        p.released = true;
        ExecutorRuntime exec = executors.get(p.effective().executor());
        for (TaskRecord rec : p.tasks) {
            rec.executor = exec;
            if (stopping) {
                finishUnstarted(rec, TaskState.CANCELLED, stopReason);
                continue;
            }
            TaskPreparer.Prepared cached = options.resume() ? preparer.cached(rec.id, rec.spec, p) : null;
            if (cached != null) {
                rec.task = cached.task();
                rec.files = cached.files();
                setState(rec, TaskState.CACHED);
                listener.attemptFinished(rec, TaskState.CACHED);
                ended(rec);
                continue;
            }
            String never = exec.startProblem != null ? exec.startProblem : exec.neverFits(p.effective().resources());
            if (!prepareAttempt(rec, 1)) {
                continue;
            }
            if (never != null) {
                // Fails at once, through the error strategy, instead of waiting forever for room.
                failAttempt(rec, "task " + never, false, AttemptOutcome.Kind.FAILED);
                continue;
            }
            schedule(rec);
            // Releasing a large process takes a while (a work directory per task); tasks whose gates
            // already passed are submitted meanwhile rather than after the whole batch.
            if (!inbox.isEmpty()) {
                drainInbox();
                submitReady();
            }
        }
        if (p.tasks.isEmpty()) {
            follow(graph.processFinished(p));
        }
    }

    /** The task reached a terminal state; what that lets go is released or skipped. */
    private void ended(TaskRecord rec) {
        follow(graph.taskEnded(rec));
    }

    /**
     * Applies what the graph let go. What that in turn lets go joins the same queue instead of a
     * deeper call, so a long chain of processes costs no stack.
     */
    private void follow(List<Next> next) {
        following.addAll(next);
        if (inFollow) {
            return;
        }
        inFollow = true;
        try {
            Next n;
            while ((n = following.poll()) != null) {
                switch (n) {
                    case Next.Release r -> release(r.process());
                    case Next.Skip s -> {
                        for (TaskRecord rec : s.process().tasks) {
                            finishUnstarted(rec, stopping ? TaskState.CANCELLED : TaskState.SKIPPED,
                                    stopping ? stopReason : s.reason());
                        }
                        if (s.process().tasks.isEmpty()) {
                            following.addAll(graph.processFinished(s.process()));
                        }
                    }
                }
            }
        } finally {
            inFollow = false;
        }
    }

    // ---- attempts -------------------------------------------------------------------------------------

    /** Makes the attempt's work directory and handle; a failure here stops the run. */
    private boolean prepareAttempt(TaskRecord rec, int attempt) {
        TaskPreparer.Prepared prepared;
        try {
            prepared = preparer.prepare(rec.id, rec.spec, rec.process, attempt);
        } catch (IOException | RuntimeException e) {
            rec.resetAttemptTimes();
            rec.error = "cannot prepare the work directory: " + e.getMessage();
            failed = true;
            setState(rec, TaskState.FAILED);
            ended(rec);
            stopRun("task " + rec.id + " (" + rec.name() + ") could not be prepared");
            return false;
        }
        rec.task = prepared.task();
        rec.files = prepared.files();
        rec.resetAttemptTimes();
        return true;
    }

    /** Sends a prepared attempt into its gates, or straight to the queue when there are none. */
    private void schedule(TaskRecord rec) {
        rec.gatedAt = time.now();
        if (gates == null) {
            enqueue(rec);
        } else {
            setState(rec, TaskState.GATED);
            gates.schedule(rec.task);
        }
    }

    private void enqueue(TaskRecord rec) {
        rec.queuedAt = time.now();
        setState(rec, TaskState.QUEUED);
        rec.executor.ready.add(rec);
    }

    private void onGateOutcome(TaskRecord rec, TaskHandle task, int attempt, GateOutcome outcome) {
        if (rec.attempt() != attempt || rec.state != TaskState.GATED) {
            if (outcome instanceof GateOutcome.Passed) {
                // It passed as the run stopped: the monitor has moved the task on, so what its gates
                // set aside goes back now.
                gates.attemptEnded(task, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null,
                        rec.error != null ? rec.error : "the run stopped while the task was in its gates", false));
            }
            return;
        }
        rec.gatesInFlight.clear();
        listener.gatesChanged(rec);
        switch (outcome) {
            case GateOutcome.Passed passed -> {
                rec.gateWait = passed.waited();
                rec.task = rec.task.withAssigned(passed.assigned());
                enqueue(rec);
            }
            case GateOutcome.Failed f -> {
                rec.gateWait = f.waited();
                failAttempt(rec, "gate '" + f.gateId() + "': " + f.error().getMessage(), f.error().isRetryable(),
                        AttemptOutcome.Kind.FAILED);
            }
            case GateOutcome.Cancelled c -> {
                // Only the monitor cancels gates, and it has already moved the task on.
            }
        }
    }

    private void submitReady() {
        Admission.Pass pass = admission.pass();
        Admission.Pick pick;
        while (!stopping && (pick = pass.next()) != null) {
            submit(pick.executor(), pick.task());
        }
    }

    private void submit(ExecutorRuntime exec, TaskRecord rec) {
        Launcher.Launch launch;
        try {
            launch = launcher.wrap(rec.task, rec.files);
        } catch (TaskException e) {
            failAttempt(rec, e.getMessage(), e.isRetryable(), AttemptOutcome.Kind.FAILED);
            return;
        } catch (RuntimeException e) {
            log.error("wrapping task {} failed", rec.id, e);
            failAttempt(rec, "wrapping the command failed: " + PluginCalls.describe(e), false,
                    AttemptOutcome.Kind.FAILED);
            return;
        }
        rec.wrapping = launch.wrapping();
        rec.submittedAt = time.now();
        rec.timeLimit = launch.launch().task().resources().time();
        exec.take(rec.task.resources());
        rec.process.active++;
        setState(rec, TaskState.SUBMITTED);
        int attempt = rec.attempt();
        // Launches may overlap on the executor's submit threads; their answers come back through the inbox.
        Launcher.submit(exec, launch.launch(), this::post, submitted -> onSubmitted(exec, rec, attempt, submitted));
    }

    private void onSubmitted(ExecutorRuntime exec, TaskRecord rec, int attempt, Launcher.Submitted outcome) {
        if (outcome.task() != null) {
            rec.submitted = outcome.task();
            exec.active.put(outcome.task(), rec);
            if (killing) {
                // The run was stopped while this task was being launched.
                killTasks(List.of(rec), stopReason, false, AttemptOutcome.Kind.KILLED);
            } else {
                probes.start(rec, exec.healthMonitors);
                rec.wrapping.launched(new WrappedTask.Reports() {
                    @Override
                    public void status(String message) {
                        post(() -> onStatus(rec, attempt, message));
                    }

                    @Override
                    public void fail(String reason) {
                        post(() -> onWrapperFailure(rec, attempt, reason));
                    }
                });
            }
            return;
        }
        exec.release(rec.task.resources());
        rec.process.active--;
        switch (outcome.error()) {
            case TaskException e -> failAttempt(rec, e.getMessage(), e.isRetryable(), AttemptOutcome.Kind.FAILED);
            case ExecutorException e -> {
                listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, e);
                failAttempt(rec, "executor '" + exec.name() + "' could not submit: " + e.getMessage(), true,
                        AttemptOutcome.Kind.FAILED);
            }
            default -> {
                log.error("submitting task {} failed", rec.id, outcome.error());
                listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, outcome.error());
                failAttempt(rec, "submitting failed: " + PluginCalls.describe(outcome.error()), false,
                        AttemptOutcome.Kind.FAILED);
            }
        }
    }

    private void poll() {
        long now = time.nanoTime();
        for (ExecutorRuntime exec : executors.values()) {
            if (exec.active.isEmpty() || (!exec.statusChanged && now < exec.nextPollNanos)) {
                continue;
            }
            exec.statusChanged = false;
            exec.nextPollNanos = now + exec.pollInterval.toNanos();
            Map<SubmittedTask, TaskStatus> statuses = exec.poll();
            if (statuses == null) {
                continue;
            }
            for (Map.Entry<SubmittedTask, TaskStatus> entry : statuses.entrySet()) {
                TaskRecord rec = exec.active.get(entry.getKey());
                if (rec != null) {
                    apply(rec, entry.getValue());
                }
            }
        }
    }

    private void apply(TaskRecord rec, TaskStatus status) {
        if (!status.state().isTerminal()) {
            if (status.state() == TaskStatus.State.RUNNING && rec.state == TaskState.SUBMITTED) {
                rec.startedAt = status.startedAt() != null ? status.startedAt() : time.now();
                setState(rec, TaskState.RUNNING);
                // The limit counts from the start: time waiting in a cluster's queue is not the task's.
                if (rec.timeLimit != null) {
                    kills.limit(rec, time.nanoTime() + rec.timeLimit.toNanos());
                }
            }
            return;
        }
        rec.executor.active.remove(rec.submitted);
        rec.executor.release(rec.task.resources());
        rec.process.active--;
        probes.stop(rec);
        KillSchedule.KillOrder kill = kills.ended(rec);
        WrappedTask.Ending wrapped = rec.wrapping.ended();
        rec.completedAt = status.completedAt() != null ? status.completedAt() : time.now();
        if (rec.startedAt == null) {
            rec.startedAt = status.startedAt() != null ? status.startedAt() : rec.submittedAt;
        }
        rec.exitCode = status.exitCode();
        rec.peakRss = status.peakRssBytes();
        if (rec.exitCode != null) {
            preparer.ended(rec.files, rec.exitCode);
        }
        if (rec.wrapperFailure != null) {
            wrapped = new WrappedTask.Ending(java.util.Optional.of(rec.wrapperFailure), wrapped.explanation());
        }
        switch (AttemptPolicy.afterEnd(status, kill, wrapped)) {
            case AttemptPolicy.Verdict.Succeeded s -> {
                preparer.succeeded(rec);
                listener.attemptFinished(rec, TaskState.SUCCEEDED);
                attemptEndedInGates(rec, AttemptOutcome.succeeded());
                setState(rec, TaskState.SUCCEEDED);
                ended(rec);
            }
            case AttemptPolicy.Verdict.Cancelled c -> {
                rec.error = c.reason();
                listener.attemptFinished(rec, TaskState.CANCELLED);
                attemptEndedInGates(rec, AttemptOutcome.of(c.kind(), rec.exitCode, c.reason(), false));
                setState(rec, TaskState.CANCELLED);
                ended(rec);
            }
            case AttemptPolicy.Verdict.Failed f -> failAttempt(rec, f.reason(), f.retryable(), f.kind());
        }
    }

    /** An attempt failed; retry it or apply the process's error strategy. */
    private void failAttempt(TaskRecord rec, String reason, boolean retryable, AttemptOutcome.Kind kind) {
        try (var logContext = TaskLogContext.of(rec.id, rec.processName())) {
            rec.error = reason;
            if (rec.completedAt == null) {
                rec.completedAt = time.now();
            }
            listener.attemptFinished(rec, TaskState.FAILED);
            EffectiveProcess p = rec.process.effective();
            int attempt = rec.attempt();
            AttemptPolicy.Decision decision = AttemptPolicy.afterFailure(p.errorStrategy(), p.maxRetries(),
                    p.retryBackoff(), attempt, retryable, stopping);
            // Before a retry is gated again: what the gates gave this attempt goes back first.
            attemptEndedInGates(rec, AttemptOutcome.of(kind, rec.exitCode, reason,
                    decision instanceof AttemptPolicy.Decision.Retry));
            switch (decision) {
                case AttemptPolicy.Decision.Retry retry -> {
                    rec.retryDueNanos = time.nanoTime() + retry.delay().toNanos();
                    log.info("task {} ({}) attempt {} failed: {}; retrying in {}", rec.id, rec.name(), attempt,
                            reason, Units.formatDuration(retry.delay()));
                    setState(rec, TaskState.RETRY_WAIT);
                    retries.add(rec);
                }
                case AttemptPolicy.Decision.Ignore ignore -> {
                    setState(rec, TaskState.IGNORED);
                    ended(rec);
                }
                case AttemptPolicy.Decision.Finish finish -> {
                    failed = true;
                    setState(rec, TaskState.FAILED);
                    ended(rec);
                    stopSubmitting("task " + rec.id + " (" + rec.name() + ") failed; errorStrategy finish lets "
                            + "running tasks end");
                }
                case AttemptPolicy.Decision.Terminate terminate -> {
                    failed = true;
                    setState(rec, TaskState.FAILED);
                    ended(rec);
                    stopRun("task " + rec.id + " (" + rec.name() + ") failed");
                }
            }
        }
    }

    // ---- stopping -------------------------------------------------------------------------------------

    /** Nothing new starts; tasks not yet submitted are cancelled; running ones go on. */
    private void stopSubmitting(String reason) {
        if (stopping) {
            return;
        }
        stopping = true;
        stopReason = reason;
        for (TaskRecord rec : graph.tasks()) {
            switch (rec.state) {
                case WAITING -> {
                    if (rec.process.released) {
                        finishUnstarted(rec, TaskState.CANCELLED, reason);
                    }
                }
                case GATED, QUEUED, RETRY_WAIT -> {
                    boolean started = rec.state != TaskState.RETRY_WAIT;
                    if (rec.state == TaskState.GATED && gates != null) {
                        gates.cancel(rec.task.id());
                    }
                    rec.executor.ready.remove(rec);
                    retries.remove(rec);
                    rec.error = reason;
                    if (started) {
                        listener.attemptFinished(rec, TaskState.CANCELLED);
                        attemptEndedInGates(rec, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null, reason,
                                false));
                    }
                    setState(rec, TaskState.CANCELLED);
                    ended(rec);
                }
                default -> {
                }
            }
        }
        // Processes not yet released end as cancelled too.
        for (ProcessRuntime p : graph.releaseTheRest()) {
            for (TaskRecord rec : p.tasks) {
                finishUnstarted(rec, TaskState.CANCELLED, reason);
            }
        }
    }

    /** Everything stops: not-yet-submitted tasks are cancelled and running ones are killed. */
    private void stopRun(String reason) {
        stopSubmitting(reason);
        killing = true;
        for (ExecutorRuntime exec : executors.values()) {
            killTasks(exec.active.values().stream().filter(rec -> !kills.isKilled(rec)).toList(), reason, false,
                    AttemptOutcome.Kind.KILLED);
        }
    }

    /**
     * Kills tasks and records why: each is asked to stop and forced when its own grace has passed (the
     * longest its wrappers ask for, or the run's).
     */
    private void killTasks(List<TaskRecord> toKill, String reason, boolean isFailure, AttemptOutcome.Kind kind) {
        Map<ExecutorRuntime, Map<Duration, List<SubmittedTask>>> batches = new LinkedHashMap<>();
        for (TaskRecord rec : toKill) {
            Duration grace = rec.wrapping.killGrace(options.killGrace());
            kills.killed(rec, reason, isFailure, kind, time.nanoTime(), grace);
            rec.wrapping.beforeCancel(grace);
            batches.computeIfAbsent(rec.executor, e -> new LinkedHashMap<>())
                    .computeIfAbsent(grace, g -> new ArrayList<>()).add(rec.submitted);
        }
        batches.forEach((exec, byGrace) -> byGrace.forEach((grace, batch) -> exec.end(batch, grace)));
    }

    /** A running attempt that must not go on (unhealthy, broke its wrapper's protocol) is killed and failed. */
    private void killFailing(TaskRecord rec, int attempt, String what, String reason, AttemptOutcome.Kind kind) {
        if (rec.attempt() != attempt || !running(rec) || kills.isKilled(rec)) {
            return;
        }
        log.warn("task {} ({}) {}, killing it: {}", rec.id, rec.name(), what, reason);
        killTasks(List.of(rec), reason, true, kind);
    }

    private boolean running(TaskRecord rec) {
        return rec.submitted != null && rec.executor.active.containsKey(rec.submitted);
    }

    /**
     * What the kill schedule says is due: time limits the executor did not enforce, forces after a
     * grace, and killed tasks whose end never came (taken as ended; their gates hear ABANDONED, so
     * that what is exclusive stays out of reach).
     */
    private void enforceKills() {
        long now = time.nanoTime();
        for (TaskRecord rec : kills.pastTimeLimit(now)) {
            if (!kills.isKilled(rec) && running(rec)) {
                String reason = "ran past its time limit of " + Units.formatDuration(rec.timeLimit);
                log.warn("task {} ({}) {}, killing it", rec.id, rec.name(), reason);
                killTasks(List.of(rec), reason, true, AttemptOutcome.Kind.TIMED_OUT);
            }
        }
        Map<ExecutorRuntime, List<SubmittedTask>> forces = new LinkedHashMap<>();
        for (TaskRecord rec : kills.dueForce(now)) {
            if (running(rec)) {
                forces.computeIfAbsent(rec.executor, e -> new ArrayList<>()).add(rec.submitted);
            }
        }
        forces.forEach((exec, batch) -> exec.end(batch, Duration.ZERO));
        for (TaskRecord rec : kills.unconfirmed(now)) {
            if (!kills.isKilled(rec)) {
                continue; // its end was applied while another's was
            }
            if (!running(rec)) {
                kills.ended(rec); // nothing left to wait for
                continue;
            }
            kills.abandon(rec);
            log.warn("task {} ({}) did not confirm its end after being killed; giving up on it", rec.id, rec.name());
            apply(rec, TaskStatus.ended(TaskStatus.State.CANCELLED, "killed; the executor did not confirm the end",
                    null, rec.startedAt, time.now()));
        }
    }

    private void finishUnstarted(TaskRecord rec, TaskState state, String reason) {
        if (rec.state.isTerminal()) {
            return;
        }
        rec.error = reason;
        setState(rec, state);
        ended(rec);
    }

    /** Tells the gates that admitted the attempt that it ended (see TaskReadinessGate.attemptEnded). */
    private void attemptEndedInGates(TaskRecord rec, AttemptOutcome outcome) {
        if (gates != null && rec.task != null) {
            gates.attemptEnded(rec.task, outcome);
        }
    }

    private void shutdown() {
        probes.stopAll();
        if (gates != null) {
            List<StuckGate> stuck = gates.shutdown(Duration.ofSeconds(5));
            for (StuckGate s : stuck) {
                log.warn("gate '{}' ignored the interrupt for task {} ({}) and was abandoned", s.gateId(),
                        s.taskId(), s.taskName());
            }
        }
        preparer.close();
        executors.values().forEach(ExecutorRuntime::close);
        if (gates != null) {
            // After the executors killed and let go of their tasks: nothing a gate handed out stays held.
            gates.endAdmittedAttempts(AttemptOutcome.of(AttemptOutcome.Kind.SHUTDOWN, null,
                    stopReason != null ? stopReason : "the run ended", false));
        }
    }

    // ---- what other threads report ----------------------------------------------------------------------

    private void onStatus(TaskRecord rec, int attempt, String message) {
        if (rec.attempt() != attempt || rec.state.isTerminal()) {
            return;
        }
        rec.status = message;
        listener.statusChanged(rec);
    }

    private void onWrapperFailure(TaskRecord rec, int attempt, String reason) {
        if (rec.attempt() != attempt || rec.wrapperFailure != null) {
            return;
        }
        rec.wrapperFailure = reason;
        killFailing(rec, attempt, "broke its wrapper's protocol", reason, AttemptOutcome.Kind.FAILED);
    }

    /**
     * Shows a plugin's status for a task in progress and trace ({@code PluginContext.reportStatus}).
     * Any thread; a status for an attempt that has moved on is dropped.
     */
    public void reportStatus(TaskHandle task, String status) {
        post(() -> {
            TaskRecord rec = graph.task(task.id());
            if (rec != null) {
                onStatus(rec, task.attempt(), status);
            }
        });
    }

    /** Hands an event from another thread to the monitor's. */
    private void post(Runnable event) {
        inbox.add(event);
        signal.raise();
    }

    private void setState(TaskRecord rec, TaskState to) {
        TaskState from = rec.state;
        if (from != to) {
            rec.state = to;
            listener.stateChanged(rec, from, to);
        }
    }

    private long nanosUntilNextWake() {
        long now = time.nanoTime();
        long wake = now + TICK.toNanos();
        if (!retries.isEmpty()) {
            wake = Math.min(wake, retries.peek().retryDueNanos);
        }
        for (ExecutorRuntime exec : executors.values()) {
            if (!exec.active.isEmpty()) {
                wake = Math.min(wake, exec.nextPollNanos);
            }
        }
        wake = kills.nextDue(admission.nextDue(now, wake));
        return Math.max(0, wake - now);
    }

    /** Puts a monitor together: the plans and options are required, every part else defaults to none. */
    public static final class Builder {
        private final Options options;
        private final List<ProcessPlan> plans;
        private List<ExecutorSetup> executors = List.of();
        private List<TaskReadinessGate> gates = List.of();
        private List<TaskWrapper> wrappers = List.of();
        private List<TaskHealthMonitor> healthMonitors = List.of();
        private TaskPreparer preparer;
        private TimeSource time = TimeSource.system();
        private RunListener listener = new RunListener() {
        };

        private Builder(Options options, List<ProcessPlan> plans) {
            this.options = options;
            this.plans = List.copyOf(plans);
        }

        public Builder executors(List<ExecutorSetup> value) {
            executors = List.copyOf(value);
            return this;
        }

        public Builder gates(List<TaskReadinessGate> value) {
            gates = List.copyOf(value);
            return this;
        }

        /** Plugin wrappers and the environments' wrapper alike, in any order: priorities order them. */
        public Builder wrappers(List<TaskWrapper> value) {
            wrappers = List.copyOf(value);
            return this;
        }

        public Builder healthMonitors(List<TaskHealthMonitor> value) {
            healthMonitors = List.copyOf(value);
            return this;
        }

        /** Makes each attempt's work directory; required. */
        public Builder preparer(TaskPreparer value) {
            preparer = value;
            return this;
        }

        public Builder time(TimeSource value) {
            time = value;
            return this;
        }

        public Builder listener(RunListener value) {
            listener = value;
            return this;
        }

        public TaskPollingMonitor build() {
            if (preparer == null) {
                throw new IllegalStateException("a monitor needs a TaskPreparer");
            }
            return new TaskPollingMonitor(this);
        }
    }
}
