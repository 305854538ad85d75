package dev.sluice.host.monitor;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.gate.GateListener;
import dev.sluice.gate.GateOutcome;
import dev.sluice.gate.StuckGate;
import dev.sluice.gate.TaskGateManager;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.task.Task;
import dev.sluice.host.task.TaskState;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.logging.TaskLogContext;
import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a run: releases processes along the DAG, passes each task through its readiness gates,
 * submits ready tasks within capacity, queue sizes and rate limits, polls running tasks in batches,
 * applies error strategies and retries, and probes running tasks' health.
 *
 * <p>Threading: all state lives on the thread that calls {@link #run()}. Other threads (gates,
 * executors' completion callbacks, health probes, a signal handler) only post events to an inbox and
 * raise a {@link Signal}, so the loop reacts at once to a gate passing or a process exiting and
 * otherwise sleeps until the next poll, retry or rate-limit permit is due. With no gates installed
 * no {@link TaskGateManager} is created and a task goes straight to the queue.
 */
public final class TaskPollingMonitor {
    private static final Logger log = LoggerFactory.getLogger(TaskPollingMonitor.class);
    /** Longest the loop sleeps without a reason, so displays stay live. */
    private static final Duration TICK = Duration.ofMillis(250);

    /**
     * Run-wide options.
     *
     * @param killGrace time between SIGTERM and SIGKILL when the run stops tasks
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
    private final RunListener listener;
    private final TaskPreparer preparer;
    private final List<TaskWrapper> wrappers;
    private final List<TaskHealthMonitor> healthMonitors;
    private final TaskEnvironments environments;
    private final List<TaskReadinessGate> gateList;
    private TaskGateManager gates;
    private final Map<String, ExecutorSetup> executorSetups = new LinkedHashMap<>();
    private final Map<String, ExecutorRuntime> executors = new LinkedHashMap<>();
    private final List<ProcessRuntime> processes = new ArrayList<>();
    private final List<TaskRecord> tasks = new ArrayList<>();
    private final Map<String, TaskRecord> byId = new HashMap<>();
    private final PriorityQueue<TaskRecord> retries =
            new PriorityQueue<>(Comparator.comparingLong(t -> t.retryDueNanos));
    /** Kills awaiting their end, and running tasks' time limits. */
    private final KillSchedule kills = new KillSchedule();
    private final Map<TaskRecord, List<Thread>> probes = new HashMap<>();
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Signal signal = new Signal();
    private volatile String cancelRequest;
    private String stopReason;
    private boolean stopping;
    /** Set once the run kills its tasks: a launch still in flight is killed when it lands. */
    private boolean killing;
    private boolean cancelled;
    private boolean failed;
    private int unfinished;
    private boolean rateLimited;

    public TaskPollingMonitor(Options options, List<ProcessPlan> plans, List<ExecutorSetup> executorSetups,
            List<TaskReadinessGate> gates, List<TaskWrapper> wrappers, List<TaskHealthMonitor> healthMonitors,
            TaskPreparer preparer, TimeSource time, RunListener listener) {
        this(options, plans, executorSetups, gates, wrappers, healthMonitors, TaskEnvironments.NONE, preparer, time,
                listener);
    }

    /**
     * @param environments puts tasks into the environments their processes name; {@link TaskEnvironments#NONE}
     *                     when the pipeline has none
     */
    public TaskPollingMonitor(Options options, List<ProcessPlan> plans, List<ExecutorSetup> executorSetups,
            List<TaskReadinessGate> gates, List<TaskWrapper> wrappers, List<TaskHealthMonitor> healthMonitors,
            TaskEnvironments environments, TaskPreparer preparer, TimeSource time, RunListener listener) {
        this.options = options;
        this.environments = environments;
        this.time = time;
        this.listener = listener;
        this.preparer = preparer;
        // Lowest priority wraps the task's own command; the highest ends up outermost.
        this.wrappers = wrappers.stream()
                .sorted(Comparator.comparingInt(TaskWrapper::priority).thenComparing(TaskWrapper::id)).toList();
        this.healthMonitors = List.copyOf(healthMonitors);
        this.gateList = List.copyOf(gates);
        for (ExecutorSetup setup : executorSetups) {
            this.executorSetups.put(setup.executor().name(), setup);
        }
        Map<String, ProcessRuntime> byName = new HashMap<>();
        int nextId = 1;
        for (ProcessPlan plan : plans) {
            ProcessRuntime p = new ProcessRuntime(plan.process());
            processes.add(p);
            byName.put(p.name(), p);
            for (TaskSpec spec : plan.tasks()) {
                TaskRecord rec = new TaskRecord(Integer.toString(nextId++), spec, p);
                p.tasks.add(rec);
                tasks.add(rec);
                byId.put(rec.id, rec);
            }
            p.unfinished = p.tasks.size();
        }
        for (ProcessRuntime p : processes) {
            for (String up : p.effective().def().dependsOn()) {
                ProcessRuntime u = byName.get(up);
                if (u == null) {
                    throw new IllegalArgumentException("process '" + p.name() + "' depends on unknown '" + up + "'");
                }
                p.upstream.add(u);
                u.downstream.add(p);
            }
        }
        unfinished = tasks.size();
    }

    /** Every task of the run, in id order. */
    public List<TaskRecord> tasks() {
        return List.copyOf(tasks);
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
            gates = new TaskGateManager(gateList, time, new InboxGateListener());
        }
        try {
            startExecutors();
            listener.runStarted(List.copyOf(tasks));
            for (ProcessRuntime p : processes) {
                if (p.upstream.isEmpty()) {
                    release(p);
                }
            }
            while (unfinished > 0) {
                step();
                if (unfinished > 0) {
                    signal.await(nanosUntilNextWake());
                }
            }
            listener.tick();
        } finally {
            shutdown();
        }
        listener.runFinished(List.copyOf(tasks));
        return new RunResult(!failed && !cancelled, cancelled, stopReason, List.copyOf(tasks),
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
            if (rec.state == TaskState.RETRY_WAIT) {
                startAttempt(rec, rec.attempt() + 1);
            }
        }
        submitReady();
        poll();
        // Completions may have released dependents or freed capacity: use it now, not next wake-up.
        submitReady();
        enforceTimeLimits();
        forceDueKills();
        enforceKillDeadlines();
        listener.tick();
    }

    private void drainInbox() {
        Runnable event;
        while ((event = inbox.poll()) != null) {
            event.run();
        }
    }

    // ---- executors ------------------------------------------------------------------------------

    private void startExecutors() {
        for (ExecutorSetup setup : executorSetups.values()) {
            ExecutorRuntime[] holder = new ExecutorRuntime[1];
            TaskExecutor executor = setup.executor();
            Optional<CallbackEndpoint> callbacks = options.endpoint() == null ? Optional.empty()
                    : Optional.of(options.endpoint().register(executor.name(),
                            (key, body) -> PluginCalls.call(executor, () -> executor.callback(key, body))));
            ExecutorContext context = new ExecutorContext() {
                @Override
                public Optional<CallbackEndpoint> callbackEndpoint() {
                    return callbacks;
                }

                @Override
                public String runId() {
                    return options.runId();
                }

                @Override
                public Path workRoot() {
                    return options.workRoot();
                }

                @Override
                public String pipelineName() {
                    return options.pipelineName();
                }

                @Override
                public Settings config() {
                    return setup.config();
                }

                @Override
                public TimeSource time() {
                    return time;
                }

                @Override
                public void statusChanged() {
                    ExecutorRuntime rt = holder[0];
                    if (rt != null) {
                        rt.statusChanged = true;
                    }
                    signal.raise();
                }
            };
            ExecutorCapacity capacity;
            String problem = null;
            try {
                PluginCalls.call(setup.executor(), () -> {
                    setup.executor().start(context);
                    return null;
                });
                capacity = PluginCalls.call(setup.executor(), setup.executor()::capacity);
            } catch (ExecutorException | RuntimeException e) {
                problem = "executor '" + setup.executor().name() + "' could not start: " + e.getMessage();
                log.error(problem, e);
                listener.executorFailed(setup.executor().name(), RunListener.ExecutorCall.START, e);
                capacity = ExecutorCapacity.unlimited();
            }
            RateLimiter limiter = setup.submitRateLimit() == null ? null
                    : RateLimiter.create(setup.submitRateLimit().perSecond());
            ExecutorRuntime rt = new ExecutorRuntime(setup.executor(), capacity, setup.queueSize(), limiter,
                    pollInterval(setup));
            rt.startProblem = problem;
            if (problem == null) {
                int concurrency = PluginCalls.call(setup.executor(), setup.executor()::submitConcurrency);
                if (concurrency > 1) {
                    rt.submitConcurrency = concurrency;
                    rt.submitPool = Executors.newFixedThreadPool(concurrency,
                            Thread.ofPlatform().name("sluice-submit-" + rt.name() + "-", 1).daemon().factory());
                }
            }
            if (problem == null) {
                try {
                    rt.healthMonitors = List.copyOf(
                            PluginCalls.call(setup.executor(), setup.executor()::healthMonitors));
                } catch (RuntimeException e) {
                    log.warn("executor '{}' failed listing its health monitors: {}", rt.name(), e.toString());
                }
            }
            holder[0] = rt;
            executors.put(rt.name(), rt);
        }
    }

    /** Polls are batched per executor, so the shortest interval any of its processes asks for applies. */
    private Duration pollInterval(ExecutorSetup setup) {
        Duration interval = setup.pollInterval();
        for (ProcessRuntime p : processes) {
            Duration own = p.effective().pollInterval();
            if (own != null && p.effective().executor().equals(setup.executor().name())
                    && own.compareTo(interval) < 0) {
                interval = own;
            }
        }
        return interval;
    }

    private ExecutorRuntime executorFor(ProcessRuntime p) {
        ExecutorRuntime rt = executors.get(p.effective().executor());
        if (rt == null) {
            throw new IllegalStateException("no executor '" + p.effective().executor() + "' for process '"
                    + p.name() + "' (validation should have caught this)");
        }
        return rt;
    }

    // ---- DAG --------------------------------------------------------------------------------------

    private void release(ProcessRuntime p) {
        p.released = true;
        ExecutorRuntime exec = executorFor(p);
        for (TaskRecord rec : p.tasks) {
            rec.executor = exec;
            if (stopping) {
                finishUnstarted(rec, TaskState.CANCELLED, stopReason);
                continue;
            }
            if (options.resume()) {
                TaskPreparer.Prepared cached = preparer.cached(rec.id, rec.spec, p);
                if (cached != null) {
                    rec.task = cached.task();
                    rec.files = cached.files();
                    setState(rec, TaskState.CACHED);
                    listener.attemptFinished(rec, TaskState.CACHED);
                    onTerminal(rec);
                    continue;
                }
            }
            String never = exec.startProblem != null ? exec.startProblem : exec.neverFits(p.effective().resources());
            if (!prepareAttempt(rec, 1)) {
                continue;
            }
            if (never != null) {
                // Fails at once, through the error strategy, instead of waiting forever for room.
                failAttempt(rec, "task " + never, false);
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
            processFinished(p);
        }
    }

    private void onTerminal(TaskRecord rec) {
        unfinished--;
        ProcessRuntime p = rec.process;
        p.unfinished--;
        if (p.finished()) {
            processFinished(p);
        }
    }

    private void processFinished(ProcessRuntime p) {
        for (ProcessRuntime d : p.downstream) {
            if (d.released || !d.upstream.stream().allMatch(ProcessRuntime::finished)) {
                continue;
            }
            ProcessRuntime failedUpstream = d.upstream.stream()
                    .filter(u -> u.tasks.stream().anyMatch(t -> !t.state.satisfiesDependents()))
                    .findFirst().orElse(null);
            if (failedUpstream == null) {
                release(d);
            } else {
                d.released = true;
                String reason = "upstream process '" + failedUpstream.name() + "' did not succeed";
                for (TaskRecord rec : d.tasks) {
                    finishUnstarted(rec, stopping ? TaskState.CANCELLED : TaskState.SKIPPED,
                            stopping ? stopReason : reason);
                }
                if (d.tasks.isEmpty()) {
                    processFinished(d);
                }
            }
        }
    }

    // ---- attempts ---------------------------------------------------------------------------------

    private void startAttempt(TaskRecord rec, int attempt) {
        if (prepareAttempt(rec, attempt)) {
            schedule(rec);
        }
    }

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
            onTerminal(rec);
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
                failAttempt(rec, "gate '" + f.gateId() + "': " + f.error().getMessage(), f.error().isRetryable());
            }
            case GateOutcome.Cancelled c -> {
                // Only the monitor cancels gates, and it has already moved the task on.
            }
        }
    }

    private void submitReady() {
        rateLimited = false;
        if (stopping) {
            return;
        }
        for (ExecutorRuntime exec : executors.values()) {
            Iterator<TaskRecord> it = exec.ready.iterator();
            while (it.hasNext()) {
                if (!exec.hasRoom()) {
                    break;
                }
                TaskRecord rec = it.next();
                Resources res = rec.task.resources();
                // Backfill: a task that does not fit now lets smaller ones behind it go first.
                if (!exec.fitsNow(res)) {
                    continue;
                }
                ProcessRuntime p = rec.process;
                Integer processQueue = p.effective().queueSize();
                if (processQueue != null && processQueue > 0 && p.active >= processQueue) {
                    continue;
                }
                // Permits are spent only on a task that is ready and fits.
                if (p.rateLimiter != null && !p.rateLimiter.tryAcquire()) {
                    rateLimited = true;
                    continue;
                }
                if (exec.rateLimiter != null && !exec.rateLimiter.tryAcquire()) {
                    rateLimited = true;
                    break;
                }
                it.remove();
                submit(exec, rec);
            }
        }
    }

    private void submit(ExecutorRuntime exec, TaskRecord rec) {
        TaskHandle task = rec.task;
        TaskLaunch launch;
        try {
            LaunchCommand command = new LaunchCommand(task.command(), task.environment(), task.workDir());
            // Environments wrap first: a plugin's container or GPU wrapper then holds the environment too.
            TaskEnvironments.EnvironmentRun envRun = environments.launch(task, command, rec.files);
            TaskHandle launched = task;
            if (envRun != null) {
                command = envRun.command();
                launched = withTimeLimit(rec.task, envRun.timeLimit());
            }
            rec.environmentRun = envRun;
            for (TaskWrapper wrapper : wrappers) {
                LaunchCommand current = command;
                if (PluginCalls.call(wrapper, () -> wrapper.appliesTo(task))) {
                    command = PluginCalls.call(wrapper, () -> wrapper.wrap(task, current));
                }
            }
            launch = new TaskLaunch(launched, command, rec.files);
        } catch (TaskException e) {
            failAttempt(rec, e.getMessage(), e.isRetryable());
            return;
        } catch (RuntimeException e) {
            log.error("wrapping task {} failed", rec.id, e);
            failAttempt(rec, "wrapping the command failed: " + PluginCalls.describe(e), false);
            return;
        }
        rec.submittedAt = time.now();
        rec.timeLimit = launch.task().resources().time();
        exec.take(task.resources());
        rec.process.active++;
        setState(rec, TaskState.SUBMITTED);
        int attempt = task.attempt();
        if (exec.submitPool == null) {
            onSubmitOutcome(exec, rec, attempt, callSubmit(exec, launch));
            return;
        }
        // Launches overlap on the executor's submit threads; the answer comes back through the inbox.
        exec.submitting++;
        exec.submitPool.execute(() -> {
            SubmitOutcome outcome = callSubmit(exec, launch);
            inbox.add(() -> {
                exec.submitting--;
                onSubmitOutcome(exec, rec, attempt, outcome);
            });
            signal.raise();
        });
    }

    /** What one submit call gave: the submitted task, or the exception it threw. */
    private record SubmitOutcome(SubmittedTask submitted, Exception error) {
    }

    private static SubmitOutcome callSubmit(ExecutorRuntime exec, TaskLaunch launch) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(exec.executor.getClass().getClassLoader());
        try (var logContext = TaskLogContext.of(launch.task().id(), launch.task().processName())) {
            return new SubmitOutcome(exec.executor.submit(launch), null);
        } catch (TaskException | ExecutorException | RuntimeException e) {
            return new SubmitOutcome(null, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private void onSubmitOutcome(ExecutorRuntime exec, TaskRecord rec, int attempt, SubmitOutcome outcome) {
        if (outcome.submitted() != null) {
            rec.submitted = outcome.submitted();
            exec.active.put(outcome.submitted(), rec);
            if (killing) {
                // The run was stopped while this task was being launched.
                killTasks(exec, List.of(rec), stopReason, false);
            } else {
                startProbes(rec);
                watchOutput(rec);
            }
            return;
        }
        exec.release(rec.task.resources());
        rec.process.active--;
        switch (outcome.error()) {
            case TaskException e -> failAttempt(rec, e.getMessage(), e.isRetryable());
            case ExecutorException e -> {
                listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, e);
                failAttempt(rec, "executor '" + exec.name() + "' could not submit: " + e.getMessage(), true);
            }
            default -> {
                log.error("submitting task {} failed", rec.id, outcome.error());
                listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, outcome.error());
                failAttempt(rec, "submitting failed: " + PluginCalls.describe(outcome.error()), false);
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
            List<SubmittedTask> batch = List.copyOf(exec.active.keySet());
            Map<SubmittedTask, TaskStatus> statuses;
            try {
                statuses = PluginCalls.call(exec.executor, () -> exec.executor.poll(batch));
            } catch (ExecutorException | RuntimeException e) {
                log.warn("polling the {} executor failed, will try again: {}", exec.name(), e.getMessage());
                listener.executorFailed(exec.name(), RunListener.ExecutorCall.POLL, e);
                continue;
            }
            for (Map.Entry<SubmittedTask, TaskStatus> entry : statuses.entrySet()) {
                TaskRecord rec = exec.active.get(entry.getKey());
                if (rec != null) {
                    apply(exec, rec, entry.getValue());
                }
            }
        }
    }

    private void apply(ExecutorRuntime exec, TaskRecord rec, TaskStatus status) {
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
        exec.active.remove(rec.submitted);
        exec.release(rec.task.resources());
        rec.process.active--;
        stopProbes(rec);
        KillSchedule.KillOrder kill = kills.ended(rec);
        Optional<String> runSaid = Optional.empty();
        if (rec.environmentRun != null) {
            runSaid = rec.environmentRun.finish();
            if (rec.protocolFailure == null) {
                rec.protocolFailure = rec.environmentRun.protocolFailure().orElse(null);
            }
        }
        rec.completedAt = status.completedAt() != null ? status.completedAt() : time.now();
        if (rec.startedAt == null) {
            rec.startedAt = status.startedAt() != null ? status.startedAt() : rec.submittedAt;
        }
        rec.exitCode = status.exitCode();
        rec.peakRss = status.peakRssBytes();
        if (rec.exitCode != null) {
            preparer.ended(rec.files, rec.exitCode);
        }
        if (kill != null && !kill.isFailure()) {
            rec.error = kill.reason();
            listener.attemptFinished(rec, TaskState.CANCELLED);
            attemptEndedInGates(rec, AttemptOutcome.of(kill.kind(), rec.exitCode, kill.reason(), false));
            setState(rec, TaskState.CANCELLED);
            onTerminal(rec);
        } else if (kill != null) {
            failAttempt(rec, kill.reason(), false, kill.kind());
        } else if (rec.protocolFailure != null) {
            failAttempt(rec, rec.protocolFailure, false);
        } else if (status.isSuccess()) {
            preparer.succeeded(rec);
            listener.attemptFinished(rec, TaskState.SUCCEEDED);
            attemptEndedInGates(rec, AttemptOutcome.succeeded());
            setState(rec, TaskState.SUCCEEDED);
            onTerminal(rec);
        } else {
            boolean retryable = status.state() == TaskStatus.State.NODE_FAILURE;
            String why = describeFailure(status);
            // The run's own openjd_fail message says more than its exit code.
            failAttempt(rec, runSaid.map(said -> said + " (" + why + ")").orElse(why), retryable,
                    status.state() == TaskStatus.State.TIMEOUT ? AttemptOutcome.Kind.TIMED_OUT
                            : AttemptOutcome.Kind.FAILED);
        }
    }

    private static String describeFailure(TaskStatus status) {
        String reason = status.reason();
        return switch (status.state()) {
            case COMPLETED -> "exited with code " + status.exitCode()
                    + (status.exitCode() == 127 ? " (command not found?)" : "")
                    + (reason == null ? "" : ": " + reason);
            case TIMEOUT -> "ran past its time limit" + (reason == null ? "" : ": " + reason);
            case OUT_OF_MEMORY -> "was killed for running out of memory" + (reason == null ? "" : ": " + reason);
            default -> status.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + (reason == null ? "" : ": " + reason);
        };
    }

    /** An attempt failed; retry it or apply the process's error strategy. */
    private void failAttempt(TaskRecord rec, String reason, boolean retryable) {
        failAttempt(rec, reason, retryable, AttemptOutcome.Kind.FAILED);
    }

    private void failAttempt(TaskRecord rec, String reason, boolean retryable, AttemptOutcome.Kind kind) {
        try (var logContext = TaskLogContext.of(rec.id, rec.processName())) {
            failAttemptInContext(rec, reason, retryable, kind);
        }
    }

    private void failAttemptInContext(TaskRecord rec, String reason, boolean retryable, AttemptOutcome.Kind kind) {
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
                log.info("task {} ({}) attempt {} failed: {}; retrying in {}", rec.id, rec.name(), attempt, reason,
                        dev.sluice.spi.Units.formatDuration(retry.delay()));
                setState(rec, TaskState.RETRY_WAIT);
                retries.add(rec);
            }
            case AttemptPolicy.Decision.Ignore ignore -> {
                setState(rec, TaskState.IGNORED);
                onTerminal(rec);
            }
            case AttemptPolicy.Decision.Finish finish -> {
                failed = true;
                setState(rec, TaskState.FAILED);
                onTerminal(rec);
                stopSubmitting("task " + rec.id + " (" + rec.name() + ") failed; errorStrategy finish lets "
                        + "running tasks end");
            }
            case AttemptPolicy.Decision.Terminate terminate -> {
                failed = true;
                setState(rec, TaskState.FAILED);
                onTerminal(rec);
                stopRun("task " + rec.id + " (" + rec.name() + ") failed");
            }
        }
    }

    // ---- stopping ---------------------------------------------------------------------------------

    /** Nothing new starts; tasks not yet submitted are cancelled; running ones go on. */
    private void stopSubmitting(String reason) {
        if (stopping) {
            return;
        }
        stopping = true;
        stopReason = reason;
        for (TaskRecord rec : tasks) {
            switch (rec.state) {
                case WAITING -> {
                    if (rec.process.released) {
                        finishUnstarted(rec, TaskState.CANCELLED, reason);
                    }
                }
                case GATED, QUEUED, RETRY_WAIT -> {
                    boolean started = rec.state != TaskState.RETRY_WAIT;
                    cancelGates(rec);
                    rec.executor.ready.remove(rec);
                    retries.remove(rec);
                    rec.error = reason;
                    if (started) {
                        listener.attemptFinished(rec, TaskState.CANCELLED);
                        attemptEndedInGates(rec, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null, reason,
                                false));
                    }
                    setState(rec, TaskState.CANCELLED);
                    onTerminal(rec);
                }
                default -> {
                }
            }
        }
        // Processes not yet released end as cancelled too.
        for (ProcessRuntime p : processes) {
            if (!p.released) {
                p.released = true;
                for (TaskRecord rec : p.tasks) {
                    finishUnstarted(rec, TaskState.CANCELLED, reason);
                }
            }
        }
    }

    /** Everything stops: not-yet-submitted tasks are cancelled and running ones are killed. */
    private void stopRun(String reason) {
        stopSubmitting(reason);
        killing = true;
        for (ExecutorRuntime exec : executors.values()) {
            List<TaskRecord> toKill = new ArrayList<>();
            for (TaskRecord rec : exec.active.values()) {
                if (!kills.isKilled(rec)) {
                    toKill.add(rec);
                }
            }
            killTasks(exec, toKill, reason, false);
        }
    }

    /**
     * Kills tasks and records why: each is asked to stop and forced when its own grace has passed
     * (a wrapped task's grace is what its wrap hook says, every other one's the run's).
     */
    private void killTasks(ExecutorRuntime exec, List<TaskRecord> toKill, String reason, boolean isFailure) {
        killTasks(exec, toKill, reason, isFailure, isFailure ? AttemptOutcome.Kind.FAILED : AttemptOutcome.Kind.KILLED);
    }

    private void killTasks(ExecutorRuntime exec, List<TaskRecord> toKill, String reason, boolean isFailure,
            AttemptOutcome.Kind kind) {
        Map<Duration, List<SubmittedTask>> byGrace = new LinkedHashMap<>();
        for (TaskRecord rec : toKill) {
            Duration grace = killGrace(rec);
            kills.killed(rec, reason, isFailure, kind, time.nanoTime(), grace);
            if (rec.environmentRun != null) {
                rec.environmentRun.beforeCancel(grace);
            }
            byGrace.computeIfAbsent(grace, g -> new ArrayList<>()).add(rec.submitted);
        }
        byGrace.forEach((grace, batch) -> endTasks(exec, batch, grace));
    }

    private Duration killGrace(TaskRecord rec) {
        return rec.environmentRun == null ? options.killGrace()
                : rec.environmentRun.killGrace().orElse(options.killGrace());
    }

    /** Asks the tasks to stop, or forces them when there is no grace. */
    private void endTasks(ExecutorRuntime exec, List<SubmittedTask> batch, Duration grace) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            PluginCalls.call(exec.executor, () -> {
                if (grace.isZero()) {
                    exec.executor.force(batch);
                } else {
                    exec.executor.terminate(batch, grace);
                }
                return null;
            });
        } catch (ExecutorException | RuntimeException e) {
            log.warn("the {} executor could not end {} task(s): {}", exec.name(), batch.size(), e.getMessage());
            listener.executorFailed(exec.name(), RunListener.ExecutorCall.KILL, e);
        }
        exec.statusChanged = true;
    }

    /** Forces the killed tasks whose grace has passed, in one call per executor. */
    private void forceDueKills() {
        Map<ExecutorRuntime, List<SubmittedTask>> due = new LinkedHashMap<>();
        for (TaskRecord rec : kills.dueForce(time.nanoTime())) {
            if (rec.executor.active.containsKey(rec.submitted)) {
                due.computeIfAbsent(rec.executor, e -> new ArrayList<>()).add(rec.submitted);
            }
        }
        due.forEach((exec, batch) -> endTasks(exec, batch, Duration.ZERO));
    }

    /** Executors may not enforce a task's time limit (the local one does not), so the monitor does. */
    private void enforceTimeLimits() {
        for (TaskRecord rec : kills.pastTimeLimit(time.nanoTime())) {
            if (!kills.isKilled(rec) && rec.executor.active.containsKey(rec.submitted)) {
                String reason = "ran past its time limit of " + dev.sluice.spi.Units.formatDuration(rec.timeLimit);
                log.warn("task {} ({}) {}, killing it", rec.id, rec.name(), reason);
                killTasks(rec.executor, List.of(rec), reason, true, AttemptOutcome.Kind.TIMED_OUT);
            }
        }
    }

    /**
     * A killed task whose end the executor never confirms is taken as ended; its gates hear that its
     * processes may live on (ABANDONED), so that what is exclusive stays out of reach.
     */
    private void enforceKillDeadlines() {
        for (TaskRecord rec : kills.unconfirmed(time.nanoTime())) {
            if (!kills.isKilled(rec)) {
                continue; // its end was applied while another's was
            }
            if (!rec.executor.active.containsKey(rec.submitted)) {
                kills.ended(rec); // nothing left to wait for
                continue;
            }
            kills.abandon(rec);
            log.warn("task {} ({}) did not confirm its end after being killed; giving up on it", rec.id, rec.name());
            apply(rec.executor, rec, TaskStatus.ended(TaskStatus.State.CANCELLED,
                    "killed; the executor did not confirm the end", null, rec.startedAt, time.now()));
        }
    }

    private void finishUnstarted(TaskRecord rec, TaskState state, String reason) {
        if (rec.state.isTerminal()) {
            return;
        }
        rec.error = reason;
        setState(rec, state);
        onTerminal(rec);
    }

    /** Tells the gates that admitted the attempt that it ended (see TaskReadinessGate.attemptEnded). */
    private void attemptEndedInGates(TaskRecord rec, AttemptOutcome outcome) {
        if (gates != null && rec.task != null) {
            gates.attemptEnded(rec.task, outcome);
        }
    }

    private void cancelGates(TaskRecord rec) {
        if (rec.state == TaskState.GATED && gates != null && rec.task != null) {
            gates.cancel(rec.task.id());
        }
    }

    private void shutdown() {
        for (List<Thread> threads : probes.values()) {
            threads.forEach(Thread::interrupt);
        }
        probes.clear();
        if (gates != null) {
            List<StuckGate> stuck = gates.shutdown(Duration.ofSeconds(5));
            for (StuckGate s : stuck) {
                log.warn("gate '{}' ignored the interrupt for task {} ({}) and was abandoned", s.gateId(),
                        s.taskId(), s.taskName());
            }
        }
        preparer.close();
        for (ExecutorRuntime exec : executors.values()) {
            if (exec.submitPool != null) {
                exec.submitPool.shutdownNow();
            }
            if (!exec.active.isEmpty()) {
                // The loop is gone (it was interrupted): nothing would force these after a grace.
                endTasks(exec, List.copyOf(exec.active.keySet()), Duration.ZERO);
            }
            try {
                PluginCalls.call(exec.executor, () -> {
                    exec.executor.close();
                    return null;
                });
            } catch (RuntimeException e) {
                log.warn("closing the {} executor failed: {}", exec.name(), e.toString());
            }
        }
        if (gates != null) {
            // After the executors killed and let go of their tasks: nothing a gate handed out stays held.
            gates.endAdmittedAttempts(AttemptOutcome.of(AttemptOutcome.Kind.SHUTDOWN, null,
                    stopReason != null ? stopReason : "the run ended", false));
        }
    }

    // ---- health probes ----------------------------------------------------------------------------

    private void startProbes(TaskRecord rec) {
        List<TaskHealthMonitor> monitors = rec.executor.healthMonitors.isEmpty() ? healthMonitors
                : concat(healthMonitors, rec.executor.healthMonitors);
        if (monitors.isEmpty()) {
            return;
        }
        TaskHandle task = rec.task;
        SubmittedTask submitted = rec.submitted;
        int attempt = task.attempt();
        List<Thread> threads = new ArrayList<>();
        for (TaskHealthMonitor monitor : monitors) {
            boolean applies;
            Duration period;
            int threshold;
            try {
                applies = PluginCalls.call(monitor, () -> monitor.appliesTo(task));
                period = applies ? PluginCalls.call(monitor, monitor::period) : null;
                threshold = applies ? PluginCalls.call(monitor, monitor::failureThreshold) : 0;
            } catch (RuntimeException e) {
                log.warn("health monitor '{}' failed in appliesTo, period or failureThreshold: {}", monitor.id(),
                        e.toString());
                continue;
            }
            if (!applies) {
                continue;
            }
            threads.add(HealthProbeLoop.start("probe-" + monitor.id() + "-" + rec.id, time, period, threshold,
                    monitor.getClass().getClassLoader(), () -> monitor.probe(task, submitted),
                    new HealthProbeLoop.Outcome() {
                        @Override
                        public void status(String message) {
                            post(() -> onStatus(rec, attempt, message));
                        }

                        @Override
                        public void unhealthy(String message) {
                            String why = "health monitor '" + monitor.id() + "': " + message;
                            post(() -> onUnhealthy(rec, attempt, why));
                        }
                    }));
        }
        if (!threads.isEmpty()) {
            probes.put(rec, threads);
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void stopProbes(TaskRecord rec) {
        List<Thread> threads = probes.remove(rec);
        if (threads != null) {
            threads.forEach(Thread::interrupt);
        }
    }

    private void onUnhealthy(TaskRecord rec, int attempt, String message) {
        if (rec.attempt() != attempt || rec.submitted == null || !rec.executor.active.containsKey(rec.submitted)
                || kills.isKilled(rec)) {
            return;
        }
        log.warn("task {} ({}) is unhealthy, killing it: {}", rec.id, rec.name(), message);
        killTasks(rec.executor, List.of(rec), message, true);
    }

    /** Reads a task's output for the stdout protocol while it runs in environments. */
    private void watchOutput(TaskRecord rec) {
        if (rec.environmentRun == null) {
            return;
        }
        int attempt = rec.attempt();
        rec.environmentRun.watch(message -> post(() -> onStatus(rec, attempt, message)),
                problem -> post(() -> onProtocolFailure(rec, attempt, problem)));
    }

    private void onStatus(TaskRecord rec, int attempt, String message) {
        if (rec.attempt() != attempt || rec.state.isTerminal()) {
            return;
        }
        rec.status = message;
        listener.statusChanged(rec);
    }

    private void onProtocolFailure(TaskRecord rec, int attempt, String problem) {
        if (rec.attempt() != attempt || rec.protocolFailure != null) {
            return;
        }
        rec.protocolFailure = problem;
        if (rec.submitted != null && rec.executor.active.containsKey(rec.submitted) && !kills.isKilled(rec)) {
            log.warn("task {} ({}) broke the stdout protocol, killing it: {}", rec.id, rec.name(), problem);
            killTasks(rec.executor, List.of(rec), problem, true);
        }
    }

    /**
     * Shows a plugin's status for a task in progress and trace ({@code PluginContext.reportStatus}).
     * Any thread; a status for an attempt that has moved on is dropped.
     */
    public void reportStatus(TaskHandle task, String status) {
        post(() -> {
            TaskRecord rec = byId.get(task.id());
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

    private static TaskHandle withTimeLimit(Task task, Optional<Duration> limit) {
        Resources r = task.resources();
        if (limit.isEmpty() || (r.time() != null && r.time().compareTo(limit.get()) <= 0)) {
            return task;
        }
        Resources tighter = new Resources(r.cpus(), r.memoryBytes(), limit.get(), r.accelerators(),
                r.acceleratorType());
        return task.withResources(tighter);
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    private void setState(TaskRecord rec, TaskState to) {
        TaskState from = rec.state;
        if (from == to) {
            return;
        }
        rec.state = to;
        listener.stateChanged(rec, from, to);
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
        if (rateLimited) {
            wake = Math.min(wake, now + Duration.ofMillis(5).toNanos());
        }
        wake = kills.nextDue(wake);
        return Math.max(0, wake - now);
    }

    /** Marshals gate events onto the monitor's thread. */
    private final class InboxGateListener implements GateListener {
        @Override
        public void gateStarted(TaskHandle task, String gateId, Instant at) {
            int attempt = task.attempt();
            inbox.add(() -> {
                TaskRecord rec = byId.get(task.id());
                if (rec == null || rec.attempt() != attempt) {
                    return;
                }
                listener.gateStarted(rec, gateId, at);
                if (rec.state == TaskState.GATED) {
                    rec.gatesInFlight.add(gateId);
                    listener.gatesChanged(rec);
                }
            });
        }

        @Override
        public void gateFinished(TaskHandle task, String gateId, Instant at, Throwable failure) {
            int attempt = task.attempt();
            inbox.add(() -> {
                TaskRecord rec = byId.get(task.id());
                if (rec == null || rec.attempt() != attempt) {
                    return;
                }
                // Reported even after the task's verdict, so that each gateStarted gets its end.
                listener.gateFinished(rec, gateId, at, failure);
                if (rec.gatesInFlight.remove(gateId)) {
                    listener.gatesChanged(rec);
                }
            });
        }

        @Override
        public void outcome(TaskHandle task, GateOutcome outcome) {
            int attempt = task.attempt();
            inbox.add(() -> {
                TaskRecord rec = byId.get(task.id());
                if (rec != null) {
                    onGateOutcome(rec, task, attempt, outcome);
                }
            });
            signal.raise();
        }
    }
}
