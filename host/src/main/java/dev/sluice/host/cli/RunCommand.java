package dev.sluice.host.cli;

import dev.sluice.openjd.action.ActionException;
import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.openjd.session.EnvironmentSession;
import dev.sluice.host.events.EventLog;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.metrics.HostMetrics;
import dev.sluice.host.metrics.RunMetrics;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.monitor.TaskPollingMonitor;
import dev.sluice.host.progress.ProgressDisplay;
import dev.sluice.host.report.HtmlReport;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.RunPlan;
import dev.sluice.host.run.RunSummary;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.host.trace.TraceWriter;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice run}. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a pipeline.")
final class RunCommand extends PipelineCommand implements Callable<Integer> {
    /** Time between SIGTERM and SIGKILL when the run stops its tasks. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);

    enum ProgressMode { auto, ansi, plain, off }

    @Option(names = "--resume", description = "Reuse the results of tasks that succeeded in earlier runs "
            + "with the same work directory.")
    boolean resume;

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

    /** The values of the config's {@code secretEnv} variables, masked in everything the run writes. */
    private final SessionSecrets configSecrets = new SessionSecrets();

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
        try {
            TraceWriter.checkColumns(traceColumns);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("sluice: --trace-columns: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCodes.INVALID_INPUT;
        }
        TimeSource time = TimeSource.system();
        // Metrics are kept only where the endpoint serves them; plugins register theirs as they load.
        HostMetrics metrics = httpPort == null ? null : new HostMetrics();
        Loaded loaded = metrics == null ? load(time) : load(time, metrics::plugin);
        if (loaded.plan() == null) {
            return loaded.exitCode();
        }
        try (RunPlan plan = loaded.plan()) {
            return run(plan, time, metrics);
        }
    }

    private int run(RunPlan plan, TimeSource time, HostMetrics metrics) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        for (String name : plan.config().secretEnv()) {
            String value = System.getenv(name);
            if (value == null || value.isEmpty()) {
                err.println("sluice: warning: secretEnv names " + name + ", which is not set in sluice's environment; "
                        + "there is nothing to mask");
            } else {
                configSecrets.register(value);
            }
        }
        Redaction.use(configSecrets::redact);
        String runId = newRunId();
        Path workRoot = workDir.toAbsolutePath().normalize();
        Path tracePath = (trace != null ? trace : workRoot.resolve("runs").resolve(runId).resolve("trace.tsv"))
                .toAbsolutePath().normalize();
        try {
            Files.createDirectories(workRoot);
        } catch (IOException e) {
            err.println("sluice: cannot create the work directory " + workRoot + ": " + e.getMessage()
                    + "; pass a writable one with --work-dir");
            err.flush();
            return ExitCodes.INTERNAL_ERROR;
        }
        Path eventsPath = (events != null ? events : workRoot.resolve("runs").resolve(runId).resolve("events.jsonl"))
                .toAbsolutePath().normalize();
        Path reportPath = report == null ? null : report.toAbsolutePath().normalize();
        for (String problem : new String[] {unwritable("--events", events == null ? null : eventsPath),
                unwritable("--report", reportPath)}) {
            if (problem != null) {
                err.println("sluice: " + problem);
                err.flush();
                return ExitCodes.INVALID_INPUT;
            }
        }
        Path logPath = (logFile != null ? logFile : workRoot.resolve("runs").resolve(runId).resolve("log.jsonl"))
                .toAbsolutePath().normalize();
        AutoCloseable log;
        try {
            log = noLog ? () -> { } : SluiceMain.openLogFile(logPath, runId, common.verbose.length);
        } catch (IOException e) {
            err.println("sluice: cannot write the log file " + logPath + ": " + e.getMessage()
                    + "; pass a writable path with --log");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        try {
            return run(plan, time, metrics, runId, workRoot, tracePath, eventsPath, reportPath,
                    noLog ? null : logPath);
        } finally {
            try {
                log.close();
            } catch (Exception e) {
                err.println("sluice: closing the log file failed: " + e);
            }
        }
    }

    private int run(RunPlan plan, TimeSource time, HostMetrics metrics, String runId, Path workRoot, Path tracePath,
            Path eventsPath, Path reportPath, Path logPath) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        List<RunListener> listeners = new ArrayList<>();
        PrintStream out = System.out;
        ProgressMode mode = quiet ? ProgressMode.off : progress;
        if (mode == ProgressMode.auto) {
            mode = Terminal.isInteractive() ? ProgressMode.ansi : ProgressMode.plain;
        }
        if (mode != ProgressMode.off) {
            listeners.add(new ProgressDisplay(out, mode == ProgressMode.ansi, time));
        }
        RunMetrics runMetrics = metrics == null ? null : metrics.forRun(runId, plan.pipeline().name());
        if (runMetrics != null) {
            listeners.add(runMetrics);
        }
        HostEndpoint endpoint;
        try {
            endpoint = httpPort == null ? null
                    : HostEndpoint.start(InetAddress.getByName(httpAddress), httpPort, runMetrics);
        } catch (IOException e) {
            err.println("sluice: " + e.getMessage());
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        EnvironmentSession session;
        try {
            session = openSession(plan, workRoot.resolve("runs").resolve(runId).resolve("session"), time);
        } catch (IOException | ActionException e) {
            err.println("sluice: cannot start the session for the pipeline's environments: " + e.getMessage());
            err.flush();
            if (endpoint != null) {
                endpoint.close();
            }
            return ExitCodes.INTERNAL_ERROR;
        }
        if (session != null) {
            // Values the environments mark secret never reach a log line, the trace, the events or the report.
            SessionSecrets fromEnvironments = session.secrets();
            Redaction.use(text -> fromEnvironments.redact(configSecrets.redact(text)));
        }
        List<TaskReadinessGate> gates = new ArrayList<>(plan.gates());
        List<TaskHealthMonitor> monitors = new ArrayList<>(plan.monitors());
        if (session != null) {
            gates.add(session.gate());
            monitors.addAll(session.healthMonitors());
        }
        if (noTrace) {
            tracePath = null;
        }
        if (noEvents) {
            eventsPath = null;
        }
        try (endpoint; TraceWriter traceWriter = tracePath == null ? null : new TraceWriter(tracePath, traceColumns);
                EventLog eventLog = eventsPath == null ? null
                        : new EventLog(eventsPath, runId, plan.pipeline().name(), time)) {
            if (traceWriter != null) {
                listeners.add(traceWriter);
            }
            if (eventLog != null) {
                listeners.add(eventLog);
            }
            HtmlReport htmlReport = reportPath == null ? null
                    : new HtmlReport(reportPath, runId, plan.pipeline().name(), time);
            if (htmlReport != null) {
                listeners.add(htmlReport);
            }
            List<TaskWrapper> wrappers = new ArrayList<>(plan.wrappers());
            if (session != null) {
                wrappers.add(session.wrapper());
            }
            TaskPollingMonitor monitor = TaskPollingMonitor.builder(
                    new TaskPollingMonitor.Options(runId, workRoot, KILL_GRACE, resume, plan.pipeline().name(),
                            endpoint), plan.plans())
                    .executors(plan.executors()).gates(gates).wrappers(wrappers).healthMonitors(monitors)
                    .preparer(new WorkDirs(workRoot, runId)).time(time).listener(RunListener.of(listeners)).build();
            plan.showStatusesOn(monitor::reportStatus);
            if (mode != ProgressMode.off) {
                out.printf("sluice run %s: %s, %d task(s)%n", runId, plan.pipeline().name(), plan.taskCount());
                if (endpoint != null) {
                    out.printf("Endpoint: %s (metrics at /metrics, health at /healthz)%n", endpoint.url());
                }
            }
            CountDownLatch finished = new CountDownLatch(1);
            // On SIGINT/SIGTERM: stop the tasks (TERM, then KILL after the grace) and exit the
            // environments before the JVM exits.
            Duration stopWait = KILL_GRACE.plusSeconds(15).plus(session == null ? Duration.ZERO : session.exitBudget());
            Thread hook = new Thread(() -> {
                monitor.cancel("the host received a stop signal");
                try {
                    finished.await(stopWait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                RunResult result;
                List<String> exitProblems = List.of();
                try {
                    result = monitor.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ExitCodes.INTERRUPTED;
                } finally {
                    // Every environment entered, or whose enter was attempted, is exited, whatever happened.
                    if (session != null) {
                        exitProblems = session.exitAll();
                    }
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The JVM is already exiting because of a signal; the hook is running.
                }
                if (htmlReport != null) {
                    try {
                        htmlReport.write(result);
                    } catch (IOException e) {
                        err.println("sluice: cannot write the report " + reportPath + ": " + e.getMessage());
                        reportPath = null;
                    }
                }
                // Printed before the hook is released, so a stopped run still shows its summary.
                RunSummary.print(new PrintWriter(out, true), runId, result, tracePath, eventsPath, reportPath,
                        logPath);
                for (String problem : exitProblems) {
                    err.println("sluice: " + problem);
                }
                err.flush();
                if (result.cancelled()) {
                    return ExitCodes.INTERRUPTED;
                }
                return result.succeeded() && exitProblems.isEmpty() ? ExitCodes.OK : ExitCodes.TASKS_FAILED;
            } finally {
                finished.countDown();
            }
        }
    }

    /** Why a file an option names cannot be written, or {@code null} when it can (or none is named). */
    private static String unwritable(String option, Path file) {
        if (file == null) {
            return null;
        }
        if (Files.isDirectory(file)) {
            return option + " " + file + " is a directory; name a file";
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (IOException e) {
            return option + " " + file + ": cannot create its directory (" + e + "); name a writable place";
        }
        if (file.getParent() != null && !Files.isWritable(file.getParent())
                || Files.exists(file) && !Files.isWritable(file)) {
            return option + " " + file + " cannot be written; name a writable place";
        }
        return null;
    }

    /** The session of the pipeline's environments, or {@code null} when no process names one. */
    private static EnvironmentSession openSession(RunPlan plan, Path directory, TimeSource time)
            throws IOException, ActionException {
        Map<String, List<String>> stacks = new LinkedHashMap<>();
        plan.pipeline().processes().values().stream().filter(p -> !p.environments().isEmpty())
                .forEach(p -> stacks.put(p.name(), p.environments()));
        if (stacks.isEmpty()) {
            return null;
        }
        return EnvironmentSession.create(plan.pipeline().environments(), stacks, directory, time, System.getenv());
    }

    private static String newRunId() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }
}
