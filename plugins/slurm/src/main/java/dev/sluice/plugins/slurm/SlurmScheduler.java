package dev.sluice.plugins.slurm;

import dev.sluice.kit.batch.BatchScheduler;
import dev.sluice.kit.batch.JobRow;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskLaunch;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Slurm's side of the batch executor: {@code sbatch --parsable} to submit, one {@code squeue} per
 * round for every job of the run, {@code sacct} for jobs that left the queue, {@code scancel} to end
 * jobs, and what their output and messages mean.
 */
final class SlurmScheduler implements BatchScheduler {
    /** squeue's fields: job id, state, reason, start, end, nodes. */
    static final String SQUEUE_FORMAT = "%i|%T|%r|%S|%e|%N";
    /** sbatch messages that mean "try again later" rather than "this job is wrong". */
    private static final Pattern TRANSIENT = Pattern.compile("(?i)unable to contact slurm controller|socket timed out"
            + "|temporarily unavailable|try again|connection refused|transport endpoint|zero bytes were transmitted"
            + "|slurmctld.*not responding|communication connection failure|did not answer within");
    private static final Pattern JOB_ID = Pattern.compile("\\d+");

    private final SlurmSettings settings;
    private final String user = System.getProperty("user.name");

    SlurmScheduler(SlurmSettings settings) {
        this.settings = settings;
    }

    // ---- words and programs ----------------------------------------------------------------------

    @Override
    public String displayName() {
        return "Slurm";
    }

    @Override
    public String installHint() {
        return "install Slurm's client commands (Debian: slurm-client)";
    }

    @Override
    public String notAnswering(String said) {
        return "the Slurm controller does not answer: " + said + "; start slurmctld, or check that this machine's "
                + "slurm.conf names the right controller";
    }

    @Override
    public List<String> requiredPrograms() {
        return List.of("sbatch", "squeue", "scancel");
    }

    // ---- submitting ------------------------------------------------------------------------------

    @Override
    public String directivePrefix() {
        return "#SBATCH";
    }

    @Override
    public List<String> directives(TaskLaunch launch, String jobName) throws TaskException {
        return BatchScript.directives(launch, jobName, jobOptions(launch.task()),
                settings.batch().signalBeforeTimeLimit());
    }

    /** Checks a process's {@code slurm/} hints: their names, and the options the executor sets itself. */
    static void validate(Hints hints) {
        hints.requireKnown(SlurmExecutor.NAME, SlurmExecutor.HINTS);
        SbatchOptions.parse(hints, Hints.key(SlurmExecutor.NAME, "options"));
    }

    /** The task's partition, account, QOS and options: its hints over the operator's settings. */
    private BatchScript.JobOptions jobOptions(TaskHandle task) throws TaskException {
        Hints hints = task.hints();
        try {
            validate(hints);
            List<String> extra = new ArrayList<>(settings.options());
            extra.addAll(SbatchOptions.parse(hints, Hints.key(SlurmExecutor.NAME, "options")));
            return new BatchScript.JobOptions(
                    hints.string(Hints.key(SlurmExecutor.NAME, "partition"), settings.partition()).strip(),
                    hints.string(Hints.key(SlurmExecutor.NAME, "account"), settings.account()).strip(),
                    hints.string(Hints.key(SlurmExecutor.NAME, "qos"), settings.qos()).strip(), extra,
                    settings.gpuDirective());
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage(), e);
        }
    }

    @Override
    public List<String> submitCommand(Path script) {
        return List.of("sbatch", "--parsable", script.toString());
    }

    /** {@code --parsable} prints the id, and {@code ;cluster} on a federation. */
    @Override
    public Optional<String> jobId(String submitOutput) {
        String out = submitOutput.strip();
        String id = out.contains(";") ? out.substring(0, out.indexOf(';')) : out;
        return JOB_ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
    }

    @Override
    public boolean isTransient(String message) {
        return TRANSIENT.matcher(message).find();
    }

    /** Where the value Slurm refused came from, so the user knows what to change. */
    @Override
    public String refusalHint(TaskLaunch launch, String message) {
        String msg = message.toLowerCase();
        String partition = launch.task().hints().string(Hints.key(SlurmExecutor.NAME, "partition"),
                settings.partition()).strip();
        if (msg.contains("partition") && !partition.isEmpty()) {
            return " (partition '" + partition + "' comes from the slurm/partition hint or "
                    + "executors.slurm.partition; sinfo lists the cluster's partitions)";
        }
        if (msg.contains("node configuration is not available") || msg.contains("memory specification")) {
            return " (no node of the partition has what the task's resources ask for; sinfo -o '%P %c %m' shows "
                    + "what they have)";
        }
        return "";
    }

    // ---- status ----------------------------------------------------------------------------------

    @Override
    public List<String> statusCommand(String jobName) {
        return List.of("squeue", "--noheader", "--states=all", "--name=" + jobName, "--user=" + user,
                "--format=" + SQUEUE_FORMAT);
    }

    @Override
    public Map<String, JobRow> parseStatus(String output) {
        return parseRows(output);
    }

    @Override
    public Optional<List<String>> accountingCommand(List<String> ids) {
        return Optional.of(List.of("sacct", "--noheader", "--parsable2", "--jobs=" + String.join(",", ids),
                "--format=JobIDRaw,State,Reason,Start,End,NodeList"));
    }

    /** sacct's rows have squeue's fields; a job's steps ({@code 123.batch}) are other ids and not asked about. */
    @Override
    public Map<String, JobRow> parseAccounting(String output) {
        return parseRows(output);
    }

    /** Rows of {@code id|state|reason|start|end|nodes}; sacct's "CANCELLED by 1000" is CANCELLED. */
    static Map<String, JobRow> parseRows(String output) {
        Map<String, JobRow> rows = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 6 || f[0].isEmpty()) {
                continue;
            }
            String state = f[1].strip().split("\\s+")[0];
            String reason = f[2].strip();
            rows.put(f[0], new JobRow(f[0], SlurmStates.meaning(state), state, "None".equals(reason) ? "" : reason,
                    parseTime(f[3]), parseTime(f[4]), f[5].strip()));
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

    @Override
    public Optional<String> neverStarts(String reason) {
        return Optional.ofNullable(SlurmStates.NEVER_STARTS.get(reason));
    }

    // ---- ending jobs -----------------------------------------------------------------------------

    /** To the batch shell only, which passes SIGTERM on to the task and waits for its end. */
    @Override
    public List<String> terminateCommand(List<String> ids) {
        return BatchScheduler.withIds(List.of("scancel", "--batch", "--signal=TERM"), ids);
    }

    @Override
    public List<String> cancelCommand(List<String> ids) {
        return BatchScheduler.withIds(List.of("scancel"), ids);
    }

    /**
     * SIGUSR2 to the batch shell, which kills the task's process group at once: a plain {@code scancel}
     * would send SIGTERM again and wait the cluster's {@code KillWait} before SIGKILL.
     */
    @Override
    public List<String> forceCommand(List<String> ids) {
        return BatchScheduler.withIds(List.of("scancel", "--batch", "--signal=USR2"), ids);
    }

    @Override
    public List<String> cancelRunCommand(String jobName) {
        return List.of("scancel", "--name=" + jobName, "--user=" + user);
    }

    /** scancel complains about jobs that have just ended; that is not a failure to cancel. */
    @Override
    public boolean alreadyEnded(String message) {
        String msg = message.toLowerCase();
        return msg.contains("already completed") || msg.contains("invalid job id");
    }
}
