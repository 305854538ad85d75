package dev.sluice.host.run;

import dev.sluice.openjd.action.ActionException;
import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.openjd.session.EnvironmentSession;
import dev.sluice.host.events.EventLog;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.logging.LogFiles;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.metrics.HostMetrics;
import dev.sluice.host.metrics.RunMetrics;
import dev.sluice.host.monitor.Intake;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.RunOptions;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.monitor.TaskPollingMonitor;
import dev.sluice.host.progress.ProgressDisplay;
import dev.sluice.host.report.HtmlReport;
import dev.sluice.host.report.RunSummary;
import dev.sluice.host.trace.TraceWriter;
import dev.sluice.kit.IoErrors;
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Wires one run of a loaded pipeline: its files and log, its listeners (progress, metrics, trace,
 * events, report), the endpoint, the environments' session, the monitor and the stop signal, and
 * returns the exit code. The CLI only parses what it is asked and hands it here.
 */
public final class RunWiring {
    /** Time between asking tasks to stop and forcing them when the run stops them. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);

    private final RunPlan plan;
    private final RunRequest request;
    private final TimeSource time;
    private final PrintStream out;
    private final PrintWriter err;
    /** The values of the config's {@code secretEnv} variables, masked in everything the run writes. */
    private final SessionSecrets configSecrets = new SessionSecrets();
    /** The same variables by name, for executors whose tasks do not inherit sluice's environment (containers). */
    private final Map<String, String> secretEnvironment = new LinkedHashMap<>();

    public RunWiring(RunPlan plan, RunRequest request, TimeSource time, PrintStream out, PrintWriter err) {
        this.plan = plan;
        this.request = request;
        this.time = time;
        this.out = out;
        this.err = err;
    }

    /**
     * What makes a run a service ({@code sluice serve}): its processes start with no task, and tasks come
     * through its intake while it goes, until a stop signal.
     */
    public interface Service {
        /** Where tasks come in. */
        Intake intake();

        /** Hears of the run's tasks (the API's board of them). */
        RunListener listener();

        /** Serves the API on the endpoint, once it listens and before the first task is taken. */
        void mount(HostEndpoint endpoint);

        /**
         * How long a stop signal lets running tasks end before they are stopped (a second signal stops
         * them at once), or {@code null} to stop them at the first signal, as a run does.
         */
        default Duration drain() {
            return null;
        }

        /** Hears of the event log's lines, and numbers them on from its count; {@code null}: no one. */
        default EventLog.Sink events() {
            return null;
        }
    }

    private Service service;

    /** Runs as a service: see {@link Service}. Needs the endpoint ({@link RunRequest.Endpoint#port()}). */
    public RunWiring asService(Service value) {
        this.service = value;
        return this;
    }

    /** The run's files, once its id is known. */
    private record RunFiles(String runId, Path workRoot, Path trace, Path events, Path report, Path log) {
    }

    /**
     * Runs the pipeline to its end.
     *
     * @param metrics where the endpoint's metrics live; {@code null} when there is no endpoint
     */
    public int run(HostMetrics metrics) throws IOException {
        for (String name : plan.config().secretEnv()) {
            String value = System.getenv(name);
            if (value == null || value.isEmpty()) {
                err.println("sluice: warning: secretEnv names " + name + ", which is not set in sluice's environment; "
                        + "there is nothing to mask");
            } else {
                configSecrets.register(value);
                secretEnvironment.put(name, value);
            }
        }
        Redaction.use(configSecrets::redact);
        String runId = newRunId();
        Path workRoot = request.workDir().toAbsolutePath().normalize();
        Path runDir = workRoot.resolve("runs").resolve(runId);
        RunRequest.Outputs outputs = request.outputs();
        try {
            Files.createDirectories(workRoot);
        } catch (IOException e) {
            return fail(ExitCodes.INVALID_INPUT, "cannot create the work directory " + workRoot + ": " + IoErrors.describe(e)
                    + "; pass a writable one with --work-dir");
        }
        if (!Files.isWritable(workRoot)) {
            // Said here, before the logs, trace and session in it would each fail in their own words.
            return fail(ExitCodes.INVALID_INPUT, "the work directory " + workRoot + " is not writable; pass a writable"
                    + " one with --work-dir");
        }
        Path events = outputs.events().resolve(runDir.resolve("events.jsonl"));
        Path report = outputs.report() == null ? null : outputs.report().toAbsolutePath().normalize();
        for (String problem : new String[] {unwritable("--events", outputs.events().path() == null ? null : events),
                unwritable("--report", report)}) {
            if (problem != null) {
                return fail(ExitCodes.INVALID_INPUT, problem);
            }
        }
        Path log = outputs.log().resolve(runDir.resolve("log.jsonl"));
        AutoCloseable logFile;
        try {
            logFile = log == null ? () -> { } : LogFiles.open(log, runId, request.verbosity());
        } catch (IOException e) {
            return fail(ExitCodes.INVALID_INPUT, "cannot write the log file " + log + ": " + IoErrors.describe(e)
                    + "; pass a writable path with --log");
        }
        try {
            return run(metrics, new RunFiles(runId, workRoot, outputs.trace().resolve(runDir.resolve("trace.tsv")),
                    events, report, log));
        } finally {
            try {
                logFile.close();
            } catch (Exception e) {
                err.println("sluice: closing the log file failed: "
                        + (e instanceof IOException io ? IoErrors.describe(io) : e.getMessage()));
            }
        }
    }

    private int run(HostMetrics metrics, RunFiles files) throws IOException {
        List<RunListener> listeners = new ArrayList<>();
        if (service != null) {
            listeners.add(service.listener());
        }
        if (request.progress() != RunRequest.Progress.OFF) {
            listeners.add(new ProgressDisplay(out, request.progress() == RunRequest.Progress.ANSI, time));
        }
        RunMetrics runMetrics = metrics == null ? null : metrics.forRun(files.runId(), plan.pipeline().name());
        if (runMetrics != null) {
            listeners.add(runMetrics);
            if (service != null) {
                runMetrics.alsoReadyWhen(service.intake()::isOpen);
            }
        }
        HostEndpoint endpoint;
        try {
            endpoint = request.endpoint().port() == null ? null : HostEndpoint.start(
                    InetAddress.getByName(request.endpoint().address()), request.endpoint().port(), runMetrics,
                    request.endpoint().options());
        } catch (IOException e) {
            return fail(ExitCodes.INVALID_INPUT, IoErrors.describe(e));
        }
        EnvironmentSession session;
        try {
            session = openSession(files.workRoot().resolve("runs").resolve(files.runId()).resolve("session"));
        } catch (IOException | ActionException e) {
            if (endpoint != null) {
                endpoint.close();
            }
            return fail(ExitCodes.INTERNAL_ERROR, "cannot start the session for the pipeline's environments: "
                    + (e instanceof IOException io ? IoErrors.describe(io) : e.getMessage()));
        }
        List<TaskReadinessGate> gates = new ArrayList<>(plan.gates());
        List<TaskHealthMonitor> monitors = new ArrayList<>(plan.monitors());
        List<TaskWrapper> wrappers = new ArrayList<>(plan.wrappers());
        if (session != null) {
            // Values the environments mark secret never reach a log line, the trace, the events or the report.
            SessionSecrets fromEnvironments = session.secrets();
            Redaction.use(text -> fromEnvironments.redact(configSecrets.redact(text)));
            gates.add(session.gate());
            monitors.addAll(session.healthMonitors());
            wrappers.add(session.wrapper());
        }
        TraceWriter traceWriter = null;
        EventLog eventLog = null;
        Path opening = files.trace();
        try {
            traceWriter = files.trace() == null ? null
                    : new TraceWriter(files.trace(), request.outputs().traceColumns(), time);
            opening = files.events();
            eventLog = files.events() == null ? null
                    : new EventLog(files.events(), files.runId(), plan.pipeline().name(), time);
            if (eventLog != null && service != null && service.events() != null) {
                eventLog.sink(service.events());
            }
        } catch (IOException e) {
            Path which = opening;
            closeQuietly(traceWriter);
            closeQuietly(endpoint);
            return fail(ExitCodes.INVALID_INPUT, "cannot write " + which + ": " + IoErrors.describe(e)
                    + "; free some space there, or name another place (--trace, --events) or none (--no-trace, "
                    + "--no-events)");
        }
        TraceWriter trace = traceWriter;
        EventLog events = eventLog;
        try (endpoint; trace; events) {
            if (trace != null) {
                listeners.add(trace);
            }
            if (events != null) {
                listeners.add(events);
            }
            HtmlReport htmlReport = files.report() == null ? null
                    : new HtmlReport(files.report(), files.runId(), plan.pipeline().name(), time);
            if (htmlReport != null) {
                listeners.add(htmlReport);
            }
            List<String> executorNames = plan.executors().stream().map(e -> e.executor().name()).toList();
            HostLock hostLock;
            try {
                hostLock = HostLock.acquire(files.workRoot(), files.runId(), executorNames);
            } catch (IOException e) {
                return fail(ExitCodes.INVALID_INPUT, "cannot mark the run as live under " + files.workRoot()
                        + ": " + IoErrors.describe(e) + "; check that the work directory is writable (-w)");
            }
            try (hostLock) {
                // Runs whose host was killed: their executors' leftovers are ended before anything starts.
                List<String> killed = HostLock.killedRuns(files.workRoot(), files.runId());
                // Launch records may stand for ends never recorded only in runs whose host was killed.
                List<String> killedEver = HostLock.killedEver(files.workRoot(), files.runId());
                TaskPollingMonitor monitor = TaskPollingMonitor.builder(new RunOptions(files.runId(),
                                files.workRoot(), KILL_GRACE, request.resume(), plan.pipeline().name(), endpoint,
                                secretEnvironment),
                                service == null ? plan.plans() : withoutTasks(plan.plans()))
                        .intake(service == null ? null : service.intake())
                        .executors(plan.executors()).gates(gates).wrappers(wrappers).healthMonitors(monitors)
                        .preparer(new WorkDirs(files.workRoot(), files.runId(), killedEver,
                                request.explain() ? line -> out.println("resume: " + line) : null)).time(time)
                        .killedRuns(killed, id -> HostLock.settled(files.workRoot(), id, executorNames))
                        .listener(RunListener.of(listeners)).build();
                plan.showStatusesOn(monitor::reportStatus);
                if (service != null) {
                    service.mount(endpoint);
                }
                if (request.progress() != RunRequest.Progress.OFF) {
                    // Concatenated, not formatted: java.util.Formatter's first %d loads the locale's number
                    // symbols, milliseconds of every run that prints this.
                    out.println("sluice run " + files.runId() + ": " + plan.pipeline().name() + ", "
                            + plan.taskCount() + " task(s)");
                    if (endpoint != null) {
                        out.println("Endpoint: " + endpoint.url() + " (metrics at /metrics, health at /healthz)");
                    }
                }
                return supervise(monitor, session, htmlReport, files);
            }
        }
    }

    /** How long a JVM shutting down waits for a stopped run's closes (plugins stopping included). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /** Runs the monitor, stopping it on SIGINT/SIGTERM, and prints the summary. */
    private int supervise(TaskPollingMonitor monitor, EnvironmentSession session, HtmlReport htmlReport, RunFiles files) {
        CountDownLatch finished = new CountDownLatch(1);
        // SIGINT/SIGTERM stop the run (a second one forces the tasks at once); on any other way the JVM
        // shuts down (SIGHUP), stop the tasks (asked, then forced after the grace) and exit the
        // environments before it exits.
        StopSignals signals = StopSignals.install(monitor, err, service == null ? null : service.drain());
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
        // The run's files, host lock, journal and plugins are closed after the monitor ends: from here a
        // JVM shutting down ends only once they are.
        CommandEnd.guardShutdown(CLOSE_WAIT);
        try {
            RunResult result;
            List<String> exitProblems = List.of();
            try {
                result = monitor.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.INTERRUPTED;
            } finally {
                // The tasks are over: a signal from here on shuts the JVM down as it would without a run,
                // once the run's closes are done (CommandEnd).
                signals.close();
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
            Path report = files.report();
            if (htmlReport != null) {
                try {
                    htmlReport.write(result);
                } catch (IOException e) {
                    err.println("sluice: cannot write the report " + report + ": " + IoErrors.describe(e));
                    report = null;
                }
            }
            // Printed before the hook is released, so a stopped run still shows its summary.
            RunSummary.print(new PrintWriter(out, true), files.runId(), result, files.trace(), files.events(), report,
                    files.log());
            for (String problem : exitProblems) {
                err.println("sluice: " + problem);
            }
            err.flush();
            if (result.cancelled()) {
                return signals.received() ? signals.exitCode() : ExitCodes.INTERRUPTED;
            }
            return result.succeeded() && exitProblems.isEmpty() ? ExitCodes.OK : ExitCodes.TASKS_FAILED;
        } finally {
            signals.close();
            finished.countDown();
        }
    }

    /** A service's processes: the classes, with no task until one is submitted. */
    private static List<ProcessPlan> withoutTasks(List<ProcessPlan> plans) {
        return plans.stream().map(p -> new ProcessPlan(p.process(), List.of())).toList();
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception ignored) {
                // Already failing; the first problem is the one to report.
            }
        }
    }

    private int fail(int exitCode, String message) {
        err.println("sluice: " + message);
        err.flush();
        return exitCode;
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
            return option + " " + file + ": cannot create its directory (" + IoErrors.describe(e)
                    + "); name a writable place";
        }
        if (file.getParent() != null && !Files.isWritable(file.getParent())
                || Files.exists(file) && !Files.isWritable(file)) {
            return option + " " + file + " cannot be written; name a writable place";
        }
        return null;
    }

    /** The session of the pipeline's environments, or {@code null} when no process names one. */
    private EnvironmentSession openSession(Path directory) throws IOException, ActionException {
        Map<String, List<String>> stacks = new LinkedHashMap<>();
        plan.pipeline().processes().values().stream().filter(p -> !p.environments().isEmpty())
                .forEach(p -> stacks.put(p.name(), p.environments()));
        if (stacks.isEmpty()) {
            return null;
        }
        return EnvironmentSession.create(plan.pipeline().environments(), stacks, directory, time, System.getenv(),
                plan.pipeline().name());
    }

    private static String newRunId() {
        // The local time through TimeZone's offset: java.time's own zone rules look for providers as a
        // service at their first use, a walk over every jar of the class path at each start.
        long now = System.currentTimeMillis();
        LocalDateTime local = LocalDateTime.ofEpochSecond(Math.floorDiv(now, 1000), 0,
                ZoneOffset.ofTotalSeconds(TimeZone.getDefault().getOffset(now) / 1000));
        return local.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    }
}
