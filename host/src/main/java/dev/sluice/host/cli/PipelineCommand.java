package dev.sluice.host.cli;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.host.plugins.PluginLoadException;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.RunPlan;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.TimeSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** A command that loads a pipeline and its config: {@code run}, {@code validate} and {@code serve}. */
abstract class PipelineCommand {
    final CommandSpec spec;

    private final OptionSpec config = OptionSpec.builder("-c", "--config").type(Path.class).paramLabel("CONFIG")
            .description("Operator config (YAML) overriding process settings, executors and plugins.").build();

    final CommonOptions common = new CommonOptions();

    PipelineCommand(String name, String... description) {
        spec = CommandSpecs.command(this, name, description);
        spec.addOption(config);
        common.addTo(spec);
    }

    /** The config file given with -c, or {@code null}. */
    Path configFile() {
        return config.getValue();
    }

    /** The loaded plan, with warnings printed; or the exit code after printing what is wrong. */
    record Loaded(RunPlan plan, int exitCode) {
    }

    /**
     * Made as the class is, which the cache's training run (with metrics) does too: the cache then holds
     * this lambda's class, which a run without metrics would otherwise generate at every start.
     */
    private static final Function<String, PluginMetrics> NO_METRICS = id -> PluginMetrics.none();

    Loaded load(Path pipeline, TimeSource time) {
        return load(pipeline, time, NO_METRICS);
    }

    /** As {@link #load(Path, TimeSource)}, handing the plugins their metrics. */
    Loaded load(Path pipeline, TimeSource time, Function<String, PluginMetrics> pluginMetrics) {
        PrintWriter err = spec.commandLine().getErr();
        String optionsProblem = common.pluginsDirsProblem();
        if (optionsProblem != null) {
            err.println("sluice: " + optionsProblem);
            err.flush();
            return new Loaded(null, ExitCodes.INVALID_INPUT);
        }
        try {
            RunPlan plan = RunPlan.load(pipeline, configFile(), common.pluginsDirs(), time, pluginMetrics);
            for (String warning : plan.warnings()) {
                err.println("warning: " + warning);
            }
            err.flush();
            return new Loaded(plan, ExitCodes.OK);
        } catch (InvalidInputException e) {
            err.println("sluice: the pipeline cannot run; fix these and try again:");
            for (String line : e.getMessage().split("\n")) {
                err.println("  " + line);
            }
            err.flush();
            return new Loaded(null, ExitCodes.INVALID_INPUT);
        } catch (PluginLoadException e) {
            err.println("sluice: plugin problem, nothing was run:");
            for (String line : e.getMessage().split("\n")) {
                err.println("  " + line);
            }
            if (e.getCause() != null && common.verbosity() < 2) {
                // No run started, so there is no run log to hold the plugin's stack trace; -vv prints it.
                err.println("  (run again with -vv for the plugin's stack trace)");
            }
            err.flush();
            return new Loaded(null, ExitCodes.PLUGIN_ERROR);
        }
    }
}
