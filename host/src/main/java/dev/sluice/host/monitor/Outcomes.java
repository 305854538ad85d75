package dev.sluice.host.monitor;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.logging.TaskLogContext;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.Units;
import dev.sluice.spi.WrappedTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How attempts end, applied: a terminal status (with what the kill schedule and the attempt's wrappers
 * say, through {@link AttemptPolicy}), a failure and its error strategy, kills the run orders (a time
 * limit, a failing probe, the run stopping) and what the kill schedule says is due. Owned by the
 * monitor's thread.
 */
final class Outcomes {
    private static final Logger log = LoggerFactory.getLogger(Outcomes.class);

    private final RunState run;
    private final TaskPreparer preparer;
    private final ProbeSupervisor probes;
    private final Duration runGrace;

    Outcomes(RunState run, TaskPreparer preparer, ProbeSupervisor probes, Duration runGrace) {
        this.run = run;
        this.preparer = preparer;
        this.probes = probes;
        this.runGrace = runGrace;
    }

    /** A status the executor reported for a running attempt. */
    void apply(TaskProgress rec, TaskStatus status) {
        String startedAs = status.nativeId();
        if (startedAs != null && !startedAs.equals(rec.nativeId())) {
            rec.update(a -> a.withStartedAs(startedAs));
            SubmittedTask submitted = rec.submitted();
            rec.startedTask = new SubmittedTask(submitted.taskId(), submitted.attempt(), startedAs);
        }
        if (!status.state().isTerminal()) {
            if (status.state() == TaskStatus.State.RUNNING && rec.state == TaskState.SUBMITTED) {
                Instant started = status.startedAt() != null ? status.startedAt() : run.time.now();
                rec.times(t -> t.started(started));
                run.setState(rec, TaskState.RUNNING);
                // The limit counts from the start: time waiting in a cluster's queue is not the task's.
                if (rec.timeLimit != null) {
                    run.kills.limit(rec, run.time.nanoTime() + rec.timeLimit.toNanos());
                }
            }
            return;
        }
        rec.executor.active.remove(rec.submitted());
        rec.executor.release(rec);
        rec.process.active--;
        probes.stop(rec);
        KillSchedule.KillOrder kill = run.kills.ended(rec);
        WrappedTask.Ending wrapped = rec.wrapping.ended();
        if (rec.wrapperFailure != null) {
            wrapped = new WrappedTask.Ending(Optional.of(rec.wrapperFailure), wrapped.explanation());
        }
        Instant completed = status.completedAt() != null ? status.completedAt() : run.time.now();
        Instant started = rec.startedAt() != null ? rec.startedAt()
                : status.startedAt() != null ? status.startedAt() : rec.submittedAt();
        rec.update(a -> a.withTimes(a.times().started(started).completed(completed))
                .withEnd(status.exitCode(), status.peakRssBytes()));
        if (status.exitCode() != null) {
            preparer.ended(rec.files(), status.exitCode());
        }
        // Tests of type, not a switch on patterns, which javac routes through a class generated at run time and
        // method handles: this runs for every task from the first (docs/adr/2026-11-22-local-launch-cost.md).
        // SealedSwitchesTest keeps the compiler's check that every kind of verdict is handled.
        AttemptPolicy.Verdict verdict = AttemptPolicy.afterEnd(status, kill, wrapped);
        if (verdict instanceof AttemptPolicy.Verdict.Succeeded) {
            preparer.succeeded(rec);
            run.concludeAttempt(rec, TaskState.SUCCEEDED, AttemptOutcome.succeeded());
        } else if (verdict instanceof AttemptPolicy.Verdict.Cancelled c) {
            rec.error = c.reason();
            run.concludeAttempt(rec, TaskState.CANCELLED, AttemptOutcome.of(c.kind(), rec.exitCode(), c.reason(),
                    false));
        } else if (verdict instanceof AttemptPolicy.Verdict.Failed f) {
            fail(rec, f.reason(), f.retryable(), f.kind());
        } else {
            throw new IllegalStateException("a verdict of a kind not handled here: " + verdict);
        }
    }

    /** An attempt failed; retry it or apply the process's error strategy. */
    void fail(TaskProgress rec, String reason, boolean retryable, AttemptOutcome.Kind kind) {
        try (var logContext = TaskLogContext.of(rec.id, rec.processName())) {
            rec.error = reason;
            if (rec.attempt() > 0 && rec.completedAt() == null) {
                Instant now = run.time.now();
                rec.times(t -> t.completed(now));
            }
            run.listener.attemptFinished(rec, TaskState.FAILED);
            EffectiveProcess p = rec.process.effective();
            int attempt = rec.attempt();
            AttemptPolicy.Decision decision = AttemptPolicy.afterFailure(p.errorStrategy(), p.maxRetries(),
                    p.retryBackoff(), attempt, retryable, run.stopping);
            // Before a retry is gated again: what the gates gave this attempt goes back first.
            run.attemptEnded(rec, AttemptOutcome.of(kind, rec.exitCode(), reason,
                    decision instanceof AttemptPolicy.Decision.Retry));
            switch (decision) {
                case AttemptPolicy.Decision.Retry retry -> {
                    rec.retryDueNanos = run.time.nanoTime() + retry.delay().toNanos();
                    log.info("task {} ({}) attempt {} failed: {}; retrying in {}", rec.id, rec.name(), attempt,
                            reason, Units.formatDuration(retry.delay()));
                    run.setState(rec, TaskState.RETRY_WAIT);
                    run.retries.add(rec);
                }
                case AttemptPolicy.Decision.Ignore ignore -> run.conclude(rec, TaskState.IGNORED);
                case AttemptPolicy.Decision.Finish finish when !run.failuresStopRun ->
                        run.conclude(rec, TaskState.FAILED);
                case AttemptPolicy.Decision.Terminate terminate when !run.failuresStopRun ->
                        run.conclude(rec, TaskState.FAILED);
                case AttemptPolicy.Decision.Finish finish -> {
                    run.failed = true;
                    run.conclude(rec, TaskState.FAILED);
                    stopSubmitting("task " + rec.id + " (" + rec.name() + ") failed; errorStrategy finish lets "
                            + "running tasks end");
                }
                case AttemptPolicy.Decision.Terminate terminate -> {
                    run.failed = true;
                    run.conclude(rec, TaskState.FAILED);
                    stopRun("task " + rec.id + " (" + rec.name() + ") failed");
                }
            }
        }
    }

    /** Nothing new starts; tasks not yet submitted are cancelled; running ones go on. */
    void stopSubmitting(String reason) {
        if (run.stopping) {
            return;
        }
        run.stopping = true;
        run.stopReason = reason;
        for (TaskProgress rec : run.graph.tasks()) {
            switch (rec.state) {
                case WAITING -> {
                    if (rec.process.released) {
                        run.finishUnstarted(rec, TaskState.CANCELLED, reason);
                    }
                }
                case GATED, QUEUED, RETRY_WAIT -> cancelPrepared(rec, reason);
                default -> {
                }
            }
        }
        // Processes not yet released end as cancelled too.
        for (ProcessRuntime p : run.graph.releaseTheRest()) {
            for (TaskProgress rec : p.tasks) {
                run.finishUnstarted(rec, TaskState.CANCELLED, reason);
            }
        }
    }

    /** A task taken up and not yet submitted (in its gates, queued, waiting to retry) ends as cancelled. */
    private void cancelPrepared(TaskProgress rec, String reason) {
        if (rec.state == TaskState.GATED) {
            // A cancelled task gets no verdict from its gates, which would carry the wait.
            Instant now = run.time.now();
            rec.times(t -> t.waitedInGates(Duration.between(t.gatedAt(), now)));
            if (run.gates != null) {
                run.gates.cancel(rec.id);
            }
        }
        rec.executor.unqueue(rec);
        run.retries.remove(rec);
        run.cancelledBeforeSubmit.accept(rec);
        rec.error = reason;
        if (rec.state == TaskState.RETRY_WAIT) {
            run.conclude(rec, TaskState.CANCELLED);
        } else {
            run.concludeAttempt(rec, TaskState.CANCELLED, AttemptOutcome.of(AttemptOutcome.Kind.CANCELLED, null, reason,
                    false));
        }
    }

    /**
     * One task ends as cancelled, the run goes on ({@code DELETE /v1/tasks/ID}): not yet started, at
     * once; submitted or running, killed as when a run stops (asked, then forced after its grace), and
     * cancelled when its executor reports the end. An ended task is left as it is.
     */
    void cancelTask(TaskProgress rec, String reason) {
        switch (rec.state) {
            case WAITING -> run.finishUnstarted(rec, TaskState.CANCELLED, reason);
            case GATED, QUEUED, RETRY_WAIT -> cancelPrepared(rec, reason);
            case SUBMITTED, RUNNING -> {
                if (!run.kills.isKilled(rec)) {
                    kill(List.of(rec), reason, false, AttemptOutcome.Kind.CANCELLED);
                }
            }
            default -> {
            }
        }
    }

    /** The run stops without a grace: tasks asked to stop are forced now, and later kills force at once. */
    void forceStop(String reason) {
        run.forcing = true;
        if (!run.killing) {
            stopRun(reason);
        }
        run.kills.forceAll(run.time.nanoTime());
    }

    /** Everything stops: not-yet-submitted tasks are cancelled and running ones are killed. */
    void stopRun(String reason) {
        stopSubmitting(reason);
        run.killing = true;
        for (ExecutorRuntime exec : run.executors.values()) {
            kill(exec.active.values().stream().filter(rec -> !run.kills.isKilled(rec)).toList(), reason, false,
                    AttemptOutcome.Kind.KILLED);
        }
    }

    /**
     * Kills attempts and records why: each is asked to stop and forced when its own grace has passed (the
     * longest its wrappers ask for, or the run's).
     */
    void kill(List<TaskProgress> toKill, String reason, boolean isFailure, AttemptOutcome.Kind kind) {
        Map<ExecutorRuntime, Map<Duration, List<SubmittedTask>>> batches = new LinkedHashMap<>();
        for (TaskProgress rec : toKill) {
            Duration grace = run.forcing ? Duration.ZERO : rec.wrapping.killGrace(runGrace);
            run.kills.killed(rec, reason, isFailure, kind, run.time.nanoTime(), grace);
            rec.wrapping.beforeCancel(grace);
            batches.computeIfAbsent(rec.executor, e -> new LinkedHashMap<>())
                    .computeIfAbsent(grace, g -> new ArrayList<>()).add(rec.submitted());
        }
        batches.forEach((exec, byGrace) -> byGrace.forEach((grace, batch) -> exec.end(batch, grace)));
    }

    /** A running attempt that must not go on (unhealthy, broke its wrapper's protocol) is killed and failed. */
    void killFailing(TaskProgress rec, int attempt, String what, String reason) {
        if (rec.attempt() != attempt || !RunState.running(rec) || run.kills.isKilled(rec)) {
            return;
        }
        log.warn("task {} ({}) {}, killing it: {}", rec.id, rec.name(), what, reason);
        kill(List.of(rec), reason, true, AttemptOutcome.Kind.FAILED);
    }

    /** A wrapper found the attempt broken: it is killed, and fails when it ends. */
    void wrapperFailed(TaskProgress rec, int attempt, String reason) {
        if (rec.attempt() == attempt && rec.wrapperFailure == null) {
            rec.wrapperFailure = reason;
            killFailing(rec, attempt, "broke its wrapper's protocol", reason);
        }
    }

    /**
     * What the kill schedule says is due: time limits the executor did not enforce, forces after a
     * grace, and killed attempts whose end never came (taken as ended; their gates hear ABANDONED, so
     * that what is exclusive stays out of reach).
     */
    void enforceKills() {
        long now = run.time.nanoTime();
        for (TaskProgress rec : run.kills.pastTimeLimit(now)) {
            if (!run.kills.isKilled(rec) && RunState.running(rec)) {
                String reason = "ran past its time limit of " + Units.formatDuration(rec.timeLimit);
                log.warn("task {} ({}) {}, killing it", rec.id, rec.name(), reason);
                kill(List.of(rec), reason, true, AttemptOutcome.Kind.TIMED_OUT);
            }
        }
        Map<ExecutorRuntime, List<SubmittedTask>> forces = new LinkedHashMap<>();
        for (TaskProgress rec : run.kills.dueForce(now)) {
            if (RunState.running(rec)) {
                forces.computeIfAbsent(rec.executor, e -> new ArrayList<>()).add(rec.submitted());
            }
        }
        forces.forEach((exec, batch) -> exec.end(batch, Duration.ZERO));
        for (TaskProgress rec : run.kills.unconfirmed(now)) {
            if (!run.kills.isKilled(rec)) {
                continue; // its end was applied while another's was
            }
            if (!RunState.running(rec)) {
                run.kills.ended(rec); // nothing left to wait for
                continue;
            }
            run.kills.abandon(rec);
            log.warn("task {} ({}) did not confirm its end after being killed; giving up on it", rec.id, rec.name());
            apply(rec, TaskStatus.ended(TaskStatus.State.CANCELLED, "killed; the executor did not confirm the end",
                    null, rec.startedAt(), run.time.now()));
        }
    }
}
