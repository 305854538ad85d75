package dev.sluice.kit.batch;

import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskLaunch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one batch scheduler says and understands: the hooks a {@link BatchExecutor} needs to drive
 * Slurm, PBS, LSF or HTCondor. Each hook builds a command line or reads a command's output; none runs
 * anything, keeps state or waits, so a scheduler is a small class that its tests can check line by line.
 *
 * <p>Commands are argument vectors whose first element is the program's bare name ({@code sbatch}); the
 * executor runs it from the operator's {@code binDir} or the PATH, with the command timeout, and counts
 * it in the plugin's metrics. Lists of job ids come in batches of at most {@link BatchExecutor#BATCH}.
 */
public interface BatchScheduler {

    // ---- words ---------------------------------------------------------------------------------------

    /** The scheduler's name as users know it, for messages: {@code Slurm}. */
    String displayName();

    /**
     * What to install when one of its commands is missing, e.g. {@code install Slurm's client commands
     * (Debian: slurm-client)}; the executor adds that {@code binDir} may point at them instead.
     */
    String installHint();

    /**
     * The message when the status command fails at start, with what it said: that the scheduler does not
     * answer, and where to look, e.g. {@code the Slurm controller does not answer: <said>; start slurmctld}.
     */
    String notAnswering(String said);

    /** The programs the executor cannot work without, checked at start: submit, status and cancel. */
    List<String> requiredPrograms();

    // ---- submitting ----------------------------------------------------------------------------------

    /** What starts a directive line in the script: {@code #SBATCH}, {@code #PBS}, {@code #BSUB}. */
    String directivePrefix();

    /**
     * The directives of a task's script, without the prefix: the job's name (which must be
     * {@code jobName}, so that one status query finds every job of the run), its log file
     * ({@link JobScript#LOG} in the work directory), its resources and the operator's options. When the
     * task has a time limit and the scheduler can warn ahead, ask for {@code SIGUSR1} to the batch shell
     * {@code signalBeforeTimeLimit} ahead: the script then ends the task and its end reads as a timeout.
     *
     * @throws TaskException when a hint or the task's resources cannot be said to this scheduler
     */
    List<String> directives(TaskLaunch launch, String jobName) throws TaskException;

    /** The command that submits {@code script} and prints the job's id. */
    List<String> submitCommand(Path script);

    /** The job id in the submit command's output, or empty when there is none. */
    Optional<String> jobId(String submitOutput);

    /** Whether a failed command's words say the scheduler is only briefly unavailable, so trying again may work. */
    boolean isTransient(String message);

    /** What to add to a refused submission's message so the user knows which setting to change; empty for nothing. */
    default String refusalHint(TaskLaunch launch, String message) {
        return "";
    }

    // ---- status --------------------------------------------------------------------------------------

    /** The one command that shows every job named {@code jobName} (of this user), in any state. */
    List<String> statusCommand(String jobName);

    /** The status command's output, by job id; lines it cannot read are left out. */
    Map<String, JobRow> parseStatus(String output);

    /**
     * The command that asks the scheduler's accounting about jobs that left the queue, or empty when
     * it keeps none; those jobs are then judged by their exit-code files alone.
     */
    default Optional<List<String>> accountingCommand(List<String> ids) {
        return Optional.empty();
    }

    /** The accounting command's output, by job id. */
    default Map<String, JobRow> parseAccounting(String output) {
        return Map.of();
    }

    /**
     * Why a queued job with this reason will never start without someone changing it or the cluster,
     * or empty when it may still start. Such a job fails at once with the explanation and is cancelled.
     */
    default Optional<String> neverStarts(String reason) {
        return Optional.empty();
    }

    // ---- ending jobs ---------------------------------------------------------------------------------

    /**
     * Asks running jobs to stop: SIGTERM to their batch shells, which pass it on to the tasks
     * ({@code scancel --batch --signal=TERM}). Queued jobs are cancelled with {@link #cancelCommand} instead.
     */
    List<String> terminateCommand(List<String> ids);

    /** Ends jobs at once, queued or running: {@code scancel ID...}. */
    List<String> cancelCommand(List<String> ids);

    /**
     * Kills running jobs' tasks now, when their grace has passed: SIGUSR2 to their batch shells
     * ({@code scancel --batch --signal=USR2}), on which the script sends SIGKILL to the task's whole
     * process group and ends, so that the scheduler's own wait between its SIGTERM and SIGKILL (Slurm's
     * {@code KillWait}) does not add a second grace to the host's. The default cancels them with
     * {@link #cancelCommand}.
     */
    default List<String> forceCommand(List<String> ids) {
        return cancelCommand(ids);
    }

    /** Ends every job named {@code jobName} of this user, for what a run leaves behind (a lost submit answer). */
    List<String> cancelRunCommand(String jobName);

    /** Whether a failed cancel's words only say that the jobs had ended already, which is no failure. */
    default boolean alreadyEnded(String message) {
        return false;
    }

    /** A command of {@code head} (program and options) followed by job ids, for the commands that take many. */
    static List<String> withIds(List<String> head, List<String> ids) {
        List<String> argv = new ArrayList<>(head.size() + ids.size());
        argv.addAll(head);
        argv.addAll(ids);
        return List.copyOf(argv);
    }
}
