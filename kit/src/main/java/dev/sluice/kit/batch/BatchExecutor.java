package dev.sluice.kit.batch;

import dev.sluice.kit.CommandRunner;
import dev.sluice.kit.StatusTable;
import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * An executor for a batch scheduler, in the spirit of Nextflow's grid executors: each task attempt is a
 * batch job, and what every scheduler needs is here, so that a scheduler is a {@link BatchScheduler} of
 * hooks (its commands and how to read them) and a subclass that reads its settings.
 *
 * <p>{@link #submit} writes the task's {@link JobScript} and runs the submit command; nothing is held
 * for the job afterwards but a small record. One status thread runs one status command for every job
 * of the run (they all carry the run id as their name) per round, backing off while nothing changes;
 * {@link #poll} only reads what that thread found, so a slow scheduler never stalls the host. A job's
 * end is read from the exit-code file its script writes as its last act (with a grace period for slow
 * shared file systems), or learned at once from the script's callback to the host's endpoint.
 * {@link #terminate} signals running jobs and cancels queued ones, {@link #force} cancels, both in one
 * command per {@value #BATCH} jobs; the host escalates from one to the other.
 */
public abstract class BatchExecutor implements TaskExecutor {
    /** Job ids per cancel or accounting command, to keep command lines short. */
    public static final int BATCH = 200;

    /** What {@link #configure} reads: the settings every scheduler has, and this scheduler's hooks. */
    public record Configured(BatchSettings settings, BatchScheduler scheduler) {
    }

    private final PluginContext plugin;
    private final Logger log;
    private final CommandRunner runner;
    private final boolean runStatusThread;
    /** Jobs not yet handed back to the host; the host sees only changes, and an end once. */
    private final StatusTable<BatchJob> jobs = new StatusTable<>(StatusTable.Unknown.leftOut(),
            StatusTable.Reporting.CHANGES_ONLY, StatusTable.Ends.FORGOTTEN_ONCE_REPORTED);
    /** The same jobs by callback key ({@link JobScript#callbackKey}: task id and attempt), for callbacks. */
    private final Map<String, BatchJob> byCallbackKey = new ConcurrentHashMap<>();
    private volatile ExecutorContext context;
    private volatile BatchSettings settings;
    private volatile BatchScheduler scheduler;
    private volatile SchedulerCommands commands;
    private volatile JobEnds ends;
    private volatile StatusRounds rounds;
    private volatile Optional<CallbackEndpoint> callback = Optional.empty();
    private volatile boolean submittedAny;

    /**
     * @param runner       runs the scheduler's commands; tests pass a scheduler written by hand
     * @param statusThread whether {@link #start} starts the status thread; tests call {@link #statusRound}
     */
    protected BatchExecutor(PluginContext plugin, CommandRunner runner, boolean statusThread) {
        this.plugin = plugin;
        this.log = plugin.logger();
        this.runner = runner;
        this.runStatusThread = statusThread;
    }

    /**
     * Reads the executor's section of the operator config. A scheduler checks that every key is known
     * ({@link dev.sluice.kit.ExecutorConfig#requireKnown}, with {@link BatchSettings#KEYS} and its own),
     * reads the common ones with {@link BatchSettings#from} and its own beside them.
     *
     * @throws InvalidSettingException naming the key, the value and the fix
     */
    protected abstract Configured configure(Settings config);

    /** The same reading as {@link #start}'s, without starting anything. */
    @Override
    public void validateConfig(Settings config) {
        configure(config);
    }

    @Override
    public void start(ExecutorContext executorContext) throws ExecutorException {
        Configured configured;
        try {
            configured = configure(executorContext.config());
        } catch (InvalidSettingException e) {
            throw new ExecutorException(e.getMessage(), e);
        }
        TimeSource time = executorContext.time();
        this.context = executorContext;
        this.settings = configured.settings();
        this.scheduler = configured.scheduler();
        this.commands = new SchedulerCommands(plugin, runner, settings, scheduler, time);
        this.ends = new JobEnds(name(), scheduler, settings, time, log);
        for (String program : scheduler.requiredPrograms()) {
            requireInstalled(program);
        }
        StatusRounds statusRounds = new StatusRounds(name(), scheduler, settings, commands, ends, jobs, plugin,
                executorContext);
        // A scheduler that does not answer now fails the executor's tasks at once, in its own words,
        // instead of leaving them to wait.
        CommandRunner.Result probe;
        try {
            probe = commands.runWithRetries(statusRounds.statusCommand(), 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while asking " + scheduler.displayName() + " for the run's jobs");
        }
        if (!probe.ok()) {
            throw new ExecutorException(scheduler.notAnswering(probe.message()));
        }
        callback = settings.callback() ? executorContext.callbackEndpoint() : Optional.empty();
        rounds = statusRounds;
        if (runStatusThread) {
            statusRounds.startThread();
        }
        log.info("{} executor: polling every {} (up to {} while nothing changes){}", name(),
                Units.formatDuration(settings.pollInterval()), Units.formatDuration(settings.maxPollInterval()),
                callback.map(c -> "; jobs call back to " + c.url()).orElse("; no callbacks (the host's endpoint is off)"));
    }

    private void requireInstalled(String program) throws ExecutorException {
        if (!commands.installed(program)) {
            throw new ExecutorException(program + " is not installed here (" + settings.binDir()
                    .map(d -> "not in executors." + name() + ".binDir " + d).orElse("not on the PATH") + "); "
                    + scheduler.installHint() + " or point executors." + name() + ".binDir at the directory that "
                    + "has them");
        }
    }

    @Override
    public ExecutorCapacity capacity() {
        // The cluster queues what does not fit; the operator bounds the run with queueSize.
        return ExecutorCapacity.unlimited();
    }

    @Override
    public int submitConcurrency() {
        BatchSettings s = settings;
        return s == null ? 1 : s.submitConcurrency();
    }

    // ---- submit -------------------------------------------------------------------------------------

    @Override
    public SubmittedTask submit(TaskLaunch launch) throws TaskException, ExecutorException {
        TaskHandle task = launch.task();
        List<String> directives = scheduler.directives(launch, context.runId());
        Path workDir = launch.files().workDir();
        Path script = workDir.resolve(JobScript.FILE);
        try {
            Files.deleteIfExists(launch.files().exitCode());
            Files.deleteIfExists(workDir.resolve(JobScript.TIME_LIMIT_MARKER));
            Files.deleteIfExists(script);
            // Owner only: the script holds the callback token of its own attempt.
            Files.createFile(script, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(script, JobScript.render(launch, scheduler.directivePrefix(), directives, callback),
                    StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new TaskException("cannot write the batch script " + script + ": " + e.getMessage(), e);
        }
        List<String> argv = scheduler.submitCommand(script);
        String program = SchedulerCommands.programName(argv);
        CommandRunner.Result result;
        try {
            for (int attempt = 0; ; attempt++) {
                result = commands.run(argv);
                if (result.ok() || !commands.isTransient(result) || attempt >= settings.submitRetries()) {
                    break;
                }
                Duration backoff = Duration.ofSeconds(1L << Math.min(attempt, 5));
                log.warn("{} failed for task {} ({}); trying again in {}", program, task.name(), result.message(),
                        Units.formatDuration(backoff));
                context.time().sleep(backoff);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableTaskException("interrupted while submitting task " + task.name());
        }
        if (!result.ok()) {
            String why = program + " refused the job of task " + task.name() + ": " + result.message()
                    + scheduler.refusalHint(launch, result.message());
            if (commands.isTransient(result)) {
                throw new RetryableTaskException(why + " (tried " + (settings.submitRetries() + 1) + " times)");
            }
            throw new TaskException(why);
        }
        String out = result.stdout().strip();
        String id = scheduler.jobId(out).orElseThrow(() -> new TaskException(program + " answered '" + out
                + "' instead of a job id for task " + task.name()));
        SubmittedTask submitted = new SubmittedTask(task.id(), task.attempt(), id);
        BatchJob job = new BatchJob(id, context.runId(), submitted, launch);
        byCallbackKey.put(JobScript.callbackKey(task), job);
        jobs.add(submitted, job, null);
        submittedAny = true;
        log.debug("task {} is job {}", task.name(), id);
        rounds.resetBackoff();
        return submitted;
    }

    // ---- status -------------------------------------------------------------------------------------

    /** Answers from what the status thread and callbacks recorded: changes only, and each end once. */
    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        for (SubmittedTask submitted : tasks) {
            jobs.get(submitted).ifPresent(this::settleCallback);
        }
        Map<SubmittedTask, TaskStatus> answer = jobs.answer(tasks);
        answer.forEach((submitted, status) -> {
            if (status.state().isTerminal()) {
                byCallbackKey.remove(submitted.taskId() + "." + submitted.attempt());
            }
        });
        return answer;
    }

    /** A job that called back ends with the file's exit code (the callback's when the file is not seen yet). */
    private void settleCallback(BatchJob job) {
        Integer called = job.callbackExit;
        if (called != null && jobs.isLive(job.submitted)) {
            jobs.record(job.submitted, ends.fromExitCode(job, JobEnds.readExitCode(job).orElse(called), "callback"));
        }
    }

    /**
     * The job's script reported its exit status: the key is its task id and attempt
     * ({@link JobScript#callbackKey}), the body the status.
     */
    @Override
    public boolean callback(String key, String body) {
        BatchJob job = byCallbackKey.get(key);
        if (job == null) {
            return false;
        }
        try {
            job.callbackExit = Integer.parseInt(body.strip());
        } catch (NumberFormatException e) {
            log.warn("job {} called back with '{}' instead of an exit status; its end is left to polling", key, body);
            return true;
        }
        context.statusChanged();
        return true;
    }

    /** Runs the status round that is due, if one is: for tests that drive rounds on a fake clock. */
    public void statusRound() throws InterruptedException {
        rounds.round();
    }

    /** How long until the next status round is due: for tests that drive rounds on a fake clock. */
    public Duration untilNextRound() {
        return rounds.untilNext();
    }

    // ---- ending jobs --------------------------------------------------------------------------------

    /**
     * Signals running jobs' batch shells (which pass SIGTERM on to the tasks) and cancels queued ones,
     * which have nothing to wind up. The host forces what still runs when the grace has passed.
     */
    @Override
    public void terminate(Collection<SubmittedTask> tasks, Duration gracePeriod) throws ExecutorException {
        List<BatchJob> queued = new ArrayList<>();
        List<BatchJob> running = new ArrayList<>();
        for (BatchJob job : jobs.live(tasks)) {
            job.endRequested = true;
            (job.queued() ? queued : running).add(job);
        }
        end(running, queued);
    }

    /**
     * Kills running jobs' tasks through their batch shells ({@link BatchScheduler#forceCommand}) and
     * cancels queued ones, and running ones whose force was not accepted, skipping jobs whose cancel the
     * scheduler has already accepted.
     */
    @Override
    public void force(Collection<SubmittedTask> tasks) throws ExecutorException {
        List<BatchJob> running = new ArrayList<>();
        List<BatchJob> queued = new ArrayList<>();
        for (BatchJob job : jobs.live(tasks)) {
            job.endRequested = true;
            if (!job.cancelled) {
                (job.queued() ? queued : running).add(job);
            }
        }
        if (running.isEmpty() && queued.isEmpty()) {
            return;
        }
        try {
            List<String> forced = commands.forEachBatch(ids(running), scheduler::forceCommand);
            // A job whose batch shell could not be reached (still starting, a node not answering) is cancelled.
            List<BatchJob> unreached = running.stream().filter(j -> !forced.contains(j.id)).toList();
            cancel(unreached.isEmpty() ? queued
                    : java.util.stream.Stream.concat(queued.stream(), unreached.stream()).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while cancelling jobs");
        }
        rounds.resetBackoff();
    }

    /** Signals {@code signal}'s batch shells and cancels {@code cancel}; the next round looks soon after. */
    private void end(List<BatchJob> signal, List<BatchJob> cancel) throws ExecutorException {
        if (signal.isEmpty() && cancel.isEmpty()) {
            return;
        }
        try {
            commands.forEachBatch(ids(signal), scheduler::terminateCommand);
            cancel(cancel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while cancelling jobs");
        }
        rounds.resetBackoff();
    }

    private void cancel(List<BatchJob> targets) throws InterruptedException {
        List<String> accepted = commands.forEachBatch(ids(targets), scheduler::cancelCommand);
        for (BatchJob job : targets) {
            job.cancelled |= accepted.contains(job.id);
        }
    }

    private static List<String> ids(List<BatchJob> batch) {
        return batch.stream().map(j -> j.id).toList();
    }

    /**
     * Cancels every job of a run whose host was killed, by the run's name as {@link #close} does: its
     * jobs are the scheduler's and outlive the host, so a resumed run would otherwise run them twice.
     */
    @Override
    public void endLeftovers(String runId) throws ExecutorException {
        List<String> argv = scheduler.cancelRunCommand(runId);
        try {
            CommandRunner.Result result = commands.run(argv);
            if (!result.ok() && !scheduler.alreadyEnded(result.message())) {
                throw new ExecutorException("cancelling the jobs of run " + runId + " (" + String.join(" ", argv)
                        + ") failed: " + result.message());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while cancelling the jobs of run " + runId);
        }
    }

    /** Jobs outlive their host, and their ids find them again. */
    @Override
    public boolean adoptsLeftovers() {
        return true;
    }

    /**
     * Cancels the jobs of a run whose host was killed, except those the host will adopt: the run's jobs
     * are listed by its name, and the others cancelled by id ({@code sparing} empty: one cancel by name).
     */
    @Override
    public void endLeftovers(String runId, Set<String> sparing) throws ExecutorException {
        if (sparing.isEmpty()) {
            endLeftovers(runId);
            return;
        }
        try {
            List<String> status = scheduler.statusCommand(runId);
            CommandRunner.Result listed = commands.runWithRetries(status, 1);
            if (!listed.ok()) {
                throw new ExecutorException("listing the jobs of run " + runId + " (" + String.join(" ", status)
                        + ") failed: " + listed.message());
            }
            List<String> others = scheduler.parseStatus(listed.stdout()).values().stream()
                    .filter(row -> (row.state() == JobState.QUEUED || row.state().isRunning()) && !sparing.contains(row.id()))
                    .map(JobRow::id)
                    .sorted().toList();
            if (!others.isEmpty()) {
                log.info("cancelling {} job(s) of run {}, whose host was killed, that this run does not take up",
                        others.size(), runId);
                List<String> accepted = commands.forEachBatch(others, scheduler::cancelCommand);
                if (accepted.size() < others.size()) {
                    // Some may have ended meanwhile; the next run lists them again and finds them gone.
                    throw new ExecutorException("cancelling " + (others.size() - accepted.size()) + " job(s) of run "
                            + runId + " failed; the next run tries again");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while cancelling the jobs of run " + runId);
        }
    }

    /**
     * Follows a job of a run whose host was killed as if this run had submitted it: the status rounds
     * ask for it by its run's name, and its end is read from its work directory as any job's.
     */
    @Override
    public SubmittedTask adopt(TaskLaunch launch, String runId, String nativeId) {
        TaskHandle task = launch.task();
        SubmittedTask submitted = new SubmittedTask(task.id(), task.attempt(), nativeId);
        BatchJob job = new BatchJob(nativeId, runId, submitted, launch);
        byCallbackKey.put(JobScript.callbackKey(task), job);
        jobs.add(submitted, job, null);
        submittedAny = true;
        log.info("task {} is job {} of run {}, whose host was killed: taken up", task.name(), nativeId, runId);
        rounds.resetBackoff();
        return submitted;
    }

    /** Stops the status thread and cancels whatever is left of the run, with one command by the run's name. */
    @Override
    public void close() {
        StatusRounds r = rounds;
        if (r != null) {
            r.stop();
        }
        if (!submittedAny) {
            return;
        }
        // Including a job whose submit answer was lost, which no id names.
        try {
            List<String> argv = scheduler.cancelRunCommand(context.runId());
            commands.reportFailure(argv, commands.run(argv));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
