package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real sluice with the plugins under test installed, for tests of a plugin: each {@link #run} or
 * {@link #validate} writes a pipeline, runs {@code sluice} on it in a process of its own (the test's JVM
 * binary) and returns what it left: exit code, output, trace, events and log ({@link HarnessRun}). The
 * plugins load from their zips exactly as an installed plugin does, through their own class loaders; the
 * test's class path gives them nothing.
 *
 * <p>The host runs from the directory named by the system property {@value #HOST_PROPERTY}: the host
 * and its own libraries, which the plugin parent unpacks from {@code sluice-host}'s runtime zip before
 * the {@code *IT} tests, so a library the plugin depends on in another version never replaces the
 * host's. Without the property (a test started from an IDE, say) the host runs from the test's class
 * path, where Maven may have picked the plugin's version of a library the host uses too.
 *
 * <pre>{@code
 * try (SluiceHarness sluice = SluiceHarness.forThisPlugin()) {
 *     HarnessRun run = sluice.run("""
 *             plugins: [{id: quota}]
 *             processes:
 *               hello:
 *                 command: [echo, hello]
 *             """);
 *     assertThat(run.exitCode()).as(run.output()).isZero();
 *     assertThat(run.task("hello").get("status")).isEqualTo("SUCCEEDED");
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one test, one harness. Everything it writes is under one temporary directory,
 * removed by {@link #close()} unless the system property {@code sluice.harness.keep} is set. Each command
 * line it runs is printed to the test's standard output ({@code SluiceHarness: java ...}, in
 * {@code target/failsafe-reports/<test>-output.txt} under the plugin parent), kept in {@code command.txt}
 * beside the command's work directory, and given by {@link HarnessRun#command()}.
 */
public final class SluiceHarness implements AutoCloseable {
    /** Set by the plugin parent's failsafe configuration: the zip {@code package} built. */
    public static final String ZIP_PROPERTY = "sluice.plugin.zip";
    /** Set by the plugin parent's failsafe configuration: the directory of the host's jars. */
    public static final String HOST_PROPERTY = "sluice.harness.host";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private final Path root;
    private final Path pluginsDir;
    private String config;
    private Duration timeout = DEFAULT_TIMEOUT;
    private int runs;

    private SluiceHarness(Path root) {
        this.root = root;
        this.pluginsDir = root.resolve("plugins");
    }

    /**
     * A harness with the plugin this project builds: the zip named by the system property
     * {@value #ZIP_PROPERTY}, which the plugin parent sets for tests named {@code *IT} (run by
     * {@code mvn verify}, after {@code package} made the zip).
     *
     * @throws IllegalStateException when the property is not set or the zip is not there, saying why
     */
    public static SluiceHarness forThisPlugin() {
        String zip = System.getProperty(ZIP_PROPERTY);
        if (zip == null || zip.isBlank()) {
            throw new IllegalStateException("SluiceHarness.forThisPlugin(): the system property " + ZIP_PROPERTY
                    + " is not set. Name the test class *IT and run it with `mvn verify` in a project whose parent"
                    + " is sluice-plugin-parent (which sets it), or call SluiceHarness.forPlugins(zip).");
        }
        return forPlugins(Path.of(zip));
    }

    /**
     * A harness with these plugin zips installed (and nothing else: the distribution's bundled
     * plugins are not there unless passed too).
     *
     * @throws IllegalArgumentException when a zip is missing
     */
    public static SluiceHarness forPlugins(Path... zips) {
        for (Path zip : zips) {
            if (!Files.isRegularFile(zip)) {
                throw new IllegalArgumentException("plugin zip " + zip.toAbsolutePath() + " does not exist"
                        + (zip.toString().endsWith(".zip") ? "; build it first (mvn package)" : "; pass a zip"));
            }
        }
        try {
            Path root = Files.createTempDirectory("sluice-harness-");
            SluiceHarness harness = new SluiceHarness(root);
            Files.createDirectories(harness.pluginsDir);
            for (Path zip : zips) {
                Files.copy(zip, harness.pluginsDir.resolve(zip.getFileName()));
            }
            return harness;
        } catch (IOException e) {
            throw new UncheckedIOException("could not set up the harness's directory", e);
        }
    }

    /**
     * Runs every later pipeline with this operator config ({@code sluice run -c}), e.g. the plugin's
     * settings under {@code plugins: <id>:} or per-process hints.
     */
    public SluiceHarness withConfig(String operatorConfigYaml) {
        this.config = operatorConfigYaml;
        return this;
    }

    /** Gives each later command this long before it is killed and the test fails (default 2 minutes). */
    public SluiceHarness withTimeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** The directory the plugin zips are installed in, to add or inspect one. */
    public Path pluginsDir() {
        return pluginsDir;
    }

    /** {@code sluice run} on this pipeline, with {@code extraArgs} after the harness's own options. */
    public HarnessRun run(String pipelineYaml, String... extraArgs) {
        return command("run", pipelineYaml, extraArgs);
    }

    /** {@code sluice validate} on this pipeline: nothing runs. */
    public HarnessRun validate(String pipelineYaml, String... extraArgs) {
        return command("validate", pipelineYaml, extraArgs);
    }

    private HarnessRun command(String command, String pipelineYaml, String... extraArgs) {
        try {
            Path dir = Files.createDirectories(root.resolve(command + "-" + (++runs)));
            Path pipeline = dir.resolve("pipeline.yaml");
            Files.writeString(pipeline, pipelineYaml, StandardCharsets.UTF_8);
            Path work = dir.resolve("work");
            List<String> argv = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // Not the distribution's jvm.options: the host runs from the test's class path here, and
                    // of those options only native access changes what a run does (the rest tune start-up).
                    "--enable-native-access=ALL-UNNAMED",
                    // No distribution: its bundled plugins are not looked for, only the harness's.
                    "-Dsluice.home=" + root.resolve("no-distribution"),
                    "-cp", hostClassPath(),
                    "dev.sluice.host.cli.SluiceMain", command, pipeline.toString(),
                    "--plugins-dir", pluginsDir.toString()));
            if (command.equals("run")) {
                argv.addAll(List.of("-w", work.toString()));
            }
            if (config != null) {
                Path configFile = dir.resolve("sluice-config.yaml");
                Files.writeString(configFile, config, StandardCharsets.UTF_8);
                argv.addAll(List.of("-c", configFile.toString()));
            }
            argv.addAll(List.of(extraArgs));
            // What ran, for the author who wants to run it again by hand: in the test's output, and beside it.
            Files.write(dir.resolve("command.txt"), argv, StandardCharsets.UTF_8);
            System.out.println("SluiceHarness: " + String.join(" ", argv));
            ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
                    .redirectOutput(dir.resolve("stdout.txt").toFile())
                    .redirectError(dir.resolve("stderr.txt").toFile());
            pb.environment().remove("SLUICE_PLUGINS_DIR");
            Process process = pb.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
                throw new AssertionError("sluice " + command + " did not end within " + timeout
                        + " (SluiceHarness.withTimeout to give it longer); its output so far:\n"
                        + Files.readString(dir.resolve("stdout.txt")) + Files.readString(dir.resolve("stderr.txt")));
            }
            return new HarnessRun(argv, process.exitValue(), Files.readString(dir.resolve("stdout.txt")),
                    Files.readString(dir.resolve("stderr.txt")), work);
        } catch (IOException e) {
            throw new UncheckedIOException("the harness could not run sluice " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sluice " + command + " ran", e);
        }
    }

    /** The host's jars ({@value #HOST_PROPERTY}), or the test's class path when the property is not set. */
    static String hostClassPath() {
        String host = System.getProperty(HOST_PROPERTY);
        if (host == null || host.isBlank()) {
            return System.getProperty("java.class.path");
        }
        Path lib = Path.of(host);
        if (!Files.isRegularFile(lib.resolve("sluice-host.jar"))) {
            throw new IllegalStateException("the host for the harness is not in " + lib.toAbsolutePath()
                    + " (system property " + HOST_PROPERTY + "): the plugin parent unpacks it there before the"
                    + " *IT tests; run them with `mvn verify`, after `./build install` in the sluice repository"
                    + " installed sluice-host's runtime zip");
        }
        return lib.toAbsolutePath() + File.separator + "*";
    }

    /** Removes everything the harness wrote, unless {@code -Dsluice.harness.keep} is set. */
    @Override
    public void close() {
        if (System.getProperty("sluice.harness.keep") != null) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary directory is no reason to fail a test.
        }
    }
}
