package dev.sluice.host.run;

import dev.sluice.host.task.Task;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.kit.AtomicFiles;
import dev.sluice.kit.IoErrors;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.monitor.ProcessRuntime;
import dev.sluice.host.monitor.TaskPreparer;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.spi.Hints;
import dev.sluice.spi.TaskFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Lays out work directories: one per task attempt, {@code <work>/<ab>/<cdef...>}, named by a hash of
 * the run, the task's key and the attempt, holding {@code .command.sh} (for scripts),
 * {@code .command.out}, {@code .command.err} and {@code .exitcode}. A task that succeeded is recorded
 * under {@code <work>/.cache/<key>} so that {@code --resume} can reuse it in a later run.
 */
public final class WorkDirs implements TaskPreparer {
    private final Path workRoot;
    private final String runId;
    /** Writes exit codes and --resume records in order, on one thread of its own. */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("sluice-work-writer").daemon().factory());

    public WorkDirs(Path workRoot, String runId) {
        this.workRoot = workRoot.toAbsolutePath().normalize();
        this.runId = runId;
    }

    public Path root() {
        return workRoot;
    }

    @Override
    public Prepared prepare(String taskId, TaskSpec spec, ProcessRuntime process, int attempt) throws IOException {
        String hash = sha256(runId + "\n" + spec.key() + "\n" + attempt);
        Path dir = workRoot.resolve(hash.substring(0, 2)).resolve(hash.substring(2, 32));
        Files.createDirectories(dir);
        TaskFiles files = TaskFiles.in(dir);
        List<String> argv;
        if (spec.script() != null) {
            Files.writeString(files.script(), spec.script().endsWith("\n") ? spec.script() : spec.script() + "\n",
                    StandardCharsets.UTF_8);
            argv = List.of("/bin/sh", "-eu", files.script().toString());
        } else {
            argv = spec.argv();
        }
        return new Prepared(task(taskId, spec, process.effective(), attempt, dir, argv), files);
    }

    @Override
    public Prepared cached(String taskId, TaskSpec spec, ProcessRuntime process) {
        Path entry = cacheEntry(spec);
        try {
            if (!Files.isRegularFile(entry)) {
                return null;
            }
            List<String> lines = Files.readAllLines(entry, StandardCharsets.UTF_8);
            Path dir = Path.of(lines.get(0));
            int attempt = Integer.parseInt(lines.get(1).trim());
            TaskFiles files = TaskFiles.in(dir);
            if (!Files.isRegularFile(files.exitCode())
                    || !Files.readString(files.exitCode(), StandardCharsets.UTF_8).trim().equals("0")) {
                return null;
            }
            List<String> argv = spec.script() != null
                    ? List.of("/bin/sh", "-eu", files.script().toString()) : spec.argv();
            return new Prepared(task(taskId, spec, process.effective(), attempt, dir, argv), files);
        } catch (IOException | RuntimeException e) {
            // A damaged cache entry only means the task runs again.
            return null;
        }
    }

    @Override
    public void succeeded(TaskProgress task) {
        // Off the monitor's thread: a few file operations per task would otherwise delay submissions.
        Path entry = cacheEntry(task.spec());
        Path workDir = task.task().workDir();
        int attempt = task.attempt();
        String id = task.id();
        writer.execute(() -> writeCacheEntry(entry, workDir, attempt, id));
    }

    @Override
    public void ended(TaskFiles files, int exitCode) {
        writer.execute(() -> writeExitCode(files.exitCode(), exitCode));
    }

    private static void writeExitCode(Path file, int exitCode) {
        try {
            AtomicFiles.writeIfAbsent(file, exitCode + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(WorkDirs.class).warn("could not write the exit code {} to {}: {}",
                    exitCode, file, IoErrors.describe(e));
        }
    }

    private static void writeCacheEntry(Path entry, Path workDir, int attempt, String taskId) {
        try {
            Files.createDirectories(entry.getParent());
            Path tmp = Files.createTempFile(entry.getParent(), ".entry", ".tmp");
            Files.writeString(tmp, workDir + "\n" + attempt + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, entry, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Losing a cache entry costs a re-run on --resume, nothing else.
            org.slf4j.LoggerFactory.getLogger(WorkDirs.class).warn("could not record task {} for --resume: {}",
                    taskId, e.toString());
        }
    }

    /** Waits until every success has been recorded for --resume. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(1, TimeUnit.MINUTES)) {
                org.slf4j.LoggerFactory.getLogger(WorkDirs.class).warn(
                        "gave up waiting for exit codes and --resume records to be written; some tasks will run "
                        + "again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Path cacheEntry(TaskSpec spec) {
        return workRoot.resolve(".cache").resolve(spec.key());
    }

    private Task task(String taskId, TaskSpec spec, EffectiveProcess process, int attempt, Path dir,
            List<String> argv) {
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        env.put("SLUICE_RUN_ID", runId);
        env.put("SLUICE_TASK_ID", taskId);
        env.put("SLUICE_TASK_ATTEMPT", Integer.toString(attempt));
        return new Task(taskId, spec.key(), spec.processName(), spec.name(), attempt, argv, env,
                process.resources(), dir, spec.inputs(), Hints.of(spec.hints(), process.origin()), spec.params(),
                process.executor());
    }

    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
