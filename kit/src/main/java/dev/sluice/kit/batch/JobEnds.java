package dev.sluice.kit.batch;

import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * How a job's end reads to the user. The exit-code file the script writes as its last act is the
 * truth; the scheduler's word for the end is what is left when no file appears within the grace. Every
 * message names the job, what the scheduler said and the setting or file to look at.
 */
final class JobEnds {
    private final String executor;
    private final BatchScheduler scheduler;
    private final BatchSettings settings;
    private final TimeSource time;
    private final Logger log;

    JobEnds(String executor, BatchScheduler scheduler, BatchSettings settings, TimeSource time, Logger log) {
        this.executor = executor;
        this.scheduler = scheduler;
        this.settings = settings;
        this.time = time;
        this.log = log;
    }

    /** The exit status the script wrote, if the file is there and whole. */
    static Optional<Integer> readExitCode(BatchJob job) {
        return dev.sluice.kit.ExitCodeFile.read(job.launch.files().exitCode());
    }

    /** The end of a job whose exit code is known; a timeout when the script had the time-limit warning. */
    TaskStatus fromExitCode(BatchJob job, int code, String source) {
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
        if (Files.exists(job.launch.files().workDir().resolve(JobScript.TIME_LIMIT_MARKER))) {
            return TaskStatus.ended(TaskStatus.State.TIMEOUT, "the task reached its time limit" + timeLimit(job)
                    + ": " + scheduler.displayName() + " warned " + Units.formatDuration(settings.signalBeforeTimeLimit())
                    + " ahead and the task was sent SIGTERM (" + key("signalBeforeTimeLimit") + ")", code,
                    job.startedAt, end);
        }
        return TaskStatus.completed(code, job.startedAt, end);
    }

    /**
     * The end the scheduler's state gives a job that wrote no exit code, or empty while one may still
     * come ({@link JobState#FINISHING}; {@link JobState#EXITED} within the grace).
     */
    Optional<TaskStatus> fromState(BatchJob job, JobRow row, long now) {
        String name = scheduler.displayName();
        Instant end = row.end() != null ? row.end() : time.now();
        return switch (row.state()) {
            case QUEUED, RUNNING, FINISHING -> Optional.empty();
            case EXITED -> awaitExitCode(job, now, name + " reports job " + job.id + " " + row.nativeState()
                    + row.reasonNote());
            case TIMED_OUT -> ended(TaskStatus.State.TIMEOUT, name + " ended job " + job.id + " at its time limit"
                    + timeLimit(job) + row.reasonNote(), job, end);
            case OUT_OF_MEMORY -> ended(TaskStatus.State.OUT_OF_MEMORY, name + " ended job " + job.id
                    + " for using more memory than it asked for" + memoryNote(job), job, end);
            case NODE_FAILED -> ended(TaskStatus.State.NODE_FAILURE, name + " ended job " + job.id + ": "
                    + row.nativeState() + row.reasonNote() + (row.nodes().isEmpty() ? "" : " on " + row.nodes()),
                    job, end);
            case CANCELLED -> ended(TaskStatus.State.CANCELLED, "job " + job.id + " was cancelled in " + name
                    + (job.endRequested ? "" : " (not by sluice: " + SchedulerCommands.programName(
                            scheduler.cancelCommand(List.of(job.id))) + "?)") + row.reasonNote(), job, end);
            case FAILED -> ended(TaskStatus.State.FAILED, name + " ended job " + job.id + ": " + row.nativeState()
                    + row.reasonNote(), job, end);
        };
    }

    /** A job that left the queue with no exit code yet: given the grace too, then failed. */
    Optional<TaskStatus> vanished(BatchJob job, long now) {
        return awaitExitCode(job, now, "job " + job.id + " left " + scheduler.displayName() + "'s queue");
    }

    /** A queued job the scheduler will never start: failed at once, with why, and (by the caller) cancelled. */
    TaskStatus neverStarts(BatchJob job, JobRow row, String why) {
        return TaskStatus.ended(TaskStatus.State.FAILED, scheduler.displayName() + " will not start job " + job.id
                + ": it is pending with reason " + row.reason() + " (" + why + "); the job was cancelled. Task "
                + "resources: " + job.launch.task().resources(), null, null, time.now());
    }

    /** The job ended without an exit code yet: wait for it within the grace, then fail with what is known. */
    private Optional<TaskStatus> awaitExitCode(BatchJob job, long now, String what) {
        if (job.endSeenNanos < 0) {
            job.endSeenNanos = now;
        }
        if (now - job.endSeenNanos < settings.exitCodeGrace().toNanos()) {
            return Optional.empty();
        }
        return Optional.of(TaskStatus.ended(TaskStatus.State.FAILED, what + " but no exit code appeared in "
                + job.launch.files().exitCode() + " within " + Units.formatDuration(settings.exitCodeGrace())
                + " (" + key("exitCodeGrace") + ")" + logTail(job), null, job.startedAt, time.now()));
    }

    private static Optional<TaskStatus> ended(TaskStatus.State state, String reason, BatchJob job, Instant end) {
        return Optional.of(TaskStatus.ended(state, reason, null, job.startedAt, end));
    }

    private String key(String setting) {
        return "executors." + executor + "." + setting;
    }

    private static String timeLimit(BatchJob job) {
        return job.launch.task().resources().timeLimit().map(t -> " of " + Units.formatDuration(t)).orElse("");
    }

    private static String memoryNote(BatchJob job) {
        long memory = job.launch.task().resources().memoryBytes();
        return memory > 0 ? " (resources.memory " + Units.formatSize(memory) + ")" : " (no memory was asked for: "
                + "set resources.memory; the partition's default applied)";
    }

    /** The last lines of the job's scheduler log, which has the batch step's own errors. */
    private static String logTail(BatchJob job) {
        Path log = job.launch.files().workDir().resolve(JobScript.LOG);
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return "; " + log + " is empty";
            }
            return "; " + log + " ends with: " + String.join(" / ", lines.subList(Math.max(0, lines.size() - 3),
                    lines.size())).strip();
        } catch (NoSuchFileException e) {
            return "; " + log + " does not exist either";
        } catch (IOException e) {
            return "; " + log + " cannot be read either: " + e.getMessage();
        }
    }
}
