package dev.sluice.host.monitor;

import dev.sluice.gate.GateOutcome;
import dev.sluice.host.monitor.RunGraph.Next;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.WrappedTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way in: a released process's tasks get their work directories, pass their gates, wait for
 * {@link Admission} and are launched through the {@link Launcher}; retries come back this way too.
 * Owned by the monitor's thread; launches answered on other threads come back through {@code post}.
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** What the dispatcher needs from the loop. */
    interface Loop extends Launcher.Answers {
        /** Hands an event from another thread to the loop's. */
        @Override
        void post(Runnable event);

        /** A task a killed run left running on {@code exec} is not taken up: it is to be ended. */
        void leftoverDeclined(String runId, ExecutorRuntime exec, String nativeId);

        /** Ends the declined leftovers now: called before each submission pass, so none runs beside its task. */
        void endDeclinedLeftovers();
    }

    private final RunState run;
    private final Outcomes outcomes;
    private final Launcher launcher;
    private final Admission admission;
    private final TaskPreparer preparer;
    private final ProbeSupervisor probes;
    private final boolean resume;
    private final Loop loop;
    /**
     * How many tasks of a process are prepared ahead of their submission at most: enough to keep any
     * executor's slots and a gate layer busy between two turns of the loop, few enough that what a
     * prepared task holds (its handle, files, gates' threads) stays small in a run of any size. Counted
     * per process, so that one process whose tasks wait in gates holds up no other.
     */
    static final int AHEAD = 256;

    /** Set while {@link #submitReady} runs. */
    private boolean admitting;
    /** Set while {@link #prepareAhead} runs. */
    private boolean preparingAhead;
    /** Released processes with tasks not yet taken up, oldest first. */
    private final List<ProcessRuntime> preparing = new ArrayList<>();
    /** Tasks queued to take up an attempt a killed run left running, instead of launching one. */
    private final java.util.Map<TaskProgress, TaskPreparer.Adoption> adopting = new java.util.IdentityHashMap<>();

    Dispatcher(RunState run, Outcomes outcomes, Launcher launcher, TaskPreparer preparer, ProbeSupervisor probes,
            boolean resume, Loop loop) {
        this.run = run;
        this.outcomes = outcomes;
        this.launcher = launcher;
        this.admission = new Admission(run.executors.values());
        this.preparer = preparer;
        this.probes = probes;
        this.resume = resume;
        this.loop = loop;
        run.followWith(this::follow);
        run.cancelledBeforeSubmit = this::adoptionDropped;
    }

    /** A task that was to adopt a leftover batch job is cancelled before it did: the job is ended. */
    private void adoptionDropped(TaskProgress rec) {
        TaskPreparer.Adoption adoption = adopting.isEmpty() ? null : adopting.remove(rec);
        if (adoption != null) {
            loop.leftoverDeclined(adoption.runId(), rec.executor, adoption.nativeId());
        }
    }

    Admission admission() {
        return admission;
    }

    /** Releases the processes that depend on nothing. */
    void start() {
        run.graph.roots().forEach(this::release);
    }

    /**
     * Tests of type rather than a switch on patterns, whose class the JDK would generate in every run with a
     * dependent process (SealedSwitchesTest keeps the compiler's check that every kind is handled).
     */
    private void follow(Next next) {
        if (next instanceof Next.Release r) {
            release(r.process());
        } else if (next instanceof Next.Skip s) {
            for (TaskProgress rec : s.process().tasks) {
                run.finishUnstarted(rec, run.stopping ? TaskState.CANCELLED : TaskState.SKIPPED,
                        run.stopping ? run.stopReason : s.reason());
            }
            if (s.process().tasks.isEmpty()) {
                run.follow(run.graph.processFinished(s.process()));
            }
        } else {
            throw new IllegalStateException("a next step of a kind not handled here: " + next);
        }
    }

    private void release(ProcessRuntime p) {
        p.released = true;
        ExecutorRuntime exec = run.executors.get(p.effective().executor());
        for (TaskProgress rec : p.tasks) {
            rec.executor = exec;
        }
        if (p.tasks.isEmpty()) {
            run.follow(run.graph.processFinished(p));
            return;
        }
        if (resume) {
            p.noteUpstreamThatRan();
        }
        preparing.add(p);
        prepareAhead();
    }

    /**
     * Takes up released tasks in order, while their process has fewer than {@link #AHEAD} tasks prepared
     * and not yet submitted. A task's work directory, handle and gates come shortly before it can run,
     * not all at its process's release: a process of 100,000 tasks holds a few hundred handles at a time,
     * and its first tasks start before the last directory is made. Returns how many it took up.
     */
    private int prepareAhead() {
        if (preparingAhead) {
            return 0;
        }
        preparingAhead = true;
        int taken = 0;
        try {
            // By index: taking a task up can end it (cached, or failed at once) and release another process.
            for (int i = 0; i < preparing.size(); i++) {
                ProcessRuntime p = preparing.get(i);
                while (p.takenUp < p.tasks.size() && (run.stopping || p.ahead < AHEAD)) {
                    takeUp(p, p.tasks.get(p.takenUp++));
                    taken++;
                }
            }
            preparing.removeIf(p -> p.takenUp == p.tasks.size());
        } finally {
            preparingAhead = false;
        }
        return taken;
    }

    private void takeUp(ProcessRuntime p, TaskProgress rec) {
        if (rec.state != TaskState.WAITING) {
            return; // ended meanwhile (the run stopped)
        }
        if (run.stopping) {
            run.finishUnstarted(rec, TaskState.CANCELLED, run.stopReason);
            return;
        }
        ExecutorRuntime exec = rec.executor;
        TaskPreparer.Prepared cached = null;
        if (resume) {
            ProcessRuntime ran = p.upstreamThatRan;
            if (ran == null) {
                cached = preparer.cached(rec.id, rec.spec, p);
            } else {
                preparer.notReused(rec.id, rec.spec, "upstream process '" + ran.name() + "' ran again in this run");
            }
        }
        String never = exec.startProblem != null ? exec.startProblem : exec.neverFits(rec.spec.resources());
        // What a killed run left running of this task is taken up only where nothing else decides it.
        TaskPreparer.Adoption adoption = resume && exec.adoptsLeftovers ? preparer.adoption(rec.id, rec.spec, p,
                cached == null && p.upstreamThatRan == null && never == null) : null;
        if (adoption != null && adoption.prepared() == null) {
            loop.leftoverDeclined(adoption.runId(), exec, adoption.nativeId());
            adoption = null;
        }
        if (cached != null) {
            rec.begin(new Attempt(cached.task(), cached.files()));
            run.setState(rec, TaskState.CACHED);
            run.listener.attemptFinished(rec, TaskState.CACHED);
            run.conclude(rec, TaskState.CACHED);
            return;
        }
        if (adoption != null) {
            // It passed its gates in the run that launched it, and holds what they gave it: it queues at once.
            rec.begin(new Attempt(adoption.prepared().task(), adoption.prepared().files()));
            adopting.put(rec, adoption);
            rec.times(t -> t.gated(run.time.now()));
            enqueue(rec);
            return;
        }
        if (!prepare(rec, 1)) {
            return;
        }
        if (never != null) {
            // Fails at once, through the error strategy, instead of waiting forever for room.
            outcomes.fail(rec, "task " + never, false, AttemptOutcome.Kind.FAILED);
            return;
        }
        schedule(rec);
    }

    /**
     * A task that joined the run after its start ({@link Arrivals}): its process, released at the start,
     * takes it up in turn, at the next {@link #submitReady}.
     */
    void added(TaskProgress rec) {
        ProcessRuntime p = rec.process;
        rec.executor = run.executors.get(p.effective().executor());
        if (p.released && !preparing.contains(p)) {
            preparing.add(p);
        }
    }

    /** Starts the next attempt of each task whose retry is due. */
    void retryDue() {
        long now = run.time.nanoTime();
        while (!run.retries.isEmpty() && run.retries.peek().retryDueNanos <= now) {
            TaskProgress rec = run.retries.poll();
            if (rec.state == TaskState.RETRY_WAIT && prepare(rec, rec.attempt() + 1)) {
                schedule(rec);
            }
        }
    }

    /** Makes the attempt's work directory and handle; a failure here stops the run. */
    private boolean prepare(TaskProgress rec, int attempt) {
        TaskPreparer.Prepared prepared;
        try {
            prepared = preparer.prepare(rec.id, rec.spec, rec.process, attempt);
        } catch (IOException | RuntimeException e) {
            rec.error = "cannot prepare the work directory: " + e.getMessage();
            run.failed = true;
            run.conclude(rec, TaskState.FAILED);
            outcomes.stopRun("task " + rec.id + " (" + rec.name() + ") could not be prepared");
            return false;
        }
        rec.begin(new Attempt(prepared.task(), prepared.files()));
        return true;
    }

    /** Sends a prepared attempt into its gates, or straight to the queue when there are none. */
    private void schedule(TaskProgress rec) {
        rec.times(t -> t.gated(run.time.now()));
        if (run.gates == null) {
            enqueue(rec);
        } else {
            run.setState(rec, TaskState.GATED);
            run.gates.schedule(rec.task());
        }
    }

    private void enqueue(TaskProgress rec) {
        rec.times(t -> t.queued(run.time.now()));
        run.setState(rec, TaskState.QUEUED);
        rec.executor.queue(rec);
    }

    /** The gates' verdict on an attempt. */
    void gateOutcome(TaskProgress rec, TaskHandle task, int attempt, GateOutcome outcome) {
        if (rec == null || rec.attempt() != attempt || rec.state != TaskState.GATED) {
            if (outcome instanceof GateOutcome.Passed) {
                // It passed as the run stopped (or long after its task ended, and the run let go of it): the
                // monitor has moved the task on, so what its gates set aside goes back now.
                run.gates.attemptEnded(task, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null,
                        rec != null && rec.error != null ? rec.error
                                : "the run stopped while the task was in its gates", false));
            }
            return;
        }
        rec.gatesInFlight.clear();
        run.listener.gatesChanged(rec);
        switch (outcome) {
            case GateOutcome.Passed passed -> {
                rec.update(a -> a.withTask(a.task().withAssigned(passed.assigned()))
                        .withTimes(a.times().waitedInGates(passed.waited())));
                enqueue(rec);
            }
            case GateOutcome.Failed f -> {
                rec.times(t -> t.waitedInGates(f.waited()));
                outcomes.fail(rec, f.reason(), f.error().isRetryable(), AttemptOutcome.Kind.FAILED);
            }
            case GateOutcome.Cancelled c -> {
                // Only the monitor cancels gates, and it has already moved the task on.
            }
        }
    }

    /**
     * Launches every ready task that may go now. Not re-entered: a launch that fails at once can
     * release a process whose tasks catch up on the inbox, and the pass under way picks them up.
     */
    void submitReady() {
        if (admitting) {
            return;
        }
        admitting = true;
        try {
            // Submits first, then takes up as many tasks as went (a work directory each): the next task
            // never waits for a directory to be made, and those taken up may go at once if there is room.
            do {
                loop.endDeclinedLeftovers();
                Admission.Pass pass = admission.pass();
                Admission.Pick pick;
                while (!run.stopping && (pick = pass.next()) != null) {
                    submit(pick.executor(), pick.task());
                }
            } while (prepareAhead() > 0 && !run.stopping);
        } finally {
            admitting = false;
        }
    }

    private void submit(ExecutorRuntime exec, TaskProgress rec) {
        TaskPreparer.Adoption adoption = adopting.isEmpty() ? null : adopting.remove(rec);
        Launcher.Launch launch;
        try {
            launch = adoption != null ? launcher.unwrapped(rec.task(), rec.files()) : launcher.wrap(rec.task(), rec.files());
        } catch (TaskException e) {
            outcomes.fail(rec, e.getMessage(), e.isRetryable(), AttemptOutcome.Kind.FAILED);
            return;
        } catch (RuntimeException e) {
            log.error("wrapping task {} failed", rec.id, e);
            outcomes.fail(rec, "wrapping the command failed: " + PluginCalls.describe(e), false,
                    AttemptOutcome.Kind.FAILED);
            return;
        }
        rec.wrapping = launch.wrapping();
        rec.times(t -> t.submitted(run.time.now()));
        rec.timeLimit = launch.launch().task().resources().time();
        exec.take(rec);
        rec.process.active++;
        run.setState(rec, TaskState.SUBMITTED);
        int attempt = rec.attempt();
        if (adoption == null) {
            preparer.launching(rec);
        }
        Launcher.submit(exec, launch.launch(), adoption, exec.adoptsLeftovers ? preparer.launchedAs(rec) : null,
                loop, submitted -> submitted(exec, rec, attempt, adoption, submitted));
    }

    private void submitted(ExecutorRuntime exec, TaskProgress rec, int attempt, TaskPreparer.Adoption adoption,
            Launcher.Submitted outcome) {
        if (outcome.task() == null && adoption != null) {
            // Not followed: what the killed run left of it is ended before the task runs again.
            loop.leftoverDeclined(adoption.runId(), exec, adoption.nativeId());
        }
        String verb = adoption == null ? "submit it" : "take it up";
        if (outcome.task() != null) {
            rec.update(a -> a.withSubmitted(outcome.task()));
            exec.active.put(outcome.task(), rec);
            if (run.killing) {
                // The run was stopped while this task was being launched.
                outcomes.kill(List.of(rec), run.stopReason, false, AttemptOutcome.Kind.KILLED);
            } else {
                probes.start(rec, exec.healthMonitors);
                rec.wrapping.launched(reports(rec, attempt));
            }
            return;
        }
        exec.release(rec);
        rec.process.active--;
        rec.wrapping.ended(); // never launched, but opened: its wrappers hear the end
        switch (outcome.error()) {
            case TaskException e -> outcomes.fail(rec, e.getMessage(), e.isRetryable(), AttemptOutcome.Kind.FAILED);
            case ExecutorException e -> {
                run.listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, e);
                outcomes.fail(rec, "executor '" + exec.name() + "' could not " + verb + ": " + e.getMessage(), true,
                        AttemptOutcome.Kind.FAILED);
            }
            default -> {
                log.error("submitting task {} failed", rec.id, outcome.error());
                run.listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, outcome.error());
                outcomes.fail(rec, "submitting failed: " + PluginCalls.describe(outcome.error()), false,
                        AttemptOutcome.Kind.FAILED);
            }
        }
    }

    /** Where the attempt's wrappers report while it runs: onto the loop's thread. */
    private WrappedTask.Reports reports(TaskProgress rec, int attempt) {
        return new WrappedTask.Reports() {
            @Override
            public void status(String message) {
                loop.post(() -> run.showStatus(rec, attempt, message));
            }

            @Override
            public void fail(String reason) {
                loop.post(() -> outcomes.wrapperFailed(rec, attempt, reason));
            }
        };
    }
}
