package dev.sluice.host.cli;

import static dev.sluice.host.cli.CommandSpecs.flag;
import static dev.sluice.host.cli.CommandSpecs.isSet;

import dev.sluice.host.logging.LogFiles;
import dev.sluice.host.metrics.HostMetrics;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.RunPlan;
import dev.sluice.host.run.RunRequest;
import dev.sluice.host.run.RunWiring;
import dev.sluice.host.trace.TraceWriter;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code sluice run}: parses its options and hands them to {@link RunWiring}. */
final class RunCommand extends PipelineCommand implements Callable<Integer> {
    enum ProgressMode { auto, ansi, plain, off }

    private final PositionalParamSpec pipeline = PositionalParamSpec.builder().index("0").required(true)
            .type(Path.class).paramLabel("PIPELINE").description("The pipeline file (YAML).").build();

    private final OptionSpec resume = flag("Reuse the results of tasks that succeeded in earlier runs with the same"
            + " work directory.", "--resume");

    private final OptionSpec explain = flag("With --resume: say for each task why it is cached or runs again (which"
            + " earlier success was reused, or what changed: an input, an output, the command...).", "--explain");

    private final OptionSpec workDir = OptionSpec.builder("-w", "--work-dir").type(Path.class).paramLabel("DIR")
            .defaultValue("work").description("Where task work directories go (default: ${DEFAULT-VALUE}).").build();

    private final OptionSpec trace = OptionSpec.builder("--trace").type(Path.class).paramLabel("FILE")
            .description("Where to write the trace (default: <work-dir>/runs/<run id>/trace.tsv).").build();

    private final OptionSpec events = OptionSpec.builder("--events").type(Path.class).paramLabel("FILE")
            .description("Where to write the event log, JSON Lines (default: <work-dir>/runs/<run id>/events.jsonl).")
            .build();

    private final OptionSpec report = OptionSpec.builder("--report").type(Path.class).paramLabel("FILE")
            .description("Write an HTML report of the run to FILE: summary, processes, failures, timeline.").build();

    private final OptionSpec progress = OptionSpec.builder("--progress").type(ProgressMode.class).paramLabel("MODE")
            .defaultValue("auto").description("Progress display: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}:"
                    + " redrawn in place on a terminal, plain lines otherwise).").build();

    private final OptionSpec quiet = flag("No progress display, only errors and the summary.", "-q", "--quiet");

    private final OptionSpec traceColumns = OptionSpec.builder("--trace-columns").type(List.class)
            .auxiliaryTypes(String.class).splitRegex(",").paramLabel("COLUMNS")
            .description("The trace's columns, in order, separated by commas (default: all of them; see the docs for"
                    + " the list).").build();

    private final OptionSpec noTrace = flag("Write no trace.", "--no-trace");

    private final OptionSpec noEvents = flag("Write no event log.", "--no-events");

    private final OptionSpec noLog = flag("Write no log file (the console still shows what -v, -vv or -q say).",
            "--no-log");

    private final OptionSpec logFile = OptionSpec.builder("--log").type(Path.class).paramLabel("FILE")
            .description("Where the run's log goes, one JSON object per line with the run id and, for lines about a"
                    + " task, its id and process (default: <work-dir>/runs/<run id>/log.jsonl).").build();

    private final OptionSpec httpPort = OptionSpec.builder("--http-port", "--metrics-port").type(Integer.class)
            .paramLabel("PORT").description("Serve the host's HTTP endpoint on this port (0: any free one): Prometheus"
                    + " metrics at /metrics, health at /healthz, and the callbacks where tasks report their end so"
                    + " that the host learns of it at once (the slurm executor's). --metrics-port is the same"
                    + " option.").build();

    private final OptionSpec httpAddress = OptionSpec.builder("--http-address").type(String.class)
            .paramLabel("ADDRESS").defaultValue("127.0.0.1").description("The address the HTTP endpoint listens on"
                    + " (default: ${DEFAULT-VALUE}, this machine only); 0.0.0.0 for every interface, when tasks run or"
                    + " Prometheus scrapes on other machines.").build();

    RunCommand() {
        super("run", "Run a pipeline.");
        spec.addPositional(pipeline);
        for (OptionSpec option : List.of(resume, explain, workDir, trace, events, report, progress, quiet,
                traceColumns, noTrace, noEvents, noLog, logFile, httpPort, httpAddress)) {
            spec.addOption(option);
        }
    }

    @Override
    public Integer call() throws IOException {
        SluiceMain.configureLogging(common.verbosity(), isSet(quiet));
        PrintWriter err = spec.commandLine().getErr();
        Integer httpPort = this.httpPort.getValue();
        try {
            TraceWriter.checkColumns(traceColumns());
        } catch (IllegalArgumentException e) {
            err.println("sluice: --trace-columns: " + e.getMessage());
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            err.println("sluice: --http-port " + httpPort + " is not a port; write one from 1 to 65535, or 0 for any"
                    + " free port");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        if (isSet(explain) && !isSet(resume)) {
            err.println("sluice: --explain says why --resume reuses or runs each task; add --resume");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        TimeSource time = TimeSource.system();
        // Metrics are kept only where the endpoint serves them; plugins register theirs as they load.
        HostMetrics metrics = httpPort == null ? null : new HostMetrics();
        // What plugins log as they load comes before the run's log file exists; the file gets it first.
        try (LogFiles.Held held = LogFiles.hold(common.verbosity())) {
            Path file = pipeline.getValue();
            Loaded loaded = metrics == null ? load(file, time) : load(file, time, metrics::plugin);
            if (loaded.plan() == null) {
                return loaded.exitCode();
            }
            try (RunPlan plan = loaded.plan()) {
                return new RunWiring(plan, request(), time, System.out, err).run(metrics);
            }
        }
    }

    private List<String> traceColumns() {
        List<String> given = traceColumns.getValue();
        return given == null ? List.of() : List.copyOf(given);
    }

    /** What was asked, in the run's own terms. */
    private RunRequest request() {
        ProgressMode mode = isSet(quiet) ? ProgressMode.off : progress.getValue();
        if (mode == ProgressMode.auto) {
            mode = Terminal.isInteractive() ? ProgressMode.ansi : ProgressMode.plain;
        }
        RunRequest.Progress shown = switch (mode) {
            case ansi -> RunRequest.Progress.ANSI;
            case plain -> RunRequest.Progress.PLAIN;
            default -> RunRequest.Progress.OFF;
        };
        RunRequest.Outputs outputs = new RunRequest.Outputs(new RunRequest.OutputFile(trace.getValue(), isSet(noTrace)),
                traceColumns(), new RunRequest.OutputFile(events.getValue(), isSet(noEvents)),
                new RunRequest.OutputFile(logFile.getValue(), isSet(noLog)), report.getValue());
        return new RunRequest(workDir.getValue(), isSet(resume), isSet(explain), outputs, shown,
                new RunRequest.Endpoint(httpPort.getValue(), httpAddress.getValue()), common.verbosity());
    }
}
