package dev.sluice.plugins.slurm;

import dev.sluice.spi.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Extra sbatch options from the operator ({@code executors.slurm.options}) or a process
 * ({@code slurm/options}): a YAML list, or one string of options and values separated by spaces, as on
 * sbatch's command line (no shell quoting). Options that the
 * executor sets itself would silently change how it tracks jobs, so they are refused.
 */
final class SbatchOptions {
    /** Options the executor owns: the job's name, files, working directory and signal. */
    static final Set<String> OWNED = Set.of("-J", "--job-name", "-o", "--output", "-e", "--error", "-D", "--chdir",
            "--signal", "--parsable", "--wrap", "-a", "--array", "--wait", "-W");

    private SbatchOptions() {
    }

    /** @throws dev.sluice.spi.InvalidSettingException naming the key and the option at fault */
    static List<String> parse(Settings settings, String key) {
        List<String> options = new ArrayList<>();
        for (String item : settings.list(key)) {
            for (String word : item.strip().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                if (options.isEmpty() && !word.startsWith("-")) {
                    throw settings.invalid(key, settings.string(key, ""), "'" + word + "' is not an sbatch option; "
                            + "write options as on sbatch's command line, e.g. --constraint=avx2 --exclusive");
                }
                String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
                if (OWNED.contains(name)) {
                    throw settings.invalid(key, settings.string(key, ""), "'" + name + "' is set by the slurm "
                            + "executor itself (job name, output files, working directory, signal); leave it out");
                }
                options.add(word);
            }
        }
        return List.copyOf(options);
    }
}
