package dev.sluice.plugins.slurm;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator's {@code executors.slurm} settings: where Slurm's commands are, what every job is
 * submitted with, and how the executor polls.
 *
 * @param binDir                where sbatch, squeue, scancel and sacct are; empty for the PATH
 * @param partition             {@code --partition} of every job, unless a process's hint says otherwise
 * @param account               {@code --account}, likewise
 * @param qos                   {@code --qos}, likewise
 * @param options               further sbatch options for every job, e.g. {@code --constraint=avx2}
 * @param pollInterval          the shortest time between two squeue calls (the host's poll interval)
 * @param maxPollInterval       the longest, reached while nothing changes
 * @param commandTimeout        how long one Slurm command may take
 * @param submitRetries         how often a submission that failed for a passing reason is tried again
 * @param submitConcurrency     how many sbatch calls may run at once
 * @param exitCodeGrace         how long a job that left the queue may take to show its exit-code file
 *                              (shared file systems are slow to show another node's writes)
 * @param signalBeforeTimeLimit how long before its time limit a task gets SIGTERM
 * @param callback              whether jobs call back to the host's endpoint when it is on
 * @param gpuDirective          how a task asks for its GPUs: {@code --gres=gpu:N} or {@code --gpus=N}
 */
record SlurmSettings(Optional<Path> binDir, String partition, String account, String qos, List<String> options,
        Duration pollInterval, Duration maxPollInterval, Duration commandTimeout, int submitRetries,
        int submitConcurrency, Duration exitCodeGrace, Duration signalBeforeTimeLimit, boolean callback,
        BatchScript.GpuDirective gpuDirective) {

    /** The keys of {@code executors.slurm}, the host's own (queueSize, submitRateLimit, pollInterval) included. */
    static final Set<String> KEYS = new TreeSet<>(List.of("queueSize", "submitRateLimit", "pollInterval",
            "maxPollInterval", "binDir", "partition", "account", "qos", "options", "commandTimeout", "submitRetries",
            "submitConcurrency", "exitCodeGrace", "signalBeforeTimeLimit", "callback", "gpuDirective"));

    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** @throws InvalidSettingException naming the key, the value and the fix */
    static SlurmSettings from(Settings config) {
        for (String key : config.keys()) {
            if (!KEYS.contains(key)) {
                throw config.invalid(key, config.string(key, ""), "not a setting of the slurm executor; it knows "
                        + String.join(", ", KEYS));
            }
        }
        Duration poll = config.duration("pollInterval", DEFAULT_POLL_INTERVAL);
        Duration maxPoll = config.duration("maxPollInterval", Duration.ofSeconds(30));
        if (maxPoll.compareTo(poll) < 0) {
            throw config.invalid("maxPollInterval", config.string("maxPollInterval", ""),
                    "shorter than pollInterval (" + config.string("pollInterval", "1s") + "); make it at least that");
        }
        Duration timeout = positive(config, "commandTimeout", Duration.ofSeconds(30));
        int retries = config.integer("submitRetries", 3);
        if (retries < 0) {
            throw config.invalid("submitRetries", String.valueOf(retries), "must not be negative; 0 tries once");
        }
        int concurrency = config.integer("submitConcurrency", 4);
        if (concurrency < 1) {
            throw config.invalid("submitConcurrency", String.valueOf(concurrency), "must be at least 1");
        }
        Duration grace = config.duration("exitCodeGrace", Duration.ofSeconds(60));
        Duration signal = config.duration("signalBeforeTimeLimit", Duration.ofSeconds(60));
        BatchScript.GpuDirective gpus;
        try {
            gpus = BatchScript.GpuDirective.valueOf(config.string("gpuDirective", "gres").strip());
        } catch (IllegalArgumentException e) {
            throw config.invalid("gpuDirective", config.string("gpuDirective", ""), "write gres (--gres=gpu:N) "
                    + "or gpus (--gpus=N)");
        }
        Optional<Path> binDir = config.string("binDir").map(String::strip).filter(s -> !s.isEmpty()).map(Path::of);
        return new SlurmSettings(binDir, config.string("partition", "").strip(), config.string("account", "").strip(),
                config.string("qos", "").strip(), SbatchOptions.parse(config, "options"), poll, maxPoll, timeout,
                retries, concurrency, grace, signal, config.bool("callback", true), gpus);
    }

    private static Duration positive(Settings config, String key, Duration defaultValue) {
        Duration d = config.duration(key, defaultValue);
        if (d.isZero() || d.isNegative()) {
            throw config.invalid(key, config.string(key, ""), "must be positive, e.g. 30s");
        }
        return d;
    }

    /** The path of one of Slurm's commands. */
    String command(String name) {
        return binDir.map(d -> d.resolve(name).toString()).orElse(name);
    }
}
