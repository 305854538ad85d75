package dev.sluice.host.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import dev.sluice.host.run.CommandEnd;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.HostVersion;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code sluice} command line. */
public final class SluiceMain implements Runnable {
    private final CommandSpec spec = CommandSpecs.command(this, "sluice",
            "Runs pipelines of tasks through readiness gates and executor plugins.");

    private SluiceMain() {
        Map<String, String> exitCodes = new LinkedHashMap<>();
        exitCodes.put("0", "every task succeeded (or failed under errorStrategy ignore)");
        exitCodes.put("1", "one or more tasks failed");
        exitCodes.put("2", "bad input: command line, pipeline or config; nothing ran");
        exitCodes.put("3", "a plugin is missing, wrong, incompatible or failed to start; nothing ran");
        exitCodes.put("4", "internal error");
        exitCodes.put("129/130/143", "stopped by SIGHUP/SIGINT/SIGTERM after stopping running tasks");
        spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes);
    }

    public static void main(String[] args) {
        // Out of memory in any thread: one line that says what to do, not a stack trace. The process
        // halts; its local tasks are ended by the run's watcher, as for any host that dies.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof OutOfMemoryError) {
                outOfMemory();
            }
            System.err.println(internalError(e) + " (in " + thread.getName() + ")");
            // The stack trace goes to the run's JSON log; the console shows no stack traces.
            LoggerFactory.getLogger(SluiceMain.class).error("internal error in {}", thread.getName(), e);
        });
        CommandEnd.expect();
        int code;
        try {
            code = execute(args);
        } catch (OutOfMemoryError e) {
            outOfMemory();
            return;
        } catch (Error e) {
            // picocli's handler takes Exceptions only; an Error (a plugin's LinkageError, say) is a bug too,
            // and leaving main with it would exit 1, the code of a failed task.
            System.err.println(internalError(e));
            LoggerFactory.getLogger(SluiceMain.class).error("internal error", e);
            code = ExitCodes.INTERNAL_ERROR;
        }
        exit(code);
    }

    /**
     * Ends the process once the command has closed all it opened. {@code System.exit} would first look
     * up the JDK's logger for its exit record, a search of every jar on the class path for a logging
     * provider (about 20 ms, the last walk over the jars a run made); halting skips it, and the shutdown
     * hooks, which the host needs none of by then: a run has closed its files, plugins and environments,
     * and its own hook only stops a monitor that has ended. Where a hook of someone else's must run, the
     * JVM exits as usual: while Java Flight Recorder records (it writes its file in a hook), or when
     * {@code -Dsluice.exit.runHooks=true} asks for it (an agent that flushes at exit). A JVM already
     * shutting down (SIGHUP) ends as it began to, with the signal's status, once its hooks are done (the
     * run's waits for {@link CommandEnd}): {@code System.exit} then waits for that.
     */
    private static void exit(int code) {
        System.out.flush();
        System.err.flush();
        CommandEnd.reached();
        if (Boolean.getBoolean("sluice.exit.runHooks") || flightRecorderRecords() || shuttingDown()) {
            System.exit(code);
        }
        Runtime.getRuntime().halt(code);
    }

    /** Whether the JVM has begun its shutdown (it then refuses new hooks). */
    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shutdownUnderWay) {
            return true;
        }
    }

    private static boolean flightRecorderRecords() {
        try {
            return jdk.jfr.FlightRecorder.isInitialized();
        } catch (LinkageError noFlightRecorder) {
            return false; // a runtime without the jdk.jfr module records nothing
        }
    }

    /** Says the host ran out of memory and how to give it more, then halts with exit code 4. */
    private static void outOfMemory() {
        long max = Runtime.getRuntime().maxMemory();
        String twice = max >= (1L << 30) ? (2 * (max >> 30)) + "g" : (2 * (max >> 20)) + "m";
        System.err.println("sluice: ran out of memory: the host's heap is bounded to " + (max >> 20) + " MB. Give it"
                + " more with SLUICE_JAVA_OPTS=-Xmx<size>, e.g. SLUICE_JAVA_OPTS=-Xmx" + twice + " (100,000"
                + " one-parameter tasks need about 128 MB). Tasks already done are in the run's journal:"
                + " --resume reuses them.");
        System.err.flush();
        Runtime.getRuntime().halt(ExitCodes.INTERNAL_ERROR);
    }

    /**
     * The subcommands by name (a test holds each to the name its spec gives), in the order help lists
     * them: each made only when a call needs it.
     */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("run", () -> new RunCommand().spec);
        all.put("validate", () -> new ValidateCommand().spec);
        all.put("serve", () -> new ServeCommand().spec);
        all.put("plugins", () -> new PluginsCommand().spec);
        // picocli's own, read from its annotations: only a call that is not a command's asks for it.
        all.put("help", CommandLine.HelpCommand::new);
        return Collections.unmodifiableMap(all);
    }

    /** Runs the command line and returns the exit code (for tests and the launcher). */
    public static int execute(String... args) {
        CommandLine cli = commandLine(args);
        return cli.execute(args);
    }

    /** The whole command line, every subcommand included (for tests). */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line that {@code args} need: a call that names a subcommand first gets only that one
     * (picocli sets up a parser for each command it is given); anything else (help, a version, a mistyped
     * name) gets them all.
     */
    static CommandLine commandLine(String... args) {
        CommandSpecs.withoutReflection();
        CommandLine cli = new CommandLine(new SluiceMain().spec);
        String called = args.length > 0 && SUBCOMMANDS.containsKey(args[0]) ? args[0] : null;
        boolean one = called != null && !called.equals("help"); // help speaks of the others
        for (Map.Entry<String, Supplier<Object>> command : SUBCOMMANDS.entrySet()) {
            if (!one || command.getKey().equals(called)) {
                cli.addSubcommand(command.getKey(), command.getValue().get());
            }
        }
        CommandSpecs.ready(cli);
        // Usage errors keep picocli's exit code for invalid input, 2, which is also ours.
        cli.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.INVALID_INPUT);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(internalError(e));
            LoggerFactory.getLogger(SluiceMain.class).error("internal error", e);
            return ExitCodes.INTERNAL_ERROR;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * What users see of a failure nothing else caught: the message, without the exception's class, and
     * where the details are. Any such failure is a bug: an expected one has a message of its own.
     */
    static String internalError(Throwable e) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "an unexpected failure" : e.getMessage();
        String details = "the run's log.jsonl, if the run got that far";
        try {
            // Outside a run there is no JSON log: the stack trace goes to a file of its own.
            java.nio.file.Path file = java.nio.file.Files.createTempFile("sluice-internal-error-", ".txt");
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            java.nio.file.Files.writeString(file, trace.toString());
            details = file.toString();
        } catch (java.io.IOException | RuntimeException ignored) {
            // The message still says what failed.
        }
        return "sluice: internal error: " + message + ". This is a bug in sluice; please report it with " + details
                + ", which holds the details";
    }

    /** Sets the console log level: warnings by default, info with -v, debug with -vv. */
    static void configureLogging(int verbosity, boolean quiet) {
        Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            Level console = quiet ? Level.ERROR : verbosity >= 2 ? Level.DEBUG : verbosity == 1 ? Level.INFO : Level.WARN;
            logback.setLevel(console);
            // The console shows its own level even when a log file asks the root for more.
            Appender<ILoggingEvent> stderr = logback.getAppender(dev.sluice.host.logging.ConsoleLog.APPENDER);
            if (stderr != null) {
                ThresholdFilter threshold = new ThresholdFilter();
                threshold.setLevel(console.toString());
                threshold.setContext(logback.getLoggerContext());
                threshold.start();
                stderr.clearAllFilters();
                stderr.addFilter(threshold);
                showStackTraces(stderr, verbosity >= 2);
            }
        }
    }

    /**
     * Stack traces (a plugin's fault, with its Java types) go to the console only at -vv, for whoever
     * debugs a plugin; at the default verbosity users read words. The run's JSON log always has them.
     */
    private static void showStackTraces(Appender<ILoggingEvent> console, boolean show) {
        if (console instanceof OutputStreamAppender<ILoggingEvent> stream
                && stream.getEncoder() instanceof PatternLayoutEncoder encoder) {
            String pattern = show ? encoder.getPattern().replace("%nopex", "%ex")
                    : encoder.getPattern().replace("%ex", "%nopex");
            if (!pattern.equals(encoder.getPattern())) {
                encoder.stop();
                encoder.setPattern(pattern);
                encoder.start();
            }
        }
    }

    /** Prints the host's version and the version it announces to plugins. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice " + HostVersion.version() + " (plugin API " + HostVersion.systemVersion()
                    + ", Java " + Runtime.version() + ")"};
        }
    }
}
