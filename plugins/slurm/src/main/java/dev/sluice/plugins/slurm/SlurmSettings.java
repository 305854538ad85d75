package dev.sluice.plugins.slurm;

import dev.sluice.kit.ExecutorConfig;
import dev.sluice.kit.batch.BatchSettings;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator's {@code executors.slurm} settings: those of every batch scheduler (where the commands
 * are, how the executor polls; the kit's {@link BatchSettings}) and what every job is submitted with.
 *
 * @param batch        the settings every batch scheduler has
 * @param partition    {@code --partition} of every job, unless a process's hint says otherwise
 * @param account      {@code --account}, likewise
 * @param qos          {@code --qos}, likewise
 * @param options      further sbatch options for every job, e.g. {@code --constraint=avx2}
 * @param gpuDirective how a task asks for its GPUs: {@code --gres=gpu:N} or {@code --gpus=N}
 */
record SlurmSettings(BatchSettings batch, String partition, String account, String qos, List<String> options,
        BatchScript.GpuDirective gpuDirective) {

    /** The keys of {@code executors.slurm} besides the host's own and the batch schedulers' common ones. */
    static final Set<String> KEYS = new TreeSet<>(List.of("partition", "account", "qos", "options", "gpuDirective"));

    /** @throws InvalidSettingException naming the key, the value and the fix */
    static SlurmSettings from(Settings config) {
        ExecutorConfig executor = new ExecutorConfig(SlurmExecutor.NAME, config);
        Set<String> known = new TreeSet<>(KEYS);
        known.addAll(BatchSettings.KEYS);
        executor.requireKnown(known);
        BatchSettings batch = BatchSettings.from(executor);
        BatchScript.GpuDirective gpus;
        try {
            gpus = BatchScript.GpuDirective.valueOf(config.string("gpuDirective", "gres").strip());
        } catch (IllegalArgumentException e) {
            throw config.invalid("gpuDirective", config.string("gpuDirective", ""), "write gres (--gres=gpu:N) "
                    + "or gpus (--gpus=N)");
        }
        return new SlurmSettings(batch, config.string("partition", "").strip(), config.string("account", "").strip(),
                config.string("qos", "").strip(), SbatchOptions.parse(config, "options"), gpus);
    }
}
