package dev.sluice.host.cli;

import dev.sluice.host.logging.LogFiles;
import dev.sluice.host.metrics.HostMetrics;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.RunPlan;
import dev.sluice.host.run.RunRequest;
import dev.sluice.host.run.RunWiring;
import dev.sluice.host.serve.ServeSettings;
import dev.sluice.host.serve.TaskService;
import dev.sluice.kit.IoErrors;
import dev.sluice.spi.TimeSource;
import dev.sluice.yaml.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code sluice serve}: a long-running host that takes tasks over an HTTP API. The classes of task come
 * from the config's {@code serve:} section, each routed as a pipeline process of that label; the run is
 * an ordinary one, with its trace, events, log and metrics, whose tasks arrive while it goes.
 */
final class ServeCommand extends PipelineCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 8765;

    private final OptionSpec workDir = OptionSpec.builder("-w", "--work-dir").type(Path.class).paramLabel("DIR")
            .defaultValue("work/serve").description("Where the service's runs and task work directories go (default:"
                    + " ${DEFAULT-VALUE}).").build();

    private final OptionSpec port = OptionSpec.builder("--port").type(int.class).paramLabel("PORT")
            .defaultValue("" + DEFAULT_PORT).description("The API's port (default: ${DEFAULT-VALUE}; 0: any free"
                    + " one). The first line of output is the URL.").build();

    private final OptionSpec address = OptionSpec.builder("--address").type(String.class).paramLabel("ADDRESS")
            .description("The address the API listens on (default: serve.address of the config, else 127.0.0.1).")
            .build();

    ServeCommand() {
        super("serve", "Run as a service: take tasks over an HTTP API (docs/user-guide/serve.md).");
        spec.addOption(workDir);
        spec.addOption(port);
        spec.addOption(address);
    }

    @Override
    public Integer call() throws IOException {
        SluiceMain.configureLogging(common.verbosity(), false);
        PrintWriter err = spec.commandLine().getErr();
        int port = this.port.getValue();
        if (port < 0 || port > 65535) {
            return fail(err, ExitCodes.INVALID_INPUT, "--port " + port + " is not a port; write one from 1 to 65535,"
                    + " or 0 for any free port");
        }
        ServeSettings settings;
        try {
            settings = ServeSettings.load(configFile());
        } catch (InvalidInputException e) {
            return invalid(err, e);
        }
        Path work = this.workDir.<Path>getValue().toAbsolutePath().normalize();
        // One service per work directory, taken before anything there is read or written: a second one
        // would compact the ledger under the first and run the same tasks again.
        java.nio.channels.FileChannel lockFile;
        try {
            Files.createDirectories(work);
            lockFile = java.nio.channels.FileChannel.open(work.resolve("serve.lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            return fail(err, ExitCodes.INVALID_INPUT, "cannot use the work directory " + work + ": "
                    + IoErrors.describe(e) + "; pass a writable one with -w");
        }
        try (lockFile) {
            if (lockFile.tryLock() == null) {
                return fail(err, ExitCodes.INVALID_INPUT, "another sluice serve is using the work directory " + work
                        + "; stop it, or give this one another with -w");
            }
            return serve(err, settings, work, port);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return fail(err, ExitCodes.INVALID_INPUT, "another sluice serve in this process is using " + work);
        }
    }

    private int serve(PrintWriter err, ServeSettings settings, Path work, int port) throws IOException {
        limitConnections();
        String token;
        String tokenSaid;
        try {
            if (settings.api().token() != null) {
                token = settings.api().token();
                tokenSaid = "serve.auth.token of " + configFile();
            } else if (settings.api().tokenFile() != null) {
                token = Files.readString(settings.api().tokenFile(), StandardCharsets.UTF_8).strip();
                tokenSaid = "in " + settings.api().tokenFile();
                if (token.length() < 16) {
                    return fail(err, ExitCodes.INVALID_INPUT, settings.api().tokenFile() + " (serve.auth.tokenFile) holds a"
                            + " token of " + token.length() + " characters; use at least 16 (e.g. openssl rand -hex 24)");
                }
            } else {
                Path file = work.resolve("api-token");
                token = ownToken(file);
                tokenSaid = "in " + file + " (made by sluice serve; set serve.auth in the config to choose one)";
                if (token.length() < 16) {
                    return fail(err, ExitCodes.INVALID_INPUT, file + " holds a token of " + token.length()
                            + " characters, too easy to guess; delete the file to have a new one made");
                }
            }
        } catch (IOException e) {
            return fail(err, ExitCodes.INVALID_INPUT, "cannot set up the service's token under " + work + ": "
                    + IoErrors.describe(e) + "; check the work directory (-w) and serve.auth");
        }
        // The classes, written as the processes of a pipeline of the service's own: the config routes them
        // exactly as it routes a pipeline's processes, and the same checks apply.
        Path pipeline = work.resolve("classes.yaml");
        try {
            Files.writeString(pipeline, classesPipeline(settings), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fail(err, ExitCodes.INVALID_INPUT, "cannot write " + pipeline + ": " + IoErrors.describe(e)
                    + "; pass a writable work directory with -w");
        }
        TimeSource time = TimeSource.system();
        HostMetrics metrics = new HostMetrics();
        try (LogFiles.Held held = LogFiles.hold(common.verbosity())) {
            Loaded loaded = load(pipeline, time, metrics::plugin);
            if (loaded.plan() == null) {
                return loaded.exitCode();
            }
            try (RunPlan plan = loaded.plan()) {
                // Resume: tasks taken back after a restart reuse what their earlier attempts left.
                RunRequest request = new RunRequest(work, true, false, new RunRequest.Outputs(
                        new RunRequest.OutputFile(null, false), List.of(), new RunRequest.OutputFile(null, false),
                        new RunRequest.OutputFile(null, false), null), RunRequest.Progress.OFF,
                        new RunRequest.Endpoint(port, address.getValue() != null ? address.getValue()
                                : settings.api().address(),
                                dev.sluice.host.http.HostEndpoint.Options.SERVE),
                        common.verbosity());
                java.util.List<String> containers = TaskService.containerProblems(settings, plan);
                if (!containers.isEmpty()) {
                    return fail(err, ExitCodes.INVALID_INPUT, "the service cannot start: "
                            + String.join("; ", containers) + " (" + configFile() + ")");
                }
                TaskService service;
                try {
                    service = TaskService.start(plan.plans(), !plan.wrappers().isEmpty(), plan.checks(),
                            new TaskService.Setup(settings, token, tokenSaid, work, metrics.registry()), time,
                            System.out);
                } catch (IOException e) {
                    return fail(err, ExitCodes.INVALID_INPUT, "cannot read or write the service's ledger "
                            + work.resolve("tasks.jsonl") + ": " + IoErrors.describe(e)
                            + "; check the work directory (-w)");
                }
                try (service) {
                    int code = new RunWiring(plan, request, time, System.out, err).asService(service).run(metrics);
                    // A service ends by a stop signal: that is its normal end.
                    return code == 130 || code == 143 ? ExitCodes.OK : code;
                }
            }
        }
    }

    /**
     * Bounds on the JDK's HTTP server for a long-lived service, unless the operator set them
     * (-Dsun.net.httpserver.* in SLUICE_JAVA_OPTS): slow or idle clients cannot hold connections, and
     * with them the file descriptors the same process launches tasks and writes its ledger with. No
     * response-time limit: event streams stay open for hours.
     */
    private static void limitConnections() {
        for (String[] p : new String[][] {{"jdk.httpserver.maxConnections", "1000"},
                {"sun.net.httpserver.maxReqHeaders", "100"}, {"sun.net.httpserver.maxReqHeaderSize", "16384"},
                {"sun.net.httpserver.maxReqTime", "30"}, {"sun.net.httpserver.idleInterval", "30"}}) {
            if (System.getProperty(p[0]) == null) {
                System.setProperty(p[0], p[1]);
            }
        }
    }

    /** The token in {@code file}, made there (owner-only) on first use, so it outlives restarts. */
    private static String ownToken(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Path temp = Files.createTempFile(file.getParent(), ".api-token", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, token + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return token;
    }

    /** The service's pipeline: one process per class, labelled with it, with no task of its own. */
    static String classesPipeline(ServeSettings settings) {
        StringBuilder yaml = new StringBuilder("# Written by sluice serve from serve.classes of the config; each class"
                + " is routed by process.withLabel.<class>.\nname: sluice-serve\nprocesses:\n");
        for (String c : settings.classes().keySet()) {
            // Quoted: a class named null, true or 1e3 is still that text.
            yaml.append("  '").append(c).append("':\n    labels: ['").append(c).append("']\n")
                    .append("    command: [\"true\"]\n");
        }
        return yaml.toString();
    }

    private static int invalid(PrintWriter err, InvalidInputException e) {
        err.println("sluice: the service cannot start; fix these and try again:");
        for (String line : e.getMessage().split("\n")) {
            err.println("  " + line);
        }
        err.flush();
        return ExitCodes.INVALID_INPUT;
    }

    private static int fail(PrintWriter err, int code, String message) {
        err.println("sluice: " + message);
        err.flush();
        return code;
    }
}
