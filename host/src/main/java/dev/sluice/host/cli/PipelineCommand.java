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
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A command that loads a pipeline and its config: {@code run} and {@code validate}. */
abstract class PipelineCommand {
    /** The pipeline file; each command declares it, because validate may take a template instead. */
    Path pipeline;

    @Option(names = {"-c", "--config"}, paramLabel = "CONFIG",
            description = "Operator config (YAML) overriding process settings, executors and plugins.")
    Path config;

    @Mixin
    CommonOptions common = new CommonOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The loaded plan, with warnings printed; or the exit code after printing what is wrong. */
    record Loaded(RunPlan plan, int exitCode) {
    }

    Loaded load(TimeSource time) {
        return load(time, id -> PluginMetrics.none());
    }

    /** As {@link #load(TimeSource)}, handing the plugins their metrics. */
    Loaded load(TimeSource time, Function<String, PluginMetrics> pluginMetrics) {
        PrintWriter err = spec.commandLine().getErr();
        String optionsProblem = common.pluginsDirsProblem();
        if (optionsProblem != null) {
            err.println("sluice: " + optionsProblem);
            err.flush();
            return new Loaded(null, ExitCodes.INVALID_INPUT);
        }
        try {
            RunPlan plan = RunPlan.load(pipeline, config, common.pluginsDirs(), time, pluginMetrics);
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
            if (e.getCause() != null && common.verbose.length < 2) {
                // No run started, so there is no run log to hold the plugin's stack trace; -vv prints it.
                err.println("  (run again with -vv for the plugin's stack trace)");
            }
            err.flush();
            return new Loaded(null, ExitCodes.PLUGIN_ERROR);
        }
    }
}
