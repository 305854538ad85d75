package dev.sluice.host.cli;

import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.RunPlan;
import dev.sluice.spi.TimeSource;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code sluice validate}: every check of {@code run}, without running anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a pipeline, its config and its plugins without running anything.")
final class ValidateCommand extends PipelineCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        SluiceMain.configureLogging(common.verbose.length, false);
        Loaded loaded = load(TimeSource.system());
        if (loaded.plan() == null) {
            return loaded.exitCode();
        }
        try (RunPlan plan = loaded.plan()) {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s is valid: %d processes, %d tasks%n", pipeline, plan.plans().size(), plan.taskCount());
            for (ProcessPlan p : plan.plans()) {
                out.printf("  %-20s %4d task(s)  executor %s, %s%s%n", p.process().def().name(), p.tasks().size(),
                        p.process().executor(), p.process().resources(),
                        p.process().def().dependsOn().isEmpty() ? ""
                                : ", after " + String.join(", ", p.process().def().dependsOn()));
            }
            if (!plan.gates().isEmpty()) {
                out.println("  gates: " + String.join(", ", plan.gates().stream().map(g -> g.id()).toList()));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
