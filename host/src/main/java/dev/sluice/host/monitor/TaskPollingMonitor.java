package dev.sluice.host.monitor;

import dev.sluice.gate.StuckGate;
import dev.sluice.gate.TaskGateManager;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a run: a loop that, each turn, applies what other threads reported, asks its parts what is
 * due and sleeps until the next thing is. The parts decide: {@link RunGraph} which processes may
 * start, {@link Dispatcher} (with {@link Admission} and {@link Launcher}) what is launched,
 * {@link Outcomes} (with {@link AttemptPolicy} and {@link KillSchedule}) how attempts end,
 * {@link ProbeSupervisor} what running tasks' health probes find.
 *
 * <p>Threading: all state lives on the thread that calls {@link #run()}. Other threads (gates,
 * executors' callbacks, probes, wrappers, a signal handler) only post events to an inbox and raise a
 * {@link Signal}, so the loop reacts at once to a gate passing or a process exiting and otherwise
 * sleeps until the next poll, retry, kill or rate-limit permit is due, on the run's clock
 * ({@link Wakeups}). With no gates installed no {@link TaskGateManager} is created and a task goes
 * straight to the queue. Tasks need not all be known at start: the graph numbers them as they come.
 */
public final class TaskPollingMonitor {
    private static final Logger log = LoggerFactory.getLogger(TaskPollingMonitor.class);
    /** Longest the loop sleeps without a reason, so displays stay live. */
    private static final Duration TICK = Duration.ofMillis(250);

    private final RunOptions options;
    private final TimeSource time;
    private final Wakeups wakeups;
    private final RunListener listener;
    private final TaskPreparer preparer;
    private final RunState run;
    private final ProbeSupervisor probes;
    private final Outcomes outcomes;
    private final Dispatcher dispatcher;
    private final List<TaskReadinessGate> gateList;
    private final List<ExecutorSetup> executorSetups;
    private final Leftovers leftovers;
    /** Tasks offered while the run goes, or {@code null} for a run of its plans only. */
    private final Intake intake;
    private final Arrivals arrivals;
    /** Set by a turn that left arrivals waiting: the next turn comes at once. */
    private boolean more;
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Signal signal = new Signal();
    /**
     * On the real clock, when the loop must look at its inbox even if nothing wakes it: quiet answers may
     * be waiting ({@link Launcher.Answers}). 0 when none may.
     */
    private long answersDueNanos;
    /**
     * How soon after its hand-over a launch's answer may come and still wait for the loop's next wake-up;
     * the loop looks by itself within twice this of its last hand-over (once would do on clocks and queues
     * seen in one order by both threads; the second is a margin for reads the processor reorders).
     */
    private final long quietAnswerNanos;
    private volatile String cancelRequest;
    private volatile String forceRequest;
    private volatile String drainRequest;

    TaskPollingMonitor(MonitorBuilder b) {
        this.options = b.options;
        this.time = b.time;
        this.wakeups = b.wakeups != null ? b.wakeups : Wakeups.on(b.time);
        this.quietAnswerNanos = b.quietAnswers.toNanos();
        this.listener = b.listener;
        this.preparer = b.preparer;
        this.gateList = b.gates;
        this.executorSetups = b.executors;
        this.leftovers = new Leftovers(b.killedRuns, b.leftoversEnded, b.preparer, b.options.resume());
        this.run = new RunState(new RunGraph(b.plans), b.listener, b.time);
        this.probes = new ProbeSupervisor(b.healthMonitors, b.time, new ProbeSupervisor.Findings() {
            @Override
            public void status(TaskProgress rec, int attempt, String message) {
                post(() -> run.showStatus(rec, attempt, message));
            }

            @Override
            public void unhealthy(TaskProgress rec, int attempt, String message) {
                post(() -> outcomes.killFailing(rec, attempt, "is unhealthy", message));
            }
        });
        this.outcomes = new Outcomes(run, b.preparer, probes, b.options.killGrace());
        this.dispatcher = new Dispatcher(run, outcomes, new Launcher(b.wrappers), b.preparer, probes,
                b.options.resume(), new Dispatcher.Loop() {
                    @Override
                    public void post(Runnable event) {
                        TaskPollingMonitor.this.post(event);
                    }

                    @Override
                    public long handOver() {
                        if (time != TimeSource.system()) {
                            return Long.MIN_VALUE;
                        }
                        long now = System.nanoTime();
                        answersDueNanos = now + 2 * quietAnswerNanos;
                        return now + quietAnswerNanos;
                    }

                    @Override
                    public void enqueue(Runnable event) {
                        inbox.add(event);
                    }

                    @Override
                    public void wake() {
                        signal.raise();
                    }

                    @Override
                    public void leftoverDeclined(String runId, ExecutorRuntime exec, String nativeId) {
                        leftovers.decline(runId, exec, nativeId);
                    }

                    @Override
                    public void endDeclinedLeftovers() {
                        leftovers.endDeclined();
                    }
                });
        this.intake = b.intake;
        run.failuresStopRun = b.intake == null;
        this.arrivals = b.intake == null ? null : new Arrivals(b.intake, run, dispatcher, outcomes);
        if (b.intake != null) {
            b.intake.attach(signal::raise);
            run.graph.letGoOfSettledTasks();
        }
    }

    /** A monitor for the run of {@code plans}; everything else is optional. */
    public static MonitorBuilder builder(RunOptions options, List<ProcessPlan> plans) {
        return new MonitorBuilder(options, plans);
    }

    /** Every task of the run, in id order. */
    public List<TaskProgress> tasks() {
        return List.copyOf(run.graph.tasks());
    }

    /** Asks the run to stop: running tasks are killed, nothing new starts. Any thread. */
    public void cancel(String reason) {
        cancelRequest = reason;
        signal.raise();
    }

    /**
     * Asks the run to stop taking work: tasks not yet submitted end as cancelled, running ones go on to
     * their end, and the run ends with them (a service's graceful stop). {@link #cancel} later ends the
     * running ones too. Any thread.
     */
    public void drain(String reason) {
        drainRequest = reason;
        signal.raise();
    }

    /**
     * Asks the run to stop without a grace: as {@link #cancel}, and tasks already asked to stop are
     * forced now rather than when their grace ends (a second SIGINT or SIGTERM). Any thread.
     */
    public void force(String reason) {
        if (cancelRequest == null) {
            cancelRequest = reason;
        }
        forceRequest = reason;
        signal.raise();
    }

    /**
     * Shows a plugin's status for a task in progress and trace ({@code PluginContext.reportStatus}).
     * Any thread; a status for an attempt that has moved on is dropped.
     */
    public void reportStatus(TaskHandle task, String status) {
        post(() -> {
            TaskProgress rec = run.graph.task(task.id());
            if (rec != null) {
                run.showStatus(rec, task.attempt(), status);
            }
        });
    }

    /** Runs every task to a terminal state and returns how the run ended. */
    public RunResult run() throws InterruptedException {
        long started = time.nanoTime();
        if (!gateList.isEmpty()) {
            run.gates = new TaskGateManager(gateList, time, new GateEvents(run.graph::task, listener, inbox::add,
                    this::post, dispatcher::gateOutcome));
        }
        try {
            for (ExecutorSetup setup : executorSetups) {
                ExecutorRuntime rt = ExecutorRuntime.start(setup, pollInterval(setup), options, time, listener,
                        signal::raise);
                run.executors.put(rt.name(), rt);
            }
            leftovers.endAtStart(run.executors.values(), this::keysByExecutor);
            listener.runStarted(List.copyOf(run.graph.tasks()));
            dispatcher.start();
            while (goesOn()) {
                step();
                if (goesOn()) {
                    wakeups.awaitUntil(signal, more ? time.nanoTime() : nextWake());
                }
            }
            listener.loopEnded();
        } finally {
            shutdown();
        }
        listener.runFinished(List.copyOf(run.graph.tasks()));
        return new RunResult(!run.failed && !run.cancelled, run.cancelled, run.stopReason,
                List.copyOf(run.graph.tasks()), run.graph.letGo(), Duration.ofNanos(time.nanoTime() - started),
                intake != null);
    }

    /**
     * Whether the loop has more to do: a task not ended, or an intake still open. A run that stops (a
     * signal, {@link #cancel}) ends with its tasks: what its intake still holds is not taken.
     */
    private boolean goesOn() {
        return !run.graph.finished() || (intake != null && !run.stopping && intake.keepsRunGoing());
    }

    /** One turn of the loop: events, arrivals, retries, submissions, polls, kills. */
    private void step() {
        drainInbox();
        if (arrivals != null) {
            more = arrivals.take();
            Map<dev.sluice.host.task.TaskState, Integer> letGo = run.graph.letGoOfSettled(time.nanoTime());
            if (!letGo.isEmpty()) {
                listener.tasksLetGo(letGo);
            }
        }
        String cancel = cancelRequest;
        if (cancel != null && !run.cancelled) {
            run.cancelled = true;
            outcomes.stopRun(cancel);
        }
        String force = forceRequest;
        if (force != null && !run.forcing) {
            outcomes.forceStop(force);
        }
        String drain = drainRequest;
        if (drain != null && !run.stopping) {
            outcomes.stopSubmitting(drain);
        }
        if (run.stopping && intake != null && intake.isOpen()) {
            // A stopping run takes no more: offers are refused from now on, rather than cancelled when taken.
            intake.close();
        }
        dispatcher.retryDue();
        dispatcher.submitReady();
        poll();
        // Completions may have released dependents or freed capacity: use it now, not next wake-up.
        dispatcher.submitReady();
        outcomes.enforceKills();
        listener.tick();
    }

    private void drainInbox() {
        Runnable event;
        while ((event = inbox.poll()) != null) {
            event.run();
        }
    }

    /**
     * This run's task keys by the name of the executor that runs them, for what killed runs left: its
     * tasks, and those offered to its intake and not yet taken (a service's tasks taken back at a restart,
     * whose batch jobs still running are to be adopted, not ended).
     */
    private Map<String, java.util.Set<String>> keysByExecutor() {
        Map<String, java.util.Set<String>> keys = new java.util.HashMap<>();
        for (TaskProgress rec : run.graph.tasks()) {
            keys.computeIfAbsent(rec.process.effective().executor(), k -> new java.util.HashSet<>()).add(rec.spec.key());
        }
        if (intake != null) {
            for (Intake.Arrival a : intake.pendingArrivals()) {
                ProcessRuntime p = run.graph.process(a.process());
                if (p != null) {
                    keys.computeIfAbsent(p.effective().executor(), k -> new java.util.HashSet<>()).add(a.spec().key());
                }
            }
        }
        return keys;
    }

    /** Hands an event from another thread to the monitor's. */
    private void post(Runnable event) {
        inbox.add(event);
        signal.raise();
    }

    /** Polls each executor whose interval has passed or which said a status changed, in one batch. */
    private void poll() {
        long now = time.nanoTime();
        for (ExecutorRuntime exec : run.executors.values()) {
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
                TaskProgress rec = exec.active.get(entry.getKey());
                if (rec != null) {
                    outcomes.apply(rec, entry.getValue());
                }
            }
        }
    }

    /** Polls are batched per executor, so the shortest interval any of its processes asks for applies. */
    private Duration pollInterval(ExecutorSetup setup) {
        Duration interval = setup.pollInterval();
        for (ProcessRuntime p : run.graph.processes()) {
            Duration own = p.effective().pollInterval();
            if (own != null && p.effective().executor().equals(setup.executor().name())
                    && own.compareTo(interval) < 0) {
                interval = own;
            }
        }
        return interval;
    }

    /** When, on the clock, the loop must look again even if nothing is posted. */
    private long nextWake() {
        long now = time.nanoTime();
        if (!inbox.isEmpty()) {
            // Queued without a wake-up while this turn ran (a quiet answer, a gate's start or end): now.
            return now;
        }
        long wake = now + TICK.toNanos();
        if (!run.retries.isEmpty()) {
            wake = Math.min(wake, run.retries.peek().retryDueNanos);
        }
        for (ExecutorRuntime exec : run.executors.values()) {
            if (!exec.active.isEmpty()) {
                wake = Math.min(wake, exec.nextPollNanos);
            }
        }
        if (answersDueNanos != 0) {
            // Past this bound the answers queued are in the inbox (above), and one queued later wakes the
            // loop: its sender reads the clock after queuing it (Launcher.deliver).
            if (answersDueNanos - now > 0) {
                wake = Math.min(wake, answersDueNanos);
            } else {
                answersDueNanos = 0;
            }
        }
        return run.kills.nextDue(dispatcher.admission().nextDue(now, wake));
    }

    private void shutdown() {
        if (intake != null) {
            intake.closeAll();
        }
        probes.stopAll();
        if (run.gates != null) {
            List<StuckGate> stuck = run.gates.shutdown(Duration.ofSeconds(5));
            for (StuckGate s : stuck) {
                log.warn("gate '{}' ignored the interrupt for task {} ({}) and was abandoned", s.gateId(),
                        s.taskId(), s.taskName());
            }
        }
        leftovers.endAtFinish(run.executors.values(), run.graph.finished() && !run.stopping);
        preparer.close();
        run.executors.values().forEach(ExecutorRuntime::close);
        if (run.gates != null) {
            // After the executors killed and let go of their tasks: nothing a gate handed out stays held.
            run.gates.endAdmittedAttempts(AttemptOutcome.of(AttemptOutcome.Kind.SHUTDOWN, null,
                    run.stopReason != null ? run.stopReason : "the run ended", false));
        }
    }
}
