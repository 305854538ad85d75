package dev.sluice.plugins.slurm;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The {@code slurm} executor: each task attempt is a Slurm batch job.
 *
 * <p>{@link #submit} writes the task's batch script and runs {@code sbatch --parsable}; nothing is held
 * for the job afterwards but a small record. One status thread of the executor's own runs one
 * {@code squeue} for every job of the run (they all carry the run id as their name) per round, backing
 * off while nothing changes; {@link #poll} only reads what that thread found, so a slow controller
 * never stalls the host. A job's end is read from the exit-code file its script writes as its last act
 * (with a grace period for slow shared file systems), or learned at once from the script's callback to
 * the host's endpoint. {@link #kill} signals and cancels jobs with one {@code scancel} per batch.
 */
@Extension
public final class SlurmExecutor implements TaskExecutor {
    /** The executor's name and the namespace of its hints. */
    public static final String NAME = "slurm";
    static final List<String> HINTS = List.of("partition", "account", "qos", "options");
    /** squeue's fields: job id, state, reason, start, end, nodes. */
    private static final String SQUEUE_FORMAT = "%i|%T|%r|%S|%e|%N";
    /** Ids per scancel/sacct call, to keep command lines short. */
    private static final int BATCH = 200;
    /** sbatch messages that mean "try again later" rather than "this job is wrong". */
    private static final Pattern TRANSIENT = Pattern.compile("(?i)unable to contact slurm controller|socket timed out"
            + "|temporarily unavailable|try again|connection refused|transport endpoint|zero bytes were transmitted"
            + "|slurmctld.*not responding|communication connection failure|did not answer within");
    private static final Pattern JOB_ID = Pattern.compile("\\d+");

    private final PluginContext plugin;
    private final Logger log;
    private final CommandRunner runner;
    private final Map<String, PluginMetrics.Counter> commandCounts = new ConcurrentHashMap<>();
    private SlurmSettings settings;
    private ExecutorContext context;
    private TimeSource time;
    private Optional<CallbackEndpoint> callback = Optional.empty();
    private final String user = System.getProperty("user.name");

    /** Every job not yet handed back to the host, by job id; guarded by itself. */
    private final Map<String, SlurmJob> jobs = new LinkedHashMap<>();
    private final Map<SubmittedTask, SlurmJob> bySubmitted = new ConcurrentHashMap<>();
    private final Map<String, SlurmJob> byId = new ConcurrentHashMap<>();
    private final Object wake = new Object();
    private boolean wakeRequested;
    private volatile boolean closed;
    private Thread statusThread;
    private Duration interval;
    private long nextQueryNanos;
    private int failedQueries;
    /** Whether sacct answers here; {@code null} until a job vanished and it was asked. */
    private Boolean sacctWorks;
    private volatile boolean submittedAny;
    private final boolean runStatusThread;

    public SlurmExecutor(PluginContext plugin) {
        this(plugin, CommandRunner.processes(), true);
    }

    /** @param statusThread whether {@link #start} starts the status thread; tests call {@link #statusRound} */
    SlurmExecutor(PluginContext plugin, CommandRunner runner, boolean statusThread) {
        this.plugin = plugin;
        this.log = plugin.logger();
        this.runner = runner;
        this.runStatusThread = statusThread;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validateHints(Hints hints) {
        hints.requireKnown(NAME, HINTS);
        SbatchOptions.parse(hints, Hints.key(NAME, "options"));
    }

    @Override
    public void start(ExecutorContext context) throws ExecutorException {
        this.context = context;
        this.time = context.time();
        try {
            settings = SlurmSettings.from(context.config());
        } catch (InvalidSettingException e) {
            throw new ExecutorException(e.getMessage(), e);
        }
        requireInstalled("sbatch");
        requireInstalled("squeue");
        requireInstalled("scancel");
        // A controller that does not answer now fails the executor's tasks at once, with Slurm's words,
        // instead of leaving them to wait.
        CommandRunner.Result probe;
        try {
            probe = runWithRetries(squeueArgv(), 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while asking the Slurm controller for the run's jobs");
        }
        if (!probe.ok()) {
            throw new ExecutorException("the Slurm controller does not answer: " + probe.message()
                    + "; start slurmctld, or check that this machine's slurm.conf names the right controller");
        }
        callback = settings.callback() ? context.callbackEndpoint() : Optional.empty();
        interval = settings.pollInterval();
        nextQueryNanos = time.nanoTime();
        if (runStatusThread) {
            statusThread = Thread.ofPlatform().daemon().name("sluice-slurm-status").start(this::statusLoop);
        }
        log.info("slurm executor: polling every {} (up to {} while nothing changes){}",
                Units.formatDuration(settings.pollInterval()), Units.formatDuration(settings.maxPollInterval()),
                callback.map(c -> "; jobs call back to " + c.url()).orElse("; no callbacks (the host's endpoint is off)"));
    }

    private void requireInstalled(String command) throws ExecutorException {
        String path = settings.command(command);
        boolean found = settings.binDir().isPresent() ? Files.isExecutable(Path.of(path))
                : findOnPath(command);
        if (!found) {
            throw new ExecutorException(command + " is not installed here (" + settings.binDir()
                    .map(d -> "not in executors.slurm.binDir " + d).orElse("not on the PATH")
                    + "); install Slurm's client commands (Debian: slurm-client) or point executors.slurm.binDir "
                    + "at the directory that has them");
        }
    }

    private static boolean findOnPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ExecutorCapacity capacity() {
        // The cluster queues what does not fit; the operator bounds the run with queueSize.
        return ExecutorCapacity.unlimited();
    }

    @Override
    public int submitConcurrency() {
        return settings == null ? 1 : settings.submitConcurrency();
    }

    // ---- submit -----------------------------------------------------------------------------------

    @Override
    public SubmittedTask submit(TaskLaunch launch) throws TaskException, ExecutorException {
        TaskHandle task = launch.task();
        BatchScript.JobOptions options = jobOptions(task);
        Path workDir = launch.files().workDir();
        Path script = workDir.resolve(BatchScript.FILE);
        List<String> directives = BatchScript.directives(launch, context.runId(), options,
                settings.signalBeforeTimeLimit());
        try {
            Files.deleteIfExists(launch.files().exitCode());
            Files.deleteIfExists(workDir.resolve(BatchScript.TIME_LIMIT_MARKER));
            Files.deleteIfExists(script);
            // Owner only: the script holds the run's callback token.
            Files.createFile(script, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(script, BatchScript.render(launch, directives, callback), StandardCharsets.UTF_8,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new TaskException("cannot write the batch script " + script + ": " + e.getMessage(), e);
        }
        List<String> argv = List.of(settings.command("sbatch"), "--parsable", script.toString());
        CommandRunner.Result result;
        try {
            for (int attempt = 0; ; attempt++) {
                result = run(argv);
                if (result.ok() || !isTransient(result) || attempt >= settings.submitRetries()) {
                    break;
                }
                Duration backoff = Duration.ofSeconds(1L << Math.min(attempt, 5));
                log.warn("sbatch failed for task {} ({}); trying again in {}", task.name(), result.message(),
                        Units.formatDuration(backoff));
                time.sleep(backoff);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableTaskException("interrupted while submitting task " + task.name());
        }
        if (!result.ok()) {
            String why = "sbatch refused the job of task " + task.name() + ": " + result.message() + submitHint(options,
                    result);
            if (isTransient(result)) {
                throw new RetryableTaskException(why + " (tried " + (settings.submitRetries() + 1) + " times)");
            }
            throw new TaskException(why);
        }
        String out = result.stdout().strip();
        String id = out.contains(";") ? out.substring(0, out.indexOf(';')) : out;
        if (!JOB_ID.matcher(id).matches()) {
            throw new TaskException("sbatch answered '" + out + "' instead of a job id for task " + task.name());
        }
        SubmittedTask submitted = new SubmittedTask(task.id(), task.attempt(), id);
        SlurmJob job = new SlurmJob(id, submitted, launch);
        synchronized (jobs) {
            jobs.put(id, job);
        }
        bySubmitted.put(submitted, job);
        byId.put(id, job);
        submittedAny = true;
        log.debug("task {} is job {}", task.name(), id);
        resetBackoff();
        return submitted;
    }

    private BatchScript.JobOptions jobOptions(TaskHandle task) throws TaskException {
        Hints hints = task.hints();
        try {
            validateHints(hints);
            List<String> extra = new ArrayList<>(settings.options());
            extra.addAll(SbatchOptions.parse(hints, Hints.key(NAME, "options")));
            return new BatchScript.JobOptions(
                    hints.string(Hints.key(NAME, "partition"), settings.partition()).strip(),
                    hints.string(Hints.key(NAME, "account"), settings.account()).strip(),
                    hints.string(Hints.key(NAME, "qos"), settings.qos()).strip(), extra, settings.gpuDirective());
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage(), e);
        }
    }

    /** Where the value Slurm refused came from, so the user knows what to change. */
    private static String submitHint(BatchScript.JobOptions options, CommandRunner.Result result) {
        String msg = result.message().toLowerCase();
        if (msg.contains("partition") && !options.partition().isEmpty()) {
            return " (partition '" + options.partition() + "' comes from the slurm/partition hint or "
                    + "executors.slurm.partition; sinfo lists the cluster's partitions)";
        }
        if (msg.contains("node configuration is not available") || msg.contains("memory specification")) {
            return " (no node of the partition has what the task's resources ask for; sinfo -o '%P %c %m' shows "
                    + "what they have)";
        }
        return "";
    }

    private static boolean isTransient(CommandRunner.Result result) {
        return result.timedOut() || TRANSIENT.matcher(result.message()).find();
    }

    // ---- status -----------------------------------------------------------------------------------

    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        Map<SubmittedTask, TaskStatus> out = new HashMap<>();
        synchronized (jobs) {
            for (SubmittedTask submitted : tasks) {
                SlurmJob job = bySubmitted.get(submitted);
                if (job == null) {
                    continue;
                }
                Integer called = job.callbackExit;
                if (job.end == null && called != null) {
                    job.end = endFromExitCode(job, readExitCode(job).orElse(called), "callback");
                }
                if (job.end != null) {
                    out.put(submitted, job.end);
                    forget(job);
                } else if (job.state != null && (SlurmStates.isRunning(job.state) || SlurmStates.isPending(job.state))) {
                    // Ended jobs still waiting for their exit code, and vanished ones, report nothing yet.
                    TaskStatus.State now = SlurmStates.isRunning(job.state) ? TaskStatus.State.RUNNING
                            : TaskStatus.State.PENDING;
                    if (now != job.reported) {
                        job.reported = now;
                        out.put(submitted, now == TaskStatus.State.RUNNING ? TaskStatus.running(job.startedAt)
                                : TaskStatus.pending());
                    }
                }
            }
        }
        return out;
    }

    private void forget(SlurmJob job) {
        jobs.remove(job.id);
        bySubmitted.remove(job.submitted);
        byId.remove(job.id);
    }

    @Override
    public boolean callback(String key, String body) {
        SlurmJob job = byId.get(key);
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

    /** The status thread: one squeue round whenever one is due, kills that must be forced, nothing else. */
    private void statusLoop() {
        while (!closed) {
            try {
                long killDue = nextKillDeadline();
                synchronized (wake) {
                    long waitNanos = Math.min(nextQueryNanos, killDue) - time.nanoTime();
                    if (!wakeRequested && waitNanos > 0) {
                        wake.wait(Math.max(1, waitNanos / 1_000_000));
                    }
                    wakeRequested = false;
                }
                if (closed) {
                    return;
                }
                statusRound();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("the slurm status thread failed a round, going on: {}", e.toString());
                nextQueryNanos = time.nanoTime() + settings.pollInterval().toNanos();
            }
        }
    }

    /** Forces the kills whose grace ran out, then queries Slurm if a round is due. */
    void statusRound() throws InterruptedException {
        forceDueKills();
        boolean due;
        synchronized (wake) {
            due = time.nanoTime() >= nextQueryNanos;
        }
        if (due) {
            refresh();
        }
    }

    /** When the next status round is due, for tests. */
    Duration untilNextRound() {
        synchronized (wake) {
            return Duration.ofNanos(Math.max(0, nextQueryNanos - time.nanoTime()));
        }
    }

    /**
     * Something changed on sluice's side (a submission, a kill): the backoff starts over, so the next
     * round comes within the shortest interval. Never a round per call: 500 submissions make one squeue.
     */
    private void resetBackoff() {
        synchronized (wake) {
            interval = settings.pollInterval();
            nextQueryNanos = Math.min(nextQueryNanos, time.nanoTime() + settings.pollInterval().toNanos());
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    /** One status round: one squeue for all of the run's jobs, sacct for any that vanished. */
    void refresh() throws InterruptedException {
        List<SlurmJob> open;
        synchronized (jobs) {
            open = jobs.values().stream().filter(j -> j.end == null).toList();
        }
        if (open.isEmpty()) {
            synchronized (wake) {
                nextQueryNanos = time.nanoTime() + settings.maxPollInterval().toNanos();
            }
            return;
        }
        CommandRunner.Result result = runWithRetries(squeueArgv(), 1);
        long now = time.nanoTime();
        if (!result.ok()) {
            failedQueries++;
            if (failedQueries == 1 || failedQueries % 10 == 0) {
                log.warn("squeue failed ({} time(s) in a row), the run's {} job(s) keep their last state: {}",
                        failedQueries, open.size(), result.message());
            }
            synchronized (wake) {
                nextQueryNanos = now + settings.pollInterval().toNanos();
            }
            return;
        }
        failedQueries = 0;
        Map<String, Row> rows = parseSqueue(result.stdout());
        List<String> cancelNow = new ArrayList<>();
        List<SlurmJob> missing = new ArrayList<>();
        boolean changed = false;
        boolean awaitingFiles = false;
        synchronized (jobs) {
            for (SlurmJob job : open) {
                if (job.end != null) {
                    continue;
                }
                String before = job.state + "|" + job.reason;
                Row row = rows.get(job.id);
                if (row == null) {
                    missing.add(job);
                } else {
                    apply(job, row, now, cancelNow);
                }
                changed |= job.end != null || !before.equals(job.state + "|" + job.reason);
                awaitingFiles |= job.end == null && job.endSeenNanos >= 0;
            }
        }
        if (!missing.isEmpty()) {
            Map<String, Row> accounted = sacct(missing);
            synchronized (jobs) {
                for (SlurmJob job : missing) {
                    Row row = accounted.get(job.id);
                    if (row != null) {
                        apply(job, row, now, cancelNow);
                    } else {
                        vanished(job, now);
                    }
                    changed |= job.end != null;
                    awaitingFiles |= job.end == null;
                }
            }
        }
        if (!cancelNow.isEmpty()) {
            scancel(List.of(), cancelNow);
        }
        synchronized (wake) {
            interval = changed || awaitingFiles ? settings.pollInterval()
                    : min(interval.multipliedBy(2), settings.maxPollInterval());
            nextQueryNanos = now + interval.toNanos();
        }
        log.debug("squeue round: {} job(s) open, {}; next in {}", open.size(), changed ? "changes" : "no change",
                Units.formatDuration(interval));
        if (changed) {
            context.statusChanged();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Applies one squeue (or sacct) row to its job. Called with {@link #jobs} held. */
    private void apply(SlurmJob job, Row row, long now, List<String> cancelNow) {
        String previousReason = job.reason;
        String previousState = job.state;
        job.state = row.state();
        job.reason = row.reason();
        if (row.start() != null && job.startedAt == null && !SlurmStates.isPending(row.state())) {
            job.startedAt = row.start();
        }
        String state = row.state();
        if (SlurmStates.isPending(state)) {
            String never = SlurmStates.NEVER_STARTS.get(row.reason());
            if (never != null) {
                job.end = TaskStatus.ended(TaskStatus.State.FAILED, "Slurm will not start job " + job.id + ": it "
                        + "is pending with reason " + row.reason() + " (" + never + "); the job was cancelled. Task "
                        + "resources: " + job.launch.task().resources(), null, null, time.now());
                cancelNow.add(job.id);
            } else if (!row.reason().equals(previousReason) || !state.equals(previousState)) {
                plugin.reportStatus(job.launch.task(), "job " + job.id + " " + state.toLowerCase()
                        + (row.reason().isEmpty() || "None".equals(row.reason()) ? "" : " (" + row.reason() + ")"));
            }
            return;
        }
        if (!state.equals(previousState) && "RUNNING".equals(state)) {
            plugin.reportStatus(job.launch.task(), "job " + job.id + " running" + (row.nodes().isEmpty() ? ""
                    : " on " + row.nodes()));
        }
        if ("RUNNING".equals(state) || "SIGNALING".equals(state)) {
            return;
        }
        Optional<Integer> code = readExitCode(job);
        if (code.isPresent()) {
            job.end = endFromExitCode(job, code.get(), "squeue " + state);
            return;
        }
        switch (state) {
            case "COMPLETING", "STAGE_OUT" -> {
                // The script may still be writing its exit code; the next round looks again.
            }
            case "COMPLETED", "FAILED" -> awaitExitCode(job, now, "Slurm reports job " + job.id + " " + state
                    + reasonNote(row));
            case "TIMEOUT", "DEADLINE" -> job.end = TaskStatus.ended(TaskStatus.State.TIMEOUT, "Slurm ended job " + job.id
                    + " at its time limit" + job.launch.task().resources().timeLimit()
                            .map(t -> " of " + Units.formatDuration(t)).orElse("") + reasonNote(row),
                    null, job.startedAt, endTime(job, row));
            case "OUT_OF_MEMORY" -> job.end = TaskStatus.ended(TaskStatus.State.OUT_OF_MEMORY, "Slurm ended job "
                    + job.id + " for using more memory than it asked for" + memoryNote(job), null, job.startedAt,
                    endTime(job, row));
            case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED" -> job.end = TaskStatus.ended(TaskStatus.State.NODE_FAILURE,
                    "Slurm ended job " + job.id + ": " + state + reasonNote(row) + (row.nodes().isEmpty() ? ""
                            : " on " + row.nodes()), null, job.startedAt, endTime(job, row));
            case "CANCELLED" -> job.end = TaskStatus.ended(TaskStatus.State.CANCELLED, "job " + job.id
                    + " was cancelled in Slurm" + (job.killRequested ? "" : " (not by sluice: scancel?)")
                    + reasonNote(row), null, job.startedAt, endTime(job, row));
            default -> job.end = TaskStatus.ended(TaskStatus.State.FAILED, "Slurm ended job " + job.id + ": " + state
                    + reasonNote(row), null, job.startedAt, endTime(job, row));
        }
    }

    /** The job ended without an exit code yet: wait for it within the grace, then fail with what is known. */
    private void awaitExitCode(SlurmJob job, long now, String what) {
        if (job.endSeenNanos < 0) {
            job.endSeenNanos = now;
        }
        if (now - job.endSeenNanos >= settings.exitCodeGrace().toNanos()) {
            job.end = TaskStatus.ended(TaskStatus.State.FAILED, what + " but no exit code appeared in "
                    + job.launch.files().exitCode() + " within " + Units.formatDuration(settings.exitCodeGrace())
                    + " (executors.slurm.exitCodeGrace)" + logTail(job), null, job.startedAt, time.now());
        }
    }

    private void vanished(SlurmJob job, long now) {
        Optional<Integer> code = readExitCode(job);
        if (code.isPresent()) {
            job.end = endFromExitCode(job, code.get(), "exit-code file");
            return;
        }
        job.state = "MISSING";
        awaitExitCode(job, now, "job " + job.id + " left Slurm's queue");
    }

    private static String reasonNote(Row row) {
        return row.reason().isEmpty() || "None".equals(row.reason()) ? "" : " (" + row.reason() + ")";
    }

    private static String memoryNote(SlurmJob job) {
        long memory = job.launch.task().resources().memoryBytes();
        return memory > 0 ? " (resources.memory " + Units.formatSize(memory) + ")" : " (no memory was asked for: "
                + "set resources.memory; the partition's default applied)";
    }

    /** The last lines of the job's Slurm log, which has the batch step's own errors. */
    private static String logTail(SlurmJob job) {
        Path log = job.launch.files().workDir().resolve(BatchScript.LOG);
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return "; " + log + " is empty";
            }
            return "; " + log + " ends with: " + String.join(" / ", lines.subList(Math.max(0, lines.size() - 3),
                    lines.size())).strip();
        } catch (IOException e) {
            return "; " + log + " cannot be read either (" + e.getClass().getSimpleName() + ")";
        }
    }

    private TaskStatus endFromExitCode(SlurmJob job, int code, String source) {
        Path exitFile = job.launch.files().exitCode();
        Instant now = time.now();
        Instant end = now;
        String delay = "";
        try {
            // The file's time is the task's end, not when sluice learned of it.
            Instant written = Files.getLastModifiedTime(exitFile).toInstant();
            delay = ", " + Duration.between(written, now).toMillis() + " ms after its exit-code file was written";
            if (written.isBefore(end) && (job.startedAt == null || !written.isBefore(job.startedAt))) {
                end = written;
            }
        } catch (IOException e) {
            // Only the callback said so yet; the host's clock it is.
        }
        log.debug("job {} of task {} ended with exit code {} (learned from the {}{})", job.id,
                job.launch.task().name(), code, source, delay);
        if (Files.exists(job.launch.files().workDir().resolve(BatchScript.TIME_LIMIT_MARKER))) {
            return TaskStatus.ended(TaskStatus.State.TIMEOUT, "the task reached its time limit"
                    + job.launch.task().resources().timeLimit().map(t -> " of " + Units.formatDuration(t)).orElse("")
                    + ": Slurm warned " + Units.formatDuration(settings.signalBeforeTimeLimit()) + " ahead and the task "
                    + "was sent SIGTERM (executors.slurm.signalBeforeTimeLimit)", code, job.startedAt, end);
        }
        return TaskStatus.completed(code, job.startedAt, end);
    }

    private Instant endTime(SlurmJob job, Row row) {
        return row.end() != null ? row.end() : time.now();
    }

    private static Optional<Integer> readExitCode(SlurmJob job) {
        try {
            String text = Files.readString(job.launch.files().exitCode()).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A job as squeue or sacct shows it. */
    record Row(String id, String state, String reason, Instant start, Instant end, String nodes) {
    }

    private List<String> squeueArgv() {
        return List.of(settings.command("squeue"), "--noheader", "--states=all", "--name=" + context.runId(),
                "--user=" + user, "--format=" + SQUEUE_FORMAT);
    }

    static Map<String, Row> parseSqueue(String stdout) {
        Map<String, Row> rows = new HashMap<>();
        for (String line : stdout.split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 6 || f[0].isEmpty()) {
                continue;
            }
            rows.put(f[0], new Row(f[0], f[1].strip(), f[2].strip(), parseTime(f[3]), parseTime(f[4]), f[5].strip()));
        }
        return rows;
    }

    /** Slurm prints local times without a zone, or N/A, Unknown, None. */
    static Instant parseTime(String text) {
        try {
            return LocalDateTime.parse(text.strip()).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Accounting, for jobs that left the queue; never required: a cluster without it answers nothing. */
    private Map<String, Row> sacct(List<SlurmJob> missing) throws InterruptedException {
        if (Boolean.FALSE.equals(sacctWorks) || !findSacct()) {
            return Map.of();
        }
        Map<String, Row> rows = new HashMap<>();
        for (int i = 0; i < missing.size(); i += BATCH) {
            List<String> ids = missing.subList(i, Math.min(missing.size(), i + BATCH)).stream().map(j -> j.id).toList();
            CommandRunner.Result r = run(List.of(settings.command("sacct"), "--noheader", "--parsable2",
                    "--jobs=" + String.join(",", ids), "--format=JobIDRaw,State,Reason,Start,End,NodeList"));
            if (!r.ok()) {
                if (sacctWorks == null) {
                    log.info("sacct does not answer here ({}); jobs that leave the queue are judged by their "
                            + "exit-code files alone", r.message());
                }
                sacctWorks = false;
                return Map.of();
            }
            sacctWorks = true;
            for (String line : r.stdout().split("\n")) {
                String[] f = line.strip().split("\\|", -1);
                if (f.length >= 6 && ids.contains(f[0])) {
                    // "CANCELLED by 1000" -> CANCELLED
                    String state = f[1].strip().split("\\s+")[0];
                    rows.put(f[0], new Row(f[0], state, f[2].strip(), parseTime(f[3]), parseTime(f[4]), f[5].strip()));
                }
            }
        }
        return rows;
    }

    private boolean findSacct() {
        boolean found = settings.binDir().isPresent() ? Files.isExecutable(Path.of(settings.command("sacct")))
                : findOnPath("sacct");
        if (!found) {
            sacctWorks = false;
        }
        return found;
    }

    // ---- kill -------------------------------------------------------------------------------------

    @Override
    public void kill(Collection<SubmittedTask> tasks, Duration gracePeriod) throws ExecutorException {
        List<String> cancel = new ArrayList<>();
        List<String> signal = new ArrayList<>();
        long deadline = time.nanoTime() + gracePeriod.toNanos();
        synchronized (jobs) {
            for (SubmittedTask submitted : tasks) {
                SlurmJob job = bySubmitted.get(submitted);
                if (job == null || job.end != null) {
                    continue;
                }
                job.killRequested = true;
                if (job.pending() || gracePeriod.isZero()) {
                    cancel.add(job.id);
                } else {
                    // SIGTERM to the batch shell, which passes it on to the task; cancelled after the grace.
                    signal.add(job.id);
                    job.killDeadlineNanos = deadline;
                }
            }
        }
        try {
            scancel(signal, cancel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("interrupted while cancelling jobs");
        }
        resetBackoff();
    }

    private long nextKillDeadline() {
        long next = Long.MAX_VALUE;
        synchronized (jobs) {
            for (SlurmJob job : jobs.values()) {
                if (job.killDeadlineNanos >= 0 && job.end == null) {
                    next = Math.min(next, job.killDeadlineNanos);
                }
            }
        }
        return next;
    }

    private void forceDueKills() throws InterruptedException {
        long now = time.nanoTime();
        List<String> due = new ArrayList<>();
        synchronized (jobs) {
            for (SlurmJob job : jobs.values()) {
                if (job.killDeadlineNanos >= 0 && job.killDeadlineNanos <= now && job.end == null) {
                    due.add(job.id);
                    job.killDeadlineNanos = -1;
                }
            }
        }
        if (!due.isEmpty()) {
            scancel(List.of(), due);
            resetBackoff();
        }
    }

    /** SIGTERM to the batch shells of {@code signal}; cancels {@code cancel}; a few commands per 200 jobs. */
    private void scancel(List<String> signal, List<String> cancel) throws InterruptedException {
        for (int i = 0; i < signal.size(); i += BATCH) {
            List<String> argv = new ArrayList<>(List.of(settings.command("scancel"), "--batch", "--signal=TERM"));
            argv.addAll(signal.subList(i, Math.min(signal.size(), i + BATCH)));
            report("scancel --signal=TERM", run(argv));
        }
        for (int i = 0; i < cancel.size(); i += BATCH) {
            List<String> argv = new ArrayList<>(List.of(settings.command("scancel")));
            argv.addAll(cancel.subList(i, Math.min(cancel.size(), i + BATCH)));
            report("scancel", run(argv));
        }
    }

    private void report(String what, CommandRunner.Result result) {
        // scancel complains about jobs that have just ended; that is not a failure to cancel.
        if (!result.ok() && !result.message().toLowerCase().contains("already completed")
                && !result.message().toLowerCase().contains("invalid job id")) {
            log.warn("{} failed: {}", what, result.message());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (statusThread != null) {
            synchronized (wake) {
                wake.notifyAll();
            }
            statusThread.interrupt();
        }
        if (!submittedAny) {
            return;
        }
        // Whatever is left of the run, including a job whose sbatch answer was lost, goes: one call by name.
        try {
            report("scancel", run(List.of(settings.command("scancel"), "--name=" + context.runId(), "--user=" + user)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- commands ---------------------------------------------------------------------------------

    private CommandRunner.Result runWithRetries(List<String> argv, int retries) throws InterruptedException {
        CommandRunner.Result result = run(argv);
        for (int i = 0; i < retries && !result.ok() && isTransient(result); i++) {
            time.sleep(Duration.ofSeconds(1L << i));
            result = run(argv);
        }
        return result;
    }

    private CommandRunner.Result run(List<String> argv) throws InterruptedException {
        String name = Path.of(argv.get(0)).getFileName().toString();
        commandCounts.computeIfAbsent(name, n -> plugin.metrics().counter("commands_total",
                "Slurm commands the executor ran", "command", n)).increment();
        try {
            CommandRunner.Result result = runner.run(argv, settings.commandTimeout());
            return result.timedOut() ? new CommandRunner.Result(-1, true, result.stdout(),
                    "did not answer within " + Units.formatDuration(settings.commandTimeout())) : result;
        } catch (IOException e) {
            return CommandRunner.Result.failed(127, "", "cannot run " + argv.get(0) + ": " + e.getMessage());
        }
    }
}
