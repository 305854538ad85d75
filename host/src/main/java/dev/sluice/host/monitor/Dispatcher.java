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

    /** What the dispatcher needs from the loop: its inbox, and a way to catch up on it mid-release. */
    interface Loop {
        /** Hands an event from another thread to the loop's. */
        void post(Runnable event);

        /** Applies what is in the inbox now and submits what may go, while a long release goes on. */
        void catchUp();
    }

    private final RunState run;
    private final Outcomes outcomes;
    private final Launcher launcher;
    private final Admission admission;
    private final TaskPreparer preparer;
    private final ProbeSupervisor probes;
    private final boolean resume;
    private final Loop loop;
    /** Set while {@link #submitReady} runs. */
    private boolean admitting;

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
    }

    Admission admission() {
        return admission;
    }

    /** Releases the processes that depend on nothing. */
    void start() {
        run.graph.roots().forEach(this::release);
    }

    private void follow(Next next) {
        switch (next) {
            case Next.Release r -> release(r.process());
            case Next.Skip s -> {
                for (TaskProgress rec : s.process().tasks) {
                    run.finishUnstarted(rec, run.stopping ? TaskState.CANCELLED : TaskState.SKIPPED,
                            run.stopping ? run.stopReason : s.reason());
                }
                if (s.process().tasks.isEmpty()) {
                    run.follow(run.graph.processFinished(s.process()));
                }
            }
        }
    }

    private void release(ProcessRuntime p) {
        p.released = true;
        ExecutorRuntime exec = run.executors.get(p.effective().executor());
        for (TaskProgress rec : p.tasks) {
            rec.executor = exec;
            if (run.stopping) {
                run.finishUnstarted(rec, TaskState.CANCELLED, run.stopReason);
                continue;
            }
            TaskPreparer.Prepared cached = resume ? preparer.cached(rec.id, rec.spec, p) : null;
            if (cached != null) {
                rec.begin(new Attempt(cached.task(), cached.files()));
                run.setState(rec, TaskState.CACHED);
                run.listener.attemptFinished(rec, TaskState.CACHED);
                run.conclude(rec, TaskState.CACHED);
                continue;
            }
            String never = exec.startProblem != null ? exec.startProblem : exec.neverFits(p.effective().resources());
            if (!prepare(rec, 1)) {
                continue;
            }
            if (never != null) {
                // Fails at once, through the error strategy, instead of waiting forever for room.
                outcomes.fail(rec, "task " + never, false, AttemptOutcome.Kind.FAILED);
                continue;
            }
            schedule(rec);
            // Releasing a large process takes a while (a work directory per task); tasks whose gates
            // already passed are submitted meanwhile rather than after the whole batch.
            loop.catchUp();
        }
        if (p.tasks.isEmpty()) {
            run.follow(run.graph.processFinished(p));
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
        if (rec.attempt() != attempt || rec.state != TaskState.GATED) {
            if (outcome instanceof GateOutcome.Passed) {
                // It passed as the run stopped: the monitor has moved the task on, so what its gates
                // set aside goes back now.
                run.gates.attemptEnded(task, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null,
                        rec.error != null ? rec.error : "the run stopped while the task was in its gates", false));
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
                outcomes.fail(rec, "gate '" + f.gateId() + "': " + f.error().getMessage(), f.error().isRetryable(),
                        AttemptOutcome.Kind.FAILED);
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
            Admission.Pass pass = admission.pass();
            Admission.Pick pick;
            while (!run.stopping && (pick = pass.next()) != null) {
                submit(pick.executor(), pick.task());
            }
        } finally {
            admitting = false;
        }
    }

    private void submit(ExecutorRuntime exec, TaskProgress rec) {
        Launcher.Launch launch;
        try {
            launch = launcher.wrap(rec.task(), rec.files());
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
        exec.take(rec.task().resources());
        rec.process.active++;
        run.setState(rec, TaskState.SUBMITTED);
        int attempt = rec.attempt();
        Launcher.submit(exec, launch.launch(), loop::post, submitted -> submitted(exec, rec, attempt, submitted));
    }

    private void submitted(ExecutorRuntime exec, TaskProgress rec, int attempt, Launcher.Submitted outcome) {
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
        exec.release(rec.task().resources());
        rec.process.active--;
        rec.wrapping.ended(); // never launched, but opened: its wrappers hear the end
        switch (outcome.error()) {
            case TaskException e -> outcomes.fail(rec, e.getMessage(), e.isRetryable(), AttemptOutcome.Kind.FAILED);
            case ExecutorException e -> {
                run.listener.executorFailed(exec.name(), RunListener.ExecutorCall.SUBMIT, e);
                outcomes.fail(rec, "executor '" + exec.name() + "' could not submit: " + e.getMessage(), true,
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
