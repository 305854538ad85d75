package dev.sluice.host.cli;

import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.openjd.model.EnvironmentLoader;
import dev.sluice.openjd.model.Extension;
import dev.sluice.openjd.model.ParameterDef;
import dev.sluice.yaml.InvalidInputException;
import java.nio.file.Path;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.RunPlan;
import dev.sluice.spi.TimeSource;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code sluice validate}: every check of {@code run}, without running anything; or, with
 * {@code --template}, the checks of an OpenJD environment template file on its own.
 */
final class ValidateCommand extends PipelineCommand implements Callable<Integer> {
    private final PositionalParamSpec pipeline = PositionalParamSpec.builder().index("0").arity("0..1")
            .type(Path.class).paramLabel("PIPELINE").description("The pipeline file (YAML); not with --template.")
            .build();

    private final OptionSpec template = OptionSpec.builder("--template").type(Path.class).paramLabel("TEMPLATE")
            .description("Check this OpenJD environment template file (YAML or JSON) as `openjd check` does:"
                    + " schema, names, format strings and extensions.").build();

    ValidateCommand() {
        super("validate", "Check a pipeline, its config and its plugins without running anything;"
                + " or, with --template, an Open Job Description environment template on its own.");
        spec.addPositional(pipeline);
        spec.addOption(template);
    }

    @Override
    public Integer call() {
        SluiceMain.configureLogging(common.verbosity(), false);
        PrintWriter err = spec.commandLine().getErr();
        Path pipeline = this.pipeline.getValue();
        Path template = this.template.getValue();
        if (template != null && (pipeline != null || configFile() != null)) {
            err.println("sluice: --template checks a template file on its own; give either a pipeline (with -c"
                    + " CONFIG) or --template TEMPLATE, not both");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        if (template != null) {
            return checkTemplate(template, err);
        }
        if (pipeline == null) {
            err.println("sluice: validate needs a pipeline file (sluice validate PIPELINE) or a template"
                    + " (sluice validate --template TEMPLATE)");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        Loaded loaded = load(pipeline, TimeSource.system());
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

    /** Every problem of the template with file, line and field (exit 2), or a one-line summary (exit 0). */
    private int checkTemplate(Path template, PrintWriter err) {
        EnvironmentLoader.CheckedTemplate checked;
        try {
            checked = EnvironmentLoader.checkTemplate(template);
        } catch (InvalidInputException e) {
            err.println("sluice: " + template + " is not a valid environment template; fix these and try again:");
            for (String line : e.getMessage().split("\n")) {
                err.println("  " + line);
            }
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        PrintWriter out = spec.commandLine().getOut();
        int parameters = checked.parameters().size();
        out.printf("%s is a valid environment template: environment '%s', %s, %s%s%n", template, checked.name(),
                parameters == 0 ? "no parameters" : parameters + (parameters == 1 ? " parameter (" : " parameters (")
                        + String.join(", ", checked.parameters().stream().map(ParameterDef::name).toList()) + ")",
                checked.extensions().isEmpty() ? "no extensions" : "extensions " + String.join(", ",
                        checked.extensions().stream().map(Extension::name).toList()),
                checked.wraps() ? ", wraps the actions inside it" : "");
        out.flush();
        return ExitCodes.OK;
    }
}
