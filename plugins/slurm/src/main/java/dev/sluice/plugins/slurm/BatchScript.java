package dev.sluice.plugins.slurm;

import dev.sluice.kit.batch.JobScript;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskLaunch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code #SBATCH} directives of one task attempt's batch script, derived from the task and the
 * operator's options; the kit's {@link JobScript} writes the script around them.
 */
final class BatchScript {
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
        d.add("--output=" + launch.files().workDir().resolve(JobScript.LOG));
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

    /** Slurm's {@code D-HH:MM:SS}, rounded up to the second. */
    static String slurmTime(Duration d) {
        long total = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        long days = total / 86_400;
        long rest = total % 86_400;
        return String.format("%d-%02d:%02d:%02d", days, rest / 3600, rest % 3600 / 60, rest % 60);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
