package dev.sluice.host.cli;

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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice run}: parses its options and hands them to {@link RunWiring}. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a pipeline.")
final class RunCommand extends PipelineCommand implements Callable<Integer> {
    enum ProgressMode { auto, ansi, plain, off }

    @picocli.CommandLine.Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline file (YAML).")
    void pipeline(Path file) {
        pipeline = file;
    }

    @Option(names = "--resume", description = "Reuse the results of tasks that succeeded in earlier runs "
            + "with the same work directory.")
    boolean resume;

    @Option(names = "--explain", description = "With --resume: say for each task why it is cached or runs "
            + "again (which earlier success was reused, or what changed: an input, an output, the command...).")
    boolean explain;

    @Option(names = {"-w", "--work-dir"}, paramLabel = "DIR", defaultValue = "work",
            description = "Where task work directories go (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "Where to write the trace (default: <work-dir>/runs/<run id>/trace.tsv).")
    Path trace;

    @Option(names = "--events", paramLabel = "FILE",
            description = "Where to write the event log, JSON Lines (default: <work-dir>/runs/<run id>/events.jsonl).")
    Path events;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Write an HTML report of the run to FILE: summary, processes, failures, timeline.")
    Path report;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "Progress display: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: redrawn in "
                    + "place on a terminal, plain lines otherwise).")
    ProgressMode progress;

    @Option(names = {"-q", "--quiet"}, description = "No progress display, only errors and the summary.")
    boolean quiet;

    @Option(names = "--trace-columns", paramLabel = "COLUMNS", split = ",",
            description = "The trace's columns, in order, separated by commas (default: all of them; see the docs "
                    + "for the list).")
    List<String> traceColumns = List.of();

    @Option(names = "--no-trace", description = "Write no trace.")
    boolean noTrace;

    @Option(names = "--no-events", description = "Write no event log.")
    boolean noEvents;

    @Option(names = "--no-log", description = "Write no log file (the console still shows what -v, -vv or -q say).")
    boolean noLog;

    @Option(names = "--log", paramLabel = "FILE",
            description = "Where the run's log goes, one JSON object per line with the run id and, for lines about "
                    + "a task, its id and process (default: <work-dir>/runs/<run id>/log.jsonl).")
    Path logFile;

    @Option(names = {"--http-port", "--metrics-port"}, paramLabel = "PORT",
            description = "Serve the host's HTTP endpoint on this port (0: any free one): Prometheus metrics at "
                    + "/metrics, health at /healthz, and the callbacks where tasks report their end so that the "
                    + "host learns of it at once (the slurm executor's). --metrics-port is the same option.")
    Integer httpPort;

    @Option(names = "--http-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address the HTTP endpoint listens on (default: ${DEFAULT-VALUE}, this machine "
                    + "only); 0.0.0.0 for every interface, when tasks run or Prometheus scrapes on other machines.")
    String httpAddress;

    @Override
    public Integer call() throws IOException {
        SluiceMain.configureLogging(common.verbose.length, quiet);
        PrintWriter err = spec.commandLine().getErr();
        try {
            TraceWriter.checkColumns(traceColumns);
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
        if (explain && !resume) {
            err.println("sluice: --explain says why --resume reuses or runs each task; add --resume");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        TimeSource time = TimeSource.system();
        // Metrics are kept only where the endpoint serves them; plugins register theirs as they load.
        HostMetrics metrics = httpPort == null ? null : new HostMetrics();
        // What plugins log as they load comes before the run's log file exists; the file gets it first.
        try (LogFiles.Held held = LogFiles.hold(common.verbose.length)) {
            Loaded loaded = metrics == null ? load(time) : load(time, metrics::plugin);
            if (loaded.plan() == null) {
                return loaded.exitCode();
            }
            try (RunPlan plan = loaded.plan()) {
                return new RunWiring(plan, request(), time, System.out, err).run(metrics);
            }
        }
    }

    /** What was asked, in the run's own terms. */
    private RunRequest request() {
        ProgressMode mode = quiet ? ProgressMode.off : progress;
        if (mode == ProgressMode.auto) {
            mode = Terminal.isInteractive() ? ProgressMode.ansi : ProgressMode.plain;
        }
        RunRequest.Progress shown = switch (mode) {
            case ansi -> RunRequest.Progress.ANSI;
            case plain -> RunRequest.Progress.PLAIN;
            default -> RunRequest.Progress.OFF;
        };
        RunRequest.Outputs outputs = new RunRequest.Outputs(new RunRequest.OutputFile(trace, noTrace), traceColumns,
                new RunRequest.OutputFile(events, noEvents), new RunRequest.OutputFile(logFile, noLog), report);
        return new RunRequest(workDir, resume, explain, outputs, shown,
                new RunRequest.Endpoint(httpPort, httpAddress), common.verbose.length);
    }
}
