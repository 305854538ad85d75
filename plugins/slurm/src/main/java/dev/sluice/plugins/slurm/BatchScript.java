package dev.sluice.plugins.slurm;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskLaunch;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The batch script of one task attempt: {@code #SBATCH} directives derived from the task, then a body
 * that runs the (wrapped) command with its output in the task's files, forwards the scheduler's
 * signals to it, writes its exit status to the exit-code file as its last act and, when the host's
 * endpoint is on, reports that status to it.
 */
final class BatchScript {
    /** The script, in the task's work directory; only its owner may read it, since it holds the run's token. */
    static final String FILE = ".command.run";
    /** Where Slurm writes the batch step's own output (its messages, not the task's). */
    static final String LOG = ".command.log";
    /** Created by the script when Slurm warned that the time limit is near, so that the end reads as a timeout. */
    static final String TIME_LIMIT_MARKER = ".command.timelimit";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** How a task asks for GPUs. */
    enum GpuDirective { gres, gpus }

    /**
     * What a job is submitted with besides the task's own resources.
     *
     * @param partition {@code --partition}, or empty
     * @param account   {@code --account}, or empty
     * @param qos       {@code --qos}, or empty
     * @param options   further sbatch options, the operator's then the process's
     */
    record JobOptions(String partition, String account, String qos, List<String> options, GpuDirective gpus) {
    }

    private BatchScript() {
    }

    /** The {@code #SBATCH} options of a task, in the order they appear in the script. */
    static List<String> directives(TaskLaunch launch, String jobName, JobOptions job, Duration signalBeforeTimeLimit) {
        Resources res = launch.task().resources();
        List<String> d = new ArrayList<>();
        d.add("--job-name=" + jobName);
        d.add("--chdir=" + launch.files().workDir());
        d.add("--output=" + launch.files().workDir().resolve(LOG));
        d.add("--nodes=1");
        d.add("--ntasks=1");
        d.add("--cpus-per-task=" + res.cpus());
        if (res.memoryBytes() > 0) {
            d.add("--mem=" + ceilDiv(res.memoryBytes(), 1024L * 1024) + "M");
        }
        res.timeLimit().ifPresent(limit -> {
            d.add("--time=" + slurmTime(limit));
            long lead = Math.min(signalBeforeTimeLimit.toSeconds(), limit.toSeconds() / 2);
            if (lead > 0) {
                // To the batch shell only (B:), which forwards SIGTERM to the task and notes why.
                d.add("--signal=B:USR1@" + lead);
            }
        });
        if (res.accelerators() > 0) {
            String type = res.acceleratorType() == null || res.acceleratorType().isBlank() ? ""
                    : res.acceleratorType() + ":";
            d.add(job.gpus() == GpuDirective.gpus ? "--gpus=" + type + res.accelerators()
                    : "--gres=gpu:" + type + res.accelerators());
        }
        if (!job.partition().isEmpty()) {
            d.add("--partition=" + job.partition());
        }
        if (!job.account().isEmpty()) {
            d.add("--account=" + job.account());
        }
        if (!job.qos().isEmpty()) {
            d.add("--qos=" + job.qos());
        }
        d.addAll(job.options());
        return d;
    }

    /** The whole script. */
    static String render(TaskLaunch launch, List<String> directives, Optional<CallbackEndpoint> callback) {
        LaunchCommand command = launch.command();
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        for (String directive : directives) {
            s.append("#SBATCH ").append(directive).append('\n');
        }
        s.append("# Written by sluice for task '").append(oneLine(launch.task().name())).append("' (attempt ")
                .append(launch.task().attempt()).append(").\n");
        s.append("# Runs the task, passes Slurm's signals on to it and writes its exit status as its last act.\n");
        s.append("set -u\n");
        s.append("cd ").append(quote(command.workDir().toString())).append(" || exit 1\n");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(command.environment()).entrySet()) {
            if (ENV_NAME.matcher(e.getKey()).matches()) {
                s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
            }
        }
        String exitFile = launch.files().exitCode().toString();
        String marker = launch.files().workDir().resolve(TIME_LIMIT_MARKER).toString();
        s.append(String.join(" ", command.argv().stream().map(BatchScript::quote).toList()))
                .append(" >").append(quote(launch.files().stdout().toString()))
                .append(" 2>").append(quote(launch.files().stderr().toString())).append(" </dev/null &\n");
        s.append("sluice_pid=$!\n");
        s.append("trap 'kill -TERM \"$sluice_pid\" 2>/dev/null' TERM INT\n");
        s.append("trap ': >").append(quote(marker).replace("'", "'\\''"))
                .append("; kill -TERM \"$sluice_pid\" 2>/dev/null' USR1\n");
        // A trapped signal interrupts wait; wait again until the task has really ended. Bash keeps a
        // reaped child's status, so the last wait returns it.
        s.append("wait \"$sluice_pid\"; sluice_status=$?\n");
        s.append("while kill -0 \"$sluice_pid\" 2>/dev/null; do wait \"$sluice_pid\"; sluice_status=$?; done\n");
        s.append("wait \"$sluice_pid\" 2>/dev/null; sluice_last=$?\n");
        s.append("[ \"$sluice_last\" -ne 127 ] && sluice_status=$sluice_last\n");
        s.append("printf '%s\\n' \"$sluice_status\" >").append(quote(exitFile + ".tmp")).append(" && mv -f ")
                .append(quote(exitFile + ".tmp")).append(' ').append(quote(exitFile)).append('\n');
        callback.ifPresent(endpoint -> appendCallback(s, endpoint));
        s.append("exit \"$sluice_status\"\n");
        return s.toString();
    }

    /** Reports the exit status to the host: curl when the node has it, else bash's own /dev/tcp. */
    private static void appendCallback(StringBuilder s, CallbackEndpoint endpoint) {
        URI url = endpoint.url();
        String hostPort = url.getHost() + ":" + url.getPort();
        s.append("sluice_callback() {\n");
        s.append("    if command -v curl >/dev/null 2>&1; then\n");
        // The token goes in through stdin, so that it never shows in the node's process list.
        s.append("        printf 'Authorization: Bearer %s\\n' ").append(quote(endpoint.token()))
                .append(" | curl -fsS -m 5 -o /dev/null -H @- --data-binary \"$1\" ")
                .append(quote(url.toString() + "/")).append("\"$SLURM_JOB_ID\"\n");
        s.append("        return\n");
        s.append("    fi\n");
        s.append("    exec 3<>").append(quote("/dev/tcp/" + url.getHost() + "/" + url.getPort()))
                .append(" || return\n");
        s.append("    printf 'POST %s/%s HTTP/1.0\\r\\nHost: %s\\r\\nAuthorization: Bearer %s\\r\\n");
        s.append("Content-Length: %s\\r\\n\\r\\n%s' ").append(quote(url.getPath())).append(" \"$SLURM_JOB_ID\" ")
                .append(quote(hostPort)).append(' ').append(quote(endpoint.token())).append(" \"${#1}\" \"$1\" >&3\n");
        s.append("    read -r -t 5 _ <&3\n");
        s.append("    exec 3<&- 3>&-\n");
        s.append("}\n");
        s.append("sluice_callback \"$sluice_status\" 2>/dev/null || true\n");
    }

    /** Slurm's {@code D-HH:MM:SS}, rounded up to the second. */
    static String slurmTime(Duration d) {
        long total = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        long days = total / 86_400;
        long rest = total % 86_400;
        return String.format("%d-%02d:%02d:%02d", days, rest / 3600, rest % 3600 / 60, rest % 60);
    }

    /** Single-quoted for bash. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
