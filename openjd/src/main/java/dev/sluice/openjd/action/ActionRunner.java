package dev.sluice.openjd.action;

import dev.sluice.spi.TimeSource;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Starts the actions of one session as local processes, each the leader of a process group of its own
 * ({@code setsid}), so that a cancel reaches everything the action started.
 *
 * <p>Each action gets: its argv exactly as given, the runner's base environment with the action's
 * variables set and unset on top, its work directory, stdin from {@code /dev/null}, and stdout and
 * stderr merged into one pipe that one virtual thread reads line by line: every line is masked with the
 * session's {@link SessionSecrets}, written to the log file (when one is given), passed to the
 * {@link ActionListener}, and read as Open Job Description's stdout protocol ({@link ActionMessage}).
 * The action's end is seen through {@link Process#onExit()}; timeouts and notify periods run on the
 * runner's {@link TimeSource}, each on a virtual thread that exists only while it waits.
 *
 * <p>Linux only: needs util-linux {@code setsid} and a {@code kill} program that takes process groups.
 * Thread-safe; one runner serves any number of actions of its session at once.
 */
public final class ActionRunner {
    private final TimeSource time;
    private final Path sessionDirectory;
    private final Map<String, String> baseEnvironment;
    private final SessionSecrets secrets;
    private final SystemPrograms programs;

    private ActionRunner(TimeSource time, Path sessionDirectory, Map<String, String> baseEnvironment,
            SessionSecrets secrets, SystemPrograms programs) {
        this.time = time;
        this.sessionDirectory = sessionDirectory;
        this.baseEnvironment = baseEnvironment;
        this.secrets = secrets;
        this.programs = programs;
    }

    /**
     * A runner for one session.
     *
     * @param time             the clock for timeouts, notify periods and the result's times
     * @param sessionDirectory the session's working directory, where {@code cancel_info.json} is written
     * @param baseEnvironment  the environment every action starts from (e.g. the host's, {@code System.getenv()})
     * @param secrets          the session's secrets, shared with its other runners
     * @throws ActionException when {@code setsid} or {@code kill} cannot be found
     */
    public static ActionRunner create(TimeSource time, Path sessionDirectory, Map<String, String> baseEnvironment,
            SessionSecrets secrets) throws ActionException {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(sessionDirectory, "sessionDirectory");
        Objects.requireNonNull(secrets, "secrets");
        return new ActionRunner(time, sessionDirectory, Map.copyOf(baseEnvironment), secrets, SystemPrograms.find());
    }

    /** This runner with another base environment; secrets, clock and session directory are shared. */
    public ActionRunner withBaseEnvironment(Map<String, String> environment) {
        return new ActionRunner(time, sessionDirectory, Map.copyOf(environment), secrets, programs);
    }

    /** The session's working directory. */
    public Path sessionDirectory() {
        return sessionDirectory;
    }

    /** The session's secrets. */
    public SessionSecrets secrets() {
        return secrets;
    }

    /** Starts an action without a log file; its output reaches only the listener. */
    public RunningAction start(Action action, ActionListener listener) throws ActionException {
        return launch(action, Optional.empty(), listener);
    }

    /**
     * Starts an action and returns at once.
     *
     * @param logFile appended to (and created if missing) with every output line, secrets masked, and
     *                lines starting {@code sluice:} saying how the action was canceled
     * @throws ActionException when the work directory or program is missing, the log file cannot be
     *                         opened, or the process cannot be started
     */
    public RunningAction start(Action action, Path logFile, ActionListener listener) throws ActionException {
        return launch(action, Optional.of(logFile), listener);
    }

    private RunningAction launch(Action action, Optional<Path> logFile, ActionListener listener)
            throws ActionException {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(listener, "listener");
        String program = action.argv().getFirst();
        if (!Files.isDirectory(action.workDir())) {
            throw new ActionException("cannot start action " + program + ": its work directory " + action.workDir()
                    + " does not exist or is not a directory; create it first");
        }
        Map<String, String> environment = new HashMap<>(baseEnvironment);
        environment.putAll(action.environment());
        action.unset().forEach(environment::remove);
        Optional<String> problem = SystemPrograms.programProblem(program, environment.get("PATH"), action.workDir());
        if (problem.isPresent()) {
            throw new ActionException("cannot start action: " + problem.get());
        }

        BufferedWriter log = null;
        if (logFile.isPresent()) {
            try {
                log = Files.newBufferedWriter(logFile.get(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new ActionException("cannot start action " + program + ": its log file " + logFile.get()
                        + " cannot be opened for writing (" + e.getMessage() + "); check that its directory exists"
                        + " and is writable", e);
            }
        }

        List<String> argv = new ArrayList<>(action.argv().size() + 2);
        argv.add(programs.setsid().toString());
        argv.add("--");
        argv.addAll(action.argv());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(action.workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            closeQuietly(log);
            throw new ActionException("cannot start action " + program + " in " + action.workDir() + ": "
                    + e.getMessage(), e);
        }
        RunningAction running = new RunningAction(action, process, time.now(), time, programs, secrets,
                sessionDirectory, log, listener);
        running.begin();
        return running;
    }

    private static void closeQuietly(BufferedWriter log) {
        if (log == null) {
            return;
        }
        try {
            log.close();
        } catch (IOException ignored) {
            // Nothing was written yet; the failure to start is what the caller hears about.
        }
    }
}
