package dev.sluice.host.run;

import dev.sluice.host.task.Sha256;
import dev.sluice.host.task.Task;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.kit.IoErrors;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.pipeline.CacheMode;
import dev.sluice.host.monitor.ProcessRuntime;
import dev.sluice.host.monitor.TaskPreparer;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.spi.Hints;
import dev.sluice.spi.TaskFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lays out work directories: one per task attempt, {@code <work>/<ab>/<cdef...>}, named by a hash of
 * the run, the task's key and the attempt, holding {@code .command.sh} (for scripts),
 * {@code .command.out}, {@code .command.err} and {@code .exitcode}. A task that succeeded is recorded
 * in the run's journal ({@link RunJournal}) so that {@code --resume} can reuse it in a later run.
 */
public final class WorkDirs implements TaskPreparer {
    private static final Logger log = LoggerFactory.getLogger(WorkDirs.class);
    /**
     * How long the writes of tasks' ends gather before they are made: an {@code .exitcode} and a journal
     * record can be this much later than the end, which nothing waits for (the run reads neither back).
     */
    static final Duration WRITES_GATHERED = Duration.ofMillis(5);

    private final Path workRoot;
    private final String runId;
    /** Written on the writer thread only. */
    private final RunJournal journal;
    /**
     * Writes exit codes and journal records in order, on one thread of its own, in batches gathered for
     * a few milliseconds; the journal is written after each batch, so that a burst of ends costs one write.
     */
    private final BatchingWriter writer = new BatchingWriter("sluice-work-writer", WRITES_GATHERED,
            this::writeJournal);
    /** When the journal's records written and not yet synced are to be synced; 0 when none wait (writer thread). */
    private long syncDueNanos;
    /** Whether a write was refused (the writer closed or stopped): said once. */
    private boolean writesRefused;
    private boolean closed;
    /**
     * Each prepared attempt's inputs fingerprint, taken before it runs (so an input changed while it
     * ran does not count as the state it ran with), until the attempt's end is recorded.
     */
    private final Map<Path, String> inputsAtStart = new java.util.concurrent.ConcurrentHashMap<>();
    /** What earlier runs recorded, newest first per key, read at the first {@link #cached} call. */
    private RunJournal.Earlier earlier;

    /**
     * Runs whose host was killed ({@link HostLock#killedRuns}): only their attempts can have ended without
     * a record of it, so only theirs are judged by the exit code they left.
     */
    private final Set<String> killedRuns;
    /** Where {@code --explain} lines go, or {@code null}. */
    private final Consumer<String> explain;
    /** Attempts of killed runs that still ran when this run started, by task key, until taken up. */
    private final Map<String, RunJournal.Launch> adoptable = new java.util.concurrent.ConcurrentHashMap<>();
    /** The run each attempt taken up from a killed run belongs to, by its work directory. */
    private final Map<Path, String> adoptedFrom = new java.util.concurrent.ConcurrentHashMap<>();

    public WorkDirs(Path workRoot, String runId) {
        this(workRoot, runId, List.of(), null);
    }

    /**
     * @param killedRuns runs whose host was killed ({@link HostLock#killedRuns})
     * @param explain    where to say, for each task {@code --resume} looks at, why it is cached or runs;
     *                   {@code null} for nowhere
     */
    public WorkDirs(Path workRoot, String runId, Collection<String> killedRuns, Consumer<String> explain) {
        this.workRoot = workRoot.toAbsolutePath().normalize();
        this.runId = runId;
        this.journal = new RunJournal(this.workRoot.resolve("runs").resolve(runId));
        this.killedRuns = Set.copyOf(killedRuns);
        this.explain = explain;
    }

    public Path root() {
        return workRoot;
    }

    @Override
    public Prepared prepare(String taskId, TaskSpec spec, ProcessRuntime process, int attempt) throws IOException {
        Path dir = attemptDir(runId, spec.key(), attempt);
        Files.createDirectories(dir);
        if (!spec.inputs().isEmpty()) {
            inputsAtStart.put(dir, RunJournal.inputsFingerprint(spec.inputs(), process.effective().cache()));
        }
        TaskFiles files = TaskFiles.in(dir);
        if (spec.script() != null) {
            Files.writeString(files.script(), (spec.script().endsWith("\n") ? spec.script() : spec.script() + "\n")
                    + recordExit(files.exitCode()), StandardCharsets.UTF_8);
        }
        return prepared(taskId, spec, process, attempt, files);
    }

    private void readEarlier() {
        if (earlier == null) {
            earlier = RunJournal.read(workRoot, killedRuns, explain != null);
        }
    }

    /**
     * The last line of every {@code .command.sh}: a script that runs to its end records its own exit
     * status in {@code exitCode}, so that one that ends after its host was killed, or before the host
     * wrote the file, is known to have ended ({@link #endedUnrecorded}). Reached only by falling off
     * the end: a script stopped by {@code set -e}, {@code exit}, {@code exec} or a signal leaves the file
     * to its host. The path is written in whole, single-quoted (the script may run from anywhere); a
     * write that fails changes nothing (the host writes the file then); the script's status stays its
     * exit status; the line holds no quote of its own to pair with one the script left open. A script
     * left unfinished ({@code echo hi |}) stays broken: the line then runs as part of it, where its
     * variable is unset, which {@code set -u} refuses. After a blank line, so that a last line ending in
     * a backslash ends there.
     */
    static String recordExit(Path exitCode) {
        String quoted = "'" + exitCode.toAbsolutePath().toString().replace("'", "'\\''") + "'";
        return "\nsluice_status=$?; { echo \"$sluice_status\" > " + quoted + "; } 2>/dev/null || :;"
                + " exit \"$sluice_status\"  # sluice records the end of the script\n";
    }

    /** An attempt's handle and files: a script runs as {@code /bin/sh -eu .command.sh}, a command as it is. */
    private Prepared prepared(String taskId, TaskSpec spec, ProcessRuntime process, int attempt, TaskFiles files) {
        List<String> argv = spec.script() != null ? List.of("/bin/sh", "-eu", files.script().toString()) : spec.argv();
        return new Prepared(task(taskId, spec, process.effective(), attempt, files.workDir(), argv), files);
    }

    /** The work directory of an attempt: a hash of the run, the task's key and the attempt. */
    private Path attemptDir(String run, String key, int attempt) {
        return attemptDir(workRoot, run, key, attempt);
    }

    static Path attemptDir(Path workRoot, String run, String key, int attempt) {
        String hash = sha256(run + "\n" + key + "\n" + attempt);
        return workRoot.resolve(hash.substring(0, 2)).resolve(hash.substring(2, 32));
    }

    /**
     * The latest earlier success of this task, when what it left is still as it was: the attempt's
     * directory (which follows from the run, the key and the attempt) has {@code .exitcode} 0 and
     * {@code .command.out} and {@code .command.err} of the sizes recorded at the success, and its inputs
     * are as they were (by the process's {@code cache} mode). Anything else runs the task again; why is
     * said at debug level, and to the explanation's reader ({@code --explain}).
     */
    @Override
    public Prepared cached(String taskId, TaskSpec spec, ProcessRuntime process) {
        readEarlier();
        String who = "task " + taskId + " (" + spec.name() + ")";
        CacheMode mode = process.effective().cache();
        if (mode == CacheMode.OFF) {
            explain(() -> who + " runs: cache is off for process '" + spec.processName() + "'");
            return null;
        }
        List<RunJournal.Success> successes = earlier.successes().getOrDefault(spec.key(), List.of());
        List<RunJournal.Launch> launches = earlier.launches().getOrDefault(spec.key(), List.of());
        if (successes.isEmpty() && launches.isEmpty()) {
            Prepared legacy = legacyCached(taskId, spec, process);
            explain(() -> legacy != null ? who + " is cached: a success recorded before run journals"
                    : who + " runs: " + neverSucceeded(spec));
            return legacy;
        }
        String inputsNow = RunJournal.inputsFingerprint(spec.inputs(), mode);
        List<String> problems = new ArrayList<>();
        for (RunJournal.Success success : successes) {
            Path dir = attemptDir(success.runId(), spec.key(), success.attempt());
            TaskFiles files = TaskFiles.in(dir);
            String problem = changedSince(files, success, inputsNow, mode);
            if (problem == null) {
                explain(() -> who + " is cached: attempt " + success.attempt() + " of run " + success.runId()
                        + " succeeded, and its outputs and inputs are as they were");
                return prepared(taskId, spec, process, success.attempt(), files);
            }
            log.debug("task {}: its success in run {} (attempt {}, {}) is not reused: {}", taskId, success.runId(),
                    success.attempt(), dir, problem);
            problems.add("its success in run " + success.runId() + " (attempt " + success.attempt() + "): " + problem);
        }
        Prepared unrecorded = endedUnrecorded(taskId, spec, process, successes, launches, inputsNow);
        if (unrecorded != null) {
            explain(() -> who + " is cached: attempt " + unrecorded.task().attempt() + " of a run whose host was"
                    + " killed ended with exit code 0");
        } else {
            explain(() -> who + " runs again: " + (problems.isEmpty() ? "its earlier attempts did not succeed"
                    : String.join("; ", problems)));
        }
        return unrecorded;
    }

    /**
     * An attempt whose host was killed before it recorded the attempt's end, where the attempt itself
     * left exit code 0 (a batch job writes its own; a local task's is written just before its success
     * is recorded) and its inputs are as they were at its launch. Attempts with a success record were
     * judged by it above, with their output sizes, and are not judged again here by less; nor are those
     * of a run whose host ended normally, which recorded every end it saw.
     */
    private Prepared endedUnrecorded(String taskId, TaskSpec spec, ProcessRuntime process,
            List<RunJournal.Success> successes, List<RunJournal.Launch> launches, String inputsNow) {
        for (RunJournal.Launch launch : launches) {
            boolean judged = successes.stream().anyMatch(s -> s.runId().equals(launch.runId())
                    && s.attempt() == launch.attempt());
            if (judged || !killedRuns.contains(launch.runId()) || !launch.inputs().equals(inputsNow)) {
                continue;
            }
            Path dir = attemptDir(launch.runId(), spec.key(), launch.attempt());
            TaskFiles files = TaskFiles.in(dir);
            if (!dev.sluice.kit.ExitCodeFile.isZero(files.exitCode())) {
                continue; // no exit code 0: it failed, did not end, or was killed with its host
            }
            log.info("task {}: reusing attempt {} of run {} ({} {}), which ended with exit code 0 after its host"
                    + " stopped recording", taskId, launch.attempt(), launch.runId(), launch.executor(),
                    launch.nativeId());
            return prepared(taskId, spec, process, launch.attempt(), files);
        }
        return null;
    }

    /**
     * The latest attempt of each task that the killed run launched on {@code executor}, where no success
     * of it is recorded and it left no exit code: it may still run. Remembered for {@link #adoption}.
     */
    @Override
    public Set<String> adoptable(String killedRunId, String executor, Set<String> keys) {
        readEarlier();
        Set<String> ids = new java.util.TreeSet<>();
        earlier.launches().forEach((key, launches) -> {
            if (!keys.contains(key) || adoptable.containsKey(key)) {
                return; // not a task of this run on this executor, or a newer killed run launched it
            }
            RunJournal.Launch latest = launches.stream().filter(l -> l.runId().equals(killedRunId)).findFirst()
                    .orElse(null);
            if (latest == null || !latest.executor().equals(executor) || latest.nativeId().equals("-")) {
                return;
            }
            boolean succeeded = earlier.successes().getOrDefault(key, List.of()).stream()
                    .anyMatch(s -> s.runId().equals(killedRunId) && s.attempt() == latest.attempt());
            if (succeeded || Files.exists(TaskFiles.in(attemptDir(killedRunId, key, latest.attempt())).exitCode())) {
                return;
            }
            adoptable.put(key, latest);
            ids.add(latest.nativeId());
        });
        return ids;
    }

    @Override
    public Adoption adoption(String taskId, TaskSpec spec, ProcessRuntime process, boolean wanted) {
        if (adoptable.isEmpty()) {
            return null;
        }
        RunJournal.Launch launch = adoptable.remove(spec.key());
        if (launch == null) {
            return null;
        }
        CacheMode mode = process.effective().cache();
        if (!wanted || mode == CacheMode.OFF || !launch.executor().equals(process.effective().executor())
                || !launch.inputs().equals(RunJournal.inputsFingerprint(spec.inputs(), mode))) {
            log.info("task {}: attempt {} of run {} ({} {}) is not taken up and will be ended", taskId,
                    launch.attempt(), launch.runId(), launch.executor(), launch.nativeId());
            return new Adoption(null, launch.runId(), launch.nativeId());
        }
        Path dir = attemptDir(launch.runId(), spec.key(), launch.attempt());
        adoptedFrom.put(dir, launch.runId());
        if (!launch.inputs().equals("-")) {
            inputsAtStart.put(dir, launch.inputs());
        }
        explain(() -> "task " + taskId + " (" + spec.name() + ") is taken up: attempt " + launch.attempt() + " of run "
                + launch.runId() + ", whose host was killed, still runs as " + launch.executor() + " "
                + launch.nativeId());
        return new Adoption(prepared(taskId, spec, process, launch.attempt(), TaskFiles.in(dir)), launch.runId(),
                launch.nativeId());
    }

    @Override
    public void notReused(String taskId, TaskSpec spec, String why) {
        explain(() -> "task " + taskId + " (" + spec.name() + ") runs: " + why);
    }

    /** Why a task whose key has no success runs: which part of its key changed, when its process and params ran. */
    private String neverSucceeded(TaskSpec spec) {
        String parts = spec.keyParts();
        List<RunJournal.Success> same = earlier.byIdentity().getOrDefault(parts.split(" ")[0], List.of());
        if (same.isEmpty()) {
            return "no earlier success of process '" + spec.processName() + "' with these params in this work"
                    + " directory";
        }
        RunJournal.Success last = same.get(0);
        List<String> changed = new ArrayList<>();
        String[] now = parts.split(" ");
        String[] then = last.parts().split(" ");
        String[] names = {"", "its command or script", "its environment", "its list of input files"};
        for (int i = 1; i < Math.min(now.length, then.length); i++) {
            if (!now[i].equals(then[i])) {
                changed.add(names[i]);
            }
        }
        return (changed.isEmpty() ? "its key changed" : String.join(" and ", changed) + " changed")
                + " since it succeeded in run " + last.runId();
    }

    /** Says a line to {@code --explain}; the line is made only when someone listens. */
    private void explain(java.util.function.Supplier<String> line) {
        if (explain != null) {
            explain.accept(line.get());
        }
    }

    private static String changedSince(TaskFiles files, RunJournal.Success success, String inputsNow,
            CacheMode mode) {
        if (success.inputs() == null ? !inputsNow.equals("-") : !success.inputs().equals(inputsNow)) {
            if (success.inputs() == null) {
                return "it was recorded before input files were fingerprinted";
            }
            boolean deepThen = success.inputs().startsWith("deep:");
            if (deepThen != (mode == CacheMode.DEEP) && !success.inputs().equals("-")) {
                return "its inputs were fingerprinted by " + (deepThen ? "content" : "size and time") + " then, by "
                        + (deepThen ? "size and time" : "content") + " now (cache: " + mode.keyword() + ")";
            }
            return mode == CacheMode.DEEP ? "the contents of an input file changed since it ran, or one is missing"
                    : "an input file changed since it ran (its size or modification time), or is missing";
        }
        if (!Files.isReadable(files.exitCode())) {
            return files.exitCode().getFileName() + " is missing or cannot be read";
        }
        if (!dev.sluice.kit.ExitCodeFile.isZero(files.exitCode())) {
            return files.exitCode().getFileName() + " is no longer 0";
        }
        long out = sizeOf(files.stdout());
        if (out != success.outBytes()) {
            return files.stdout().getFileName() + " has " + out + " bytes, " + success.outBytes() + " then";
        }
        long err = sizeOf(files.stderr());
        if (err != success.errBytes()) {
            return files.stderr().getFileName() + " has " + err + " bytes, " + success.errBytes() + " then";
        }
        return null;
    }

    /** The size of a file, or -1 when there is none. */
    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /** A {@code <work>/.cache/<key>} entry, as runs before the journal recorded successes. */
    private Prepared legacyCached(String taskId, TaskSpec spec, ProcessRuntime process) {
        Path entry = workRoot.resolve(".cache").resolve(spec.key());
        try {
            if (!Files.isRegularFile(entry)) {
                return null;
            }
            List<String> lines = Files.readAllLines(entry, StandardCharsets.UTF_8);
            Path dir = Path.of(lines.get(0));
            int attempt = Integer.parseInt(lines.get(1).trim());
            TaskFiles files = TaskFiles.in(dir);
            if (!dev.sluice.kit.ExitCodeFile.isZero(files.exitCode())) {
                return null;
            }
            return prepared(taskId, spec, process, attempt, files);
        } catch (IOException | RuntimeException e) {
            // A damaged cache entry only means the task runs again.
            return null;
        }
    }

    /** Whether a launch record could not be written (said once). */
    private volatile boolean launchRecordsFailed;

    /**
     * Written at once, on the caller's thread, before the attempt starts: a record written later, in the
     * background, could miss a task that ends within milliseconds of a kill of its host, which would then
     * run twice (issue 15). One write of one line per attempt.
     */
    @Override
    public void launching(TaskProgress task) {
        String atStart = inputsAtStart.get(task.task().workDir());
        try {
            journal.writeLaunchNow(task.spec().key(), task.attempt(), task.executorName(), null,
                    atStart != null ? atStart : "-", null);
        } catch (IOException e) {
            launchRecordFailed(e);
        }
    }

    /**
     * Written and synced on the submitting thread as soon as the executor names the attempt: a batch job
     * outlives its host, even a power loss of it, and is taken up only if its id is on disk (issue 15).
     * One write and one sync per batch job, which costs far less than submitting it.
     */
    @Override
    public java.util.function.Consumer<String> launchedAs(TaskProgress task) {
        String key = task.spec().key();
        int attempt = task.attempt();
        String executor = task.executorName();
        String atStart = inputsAtStart.get(task.task().workDir());
        String inputs = atStart != null ? atStart : "-";
        String ofRun = adoptedFrom.isEmpty() ? null : adoptedFrom.get(task.task().workDir());
        return nativeId -> {
            try {
                journal.writeLaunchNow(key, attempt, executor, nativeId, inputs, ofRun);
            } catch (IOException e) {
                launchRecordFailed(e);
            }
        };
    }

    private void launchRecordFailed(IOException e) {
        if (!launchRecordsFailed) {
            launchRecordsFailed = true;
            log.warn("could not write to the run's journal {}: {}; a task that ends while its host is killed"
                    + " will run again on --resume", journal.file(), IoErrors.describe(e));
        }
    }

    @Override
    public void succeeded(TaskProgress task) {
        // Off the monitor's thread, after the .exitcode written on the same thread.
        String key = task.spec().key();
        TaskFiles files = TaskFiles.in(task.task().workDir());
        int attempt = task.attempt();
        String atStart = inputsAtStart.remove(task.task().workDir());
        String inputs = atStart != null ? atStart
                : RunJournal.inputsFingerprint(task.spec().inputs(), task.processRuntime().effective().cache());
        TaskSpec spec = task.spec();
        String ofRun = adoptedFrom.isEmpty() ? null : adoptedFrom.get(task.task().workDir());
        write(() -> journal.appendSuccess(key, attempt, sizeOf(files.stdout()), sizeOf(files.stderr()),
                inputs, spec.keyParts(), ofRun));
    }

    /**
     * Writes the journal's records gathered so far (after each batch of writes, on the writer's thread) and
     * syncs them within {@link RunJournal#SYNC_INTERVAL_NANOS} of the first write that left them unsynced,
     * even if no record follows.
     *
     * @return when to be called again if nothing is written before: 0 for not
     */
    private long writeJournal(long now) {
        try {
            syncDueNanos = syncDue(syncDueNanos, journal.flush(now), now);
        } catch (IOException e) {
            // Losing a record costs a re-run on --resume, nothing else; a sync that was due is tried again.
            log.warn("could not write the run's journal {}: {}; tasks that succeeded since the last write will run"
                    + " again on --resume", journal.file(), IoErrors.describe(e));
        }
        return syncDueNanos;
    }

    /**
     * When records left unsynced are to be synced: at the time already set, else an interval from now (a
     * time that moved with each batch would put the sync off as long as batches come); 0 when none wait.
     */
    static long syncDue(long due, boolean unsynced, long now) {
        return !unsynced ? 0 : due != 0 ? due : now + RunJournal.SYNC_INTERVAL_NANOS;
    }

    /** Hands a write to the writer; one it refuses (closed, or stopped) is not made, which is said once. */
    private void write(Runnable write) {
        if (!writer.execute(write) && !writesRefused) {
            writesRefused = true;
            log.warn("the writer of exit codes and journal records has stopped: later ones are not written, and"
                    + " their tasks may run again on --resume");
        }
    }

    @Override
    public void ended(TaskFiles files, int exitCode) {
        // Called before succeeded() on the same thread; a failed attempt's fingerprint is not needed.
        if (exitCode != 0) {
            inputsAtStart.remove(files.exitCode().getParent());
        }
        write(() -> writeExitCode(files.exitCode(), exitCode));
    }

    /**
     * Created in place rather than moved into place as {@code AtomicFiles} does (a temporary file, a link
     * and an unlink more per task): nothing polls it once the end is known, and a file cut short by a
     * crash reads as no exit code, as a missing one does. A file the task's script wrote wins.
     */
    private static void writeExitCode(Path file, int exitCode) {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write((exitCode + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (FileAlreadyExistsException written) {
            // The script recorded its own end.
        } catch (IOException e) {
            log.warn("could not write the exit code {} to {}: {}",
                    exitCode, file, IoErrors.describe(e));
        }
    }

    /** Waits until every success has been recorded for --resume. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!writer.close(Duration.ofMinutes(1))) {
                log.warn("not every exit code and --resume record could be written before the run's end; some"
                        + " tasks will run again on --resume");
                if (writer.running()) {
                    return; // still writing: the journal is its thread's
                }
            }
            journal.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("could not write the run's journal {}: {}; some tasks will run again on --resume", journal.file(),
                    IoErrors.describe(e));
        }
    }

    private Task task(String taskId, TaskSpec spec, EffectiveProcess process, int attempt, Path dir,
            List<String> argv) {
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        env.put("SLUICE_RUN_ID", runId);
        env.put("SLUICE_TASK_ID", taskId);
        env.put("SLUICE_TASK_ATTEMPT", Integer.toString(attempt));
        return new Task(taskId, spec.key(), spec.processName(), spec.name(), attempt, argv, env,
                spec.resources(), dir, spec.inputs(), Hints.of(spec.hints(), process.origin()), spec.params(),
                process.executor());
    }

    static String sha256(String text) {
        return HexFormat.of().formatHex(Sha256.newDigest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
