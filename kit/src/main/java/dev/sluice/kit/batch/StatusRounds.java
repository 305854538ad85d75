package dev.sluice.kit.batch;

import dev.sluice.kit.CommandRunner;
import dev.sluice.kit.StatusTable;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The executor's one status thread: a round runs one status command for every job of the run, asks
 * accounting about jobs that left the queue, and records what changed in the status table, so that the
 * host's polls never wait on the scheduler. Rounds come at the poll interval after a change (a
 * submission, a kill, a job that moved) and back off, doubling, to the longest interval while nothing
 * changes: a quiet run of thousands of jobs costs the scheduler one query every {@code maxPollInterval}.
 */
final class StatusRounds {
    private final String executor;
    private final BatchScheduler scheduler;
    private final BatchSettings settings;
    private final SchedulerCommands commands;
    private final JobEnds ends;
    private final StatusTable<BatchJob> table;
    private final PluginContext plugin;
    private final ExecutorContext context;
    private final TimeSource time;
    private final Logger log;

    private final Object wake = new Object();
    /** Guarded by {@link #wake}. */
    private boolean wakeRequested;
    /** Guarded by {@link #wake}. */
    private Duration interval;
    /** When the next round is due (nano time); guarded by {@link #wake}. */
    private long nextQueryNanos;
    /** The status thread's own. */
    private int failedQueries;
    /** Whether accounting answers here; {@code null} until a job vanished and it was asked. The status thread's own. */
    private Boolean accountingWorks;
    private volatile boolean stopped;
    private Thread thread;

    StatusRounds(String executor, BatchScheduler scheduler, BatchSettings settings, SchedulerCommands commands,
            JobEnds ends, StatusTable<BatchJob> table, PluginContext plugin, ExecutorContext context) {
        this.executor = executor;
        this.scheduler = scheduler;
        this.settings = settings;
        this.commands = commands;
        this.ends = ends;
        this.table = table;
        this.plugin = plugin;
        this.context = context;
        this.time = context.time();
        this.log = plugin.logger();
        this.interval = settings.pollInterval();
        this.nextQueryNanos = time.nanoTime();
    }

    void startThread() {
        thread = Thread.ofPlatform().daemon().name("sluice-" + executor + "-status").start(this::loop);
    }

    void stop() {
        stopped = true;
        if (thread != null) {
            synchronized (wake) {
                wake.notifyAll();
            }
            thread.interrupt();
        }
    }

    private void loop() {
        while (!stopped) {
            try {
                synchronized (wake) {
                    long waitNanos = nextQueryNanos - time.nanoTime();
                    if (!wakeRequested && waitNanos > 0) {
                        wake.wait(Math.max(1, waitNanos / 1_000_000));
                    }
                    wakeRequested = false;
                }
                if (stopped) {
                    return;
                }
                round();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("the {} status thread failed a round, going on: {}", executor, e.getMessage());
                log.debug("the failed round", e);
                synchronized (wake) {
                    nextQueryNanos = time.nanoTime() + settings.pollInterval().toNanos();
                }
            }
        }
    }

    /** Queries the scheduler if a round is due. */
    void round() throws InterruptedException {
        boolean due;
        synchronized (wake) {
            due = time.nanoTime() >= nextQueryNanos;
        }
        if (due) {
            refresh();
        }
    }

    Duration untilNext() {
        synchronized (wake) {
            return Duration.ofNanos(Math.max(0, nextQueryNanos - time.nanoTime()));
        }
    }

    /**
     * Something changed on sluice's side (a submission, a kill): the backoff starts over, so the next
     * round comes within the shortest interval. Never a round per call: 500 submissions make one query.
     */
    void resetBackoff() {
        synchronized (wake) {
            interval = settings.pollInterval();
            nextQueryNanos = Math.min(nextQueryNanos, time.nanoTime() + settings.pollInterval().toNanos());
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    /** The status command of every round, and of the executor's check at start. */
    List<String> statusCommand() {
        return scheduler.statusCommand(context.runId());
    }

    private void refresh() throws InterruptedException {
        List<BatchJob> open = table.live();
        if (open.isEmpty()) {
            synchronized (wake) {
                nextQueryNanos = time.nanoTime() + settings.maxPollInterval().toNanos();
            }
            return;
        }
        List<String> argv = statusCommand();
        Map<String, JobRow> rows = new HashMap<>();
        // One query per job name: the run's own, and an earlier run's while jobs adopted from it run.
        for (String jobName : open.stream().map(job -> job.jobName).distinct().sorted().toList()) {
            argv = scheduler.statusCommand(jobName);
            CommandRunner.Result result = commands.runWithRetries(argv, 1);
            if (!result.ok()) {
                failedQueries++;
                if (failedQueries == 1 || failedQueries % 10 == 0) {
                    log.warn("{} failed ({} time(s) in a row), the run's {} job(s) keep their last state: {}",
                            SchedulerCommands.programName(argv), failedQueries, open.size(), result.message());
                }
                synchronized (wake) {
                    nextQueryNanos = time.nanoTime() + settings.pollInterval().toNanos();
                }
                return;
            }
            rows.putAll(scheduler.parseStatus(result.stdout()));
        }
        long now = time.nanoTime();
        failedQueries = 0;
        List<String> cancelNow = new ArrayList<>();
        List<BatchJob> missing = new ArrayList<>();
        boolean changed = false;
        boolean awaitingFiles = false;
        for (BatchJob job : open) {
            if (!table.isLive(job.submitted)) {
                continue; // a callback ended it meanwhile
            }
            String before = stateOf(job);
            JobRow row = rows.get(job.id);
            if (row == null) {
                missing.add(job);
                continue;
            }
            apply(job, row, now, cancelNow);
            boolean live = table.isLive(job.submitted);
            changed |= !live || !before.equals(stateOf(job));
            awaitingFiles |= live && job.endSeenNanos >= 0;
        }
        if (!missing.isEmpty()) {
            Map<String, JobRow> accounted = accounting(missing);
            for (BatchJob job : missing) {
                JobRow row = accounted.get(job.id);
                if (row != null) {
                    apply(job, row, now, cancelNow);
                } else {
                    vanished(job, now);
                }
                boolean live = table.isLive(job.submitted);
                changed |= !live;
                awaitingFiles |= live;
            }
        }
        if (!cancelNow.isEmpty()) {
            commands.forEachBatch(cancelNow, scheduler::cancelCommand);
        }
        synchronized (wake) {
            interval = changed || awaitingFiles ? settings.pollInterval()
                    : min(interval.multipliedBy(2), settings.maxPollInterval());
            nextQueryNanos = now + interval.toNanos();
        }
        // "squeue round: ...": bench/run-slurm counts the rounds by this line.
        log.debug("{} round: {} job(s) open, {}; next in {}", SchedulerCommands.programName(argv), open.size(),
                changed ? "changes" : "no change", Units.formatDuration(interval));
        if (changed) {
            context.statusChanged();
        }
    }

    private static String stateOf(BatchJob job) {
        JobRow row = job.row;
        return row == null ? "" : row.nativeState() + "|" + row.reason();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Applies one status (or accounting) row to its job and records what it means for the task. */
    private void apply(BatchJob job, JobRow row, long now, List<String> cancelNow) {
        JobRow previous = job.row;
        job.row = row;
        job.vanished = false;
        if (row.start() != null && job.startedAt == null && row.state() != JobState.QUEUED) {
            job.startedAt = row.start();
        }
        boolean moved = previous == null || !previous.nativeState().equals(row.nativeState());
        if (row.state() == JobState.QUEUED) {
            Optional<String> never = scheduler.neverStarts(row.reason());
            if (never.isPresent()) {
                table.record(job.submitted, ends.neverStarts(job, row, never.get()));
                cancelNow.add(job.id);
                return;
            }
            table.record(job.submitted, TaskStatus.pending());
            if (moved || !previous.reason().equals(row.reason())) {
                plugin.reportStatus(job.launch.task(), "job " + job.id + " " + row.nativeState().toLowerCase()
                        + row.reasonNote());
            }
            return;
        }
        if (row.state().isRunning()) {
            table.record(job.submitted, TaskStatus.running(job.startedAt));
        }
        if (row.state() == JobState.RUNNING) {
            if (previous == null || previous.state() != JobState.RUNNING) {
                plugin.reportStatus(job.launch.task(), "job " + job.id + " running"
                        + (row.nodes().isEmpty() ? "" : " on " + row.nodes()));
            }
            return;
        }
        Optional<Integer> code = JobEnds.readExitCode(job);
        Optional<TaskStatus> end = code.isPresent()
                ? Optional.of(ends.fromExitCode(job, code.get(), "scheduler's state " + row.nativeState()))
                : ends.fromState(job, row, now);
        end.ifPresent(status -> table.record(job.submitted, status));
    }

    private void vanished(BatchJob job, long now) {
        Optional<Integer> code = JobEnds.readExitCode(job);
        if (code.isPresent()) {
            table.record(job.submitted, ends.fromExitCode(job, code.get(), "exit-code file"));
            return;
        }
        job.vanished = true;
        ends.vanished(job, now).ifPresent(end -> table.record(job.submitted, end));
    }

    /** Accounting, for jobs that left the queue; never required: a cluster without it answers nothing. */
    private Map<String, JobRow> accounting(List<BatchJob> missing) throws InterruptedException {
        if (Boolean.FALSE.equals(accountingWorks)) {
            return Map.of();
        }
        Map<String, JobRow> rows = new HashMap<>();
        for (int i = 0; i < missing.size(); i += BatchExecutor.BATCH) {
            List<String> ids = missing.subList(i, Math.min(missing.size(), i + BatchExecutor.BATCH)).stream()
                    .map(j -> j.id).toList();
            Optional<List<String>> argv = scheduler.accountingCommand(ids);
            if (argv.isEmpty() || !commands.installed(argv.get().get(0))) {
                accountingWorks = false;
                return Map.of();
            }
            CommandRunner.Result r = commands.run(argv.get());
            if (!r.ok()) {
                if (accountingWorks == null) {
                    log.info("{} does not answer here ({}); jobs that leave the queue are judged by their "
                            + "exit-code files alone", SchedulerCommands.programName(argv.get()), r.message());
                }
                accountingWorks = false;
                return Map.of();
            }
            accountingWorks = true;
            scheduler.parseAccounting(r.stdout()).forEach((id, row) -> {
                if (ids.contains(id)) {
                    rows.put(id, Objects.requireNonNull(row));
                }
            });
        }
        return rows;
    }
}
