package dev.sluice.plugins.slurm;

import dev.sluice.kit.CommandRunner;
import dev.sluice.kit.batch.BatchExecutor;
import dev.sluice.spi.Hints;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.Settings;
import java.util.List;
import org.pf4j.Extension;

/**
 * The {@code slurm} executor: each task attempt is a Slurm batch job. The kit's {@link BatchExecutor}
 * does the work every batch scheduler needs (the batch script, one status thread for all of the run's
 * jobs, exit codes, callbacks, batched cancels); {@link SlurmScheduler} says it in Slurm's commands:
 * {@code sbatch --parsable}, one {@code squeue} per round, {@code sacct} for jobs that left the queue,
 * {@code scancel --batch --signal=TERM} to ask running jobs to stop and {@code scancel} to end them.
 */
@Extension
public final class SlurmExecutor extends BatchExecutor {
    /** The executor's name and the namespace of its hints. */
    public static final String NAME = "slurm";
    static final List<String> HINTS = List.of("partition", "account", "qos", "options");

    public SlurmExecutor(PluginContext plugin) {
        this(plugin, CommandRunner.processes(), true);
    }

    /** @param statusThread whether {@link #start} starts the status thread; tests call {@link #statusRound} */
    SlurmExecutor(PluginContext plugin, CommandRunner runner, boolean statusThread) {
        super(plugin, runner, statusThread);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validateHints(Hints hints) {
        SlurmScheduler.validate(hints);
    }

    @Override
    protected Configured configure(Settings config) {
        SlurmSettings settings = SlurmSettings.from(config);
        return new Configured(settings.batch(), new SlurmScheduler(settings));
    }
}
