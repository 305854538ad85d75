package dev.sluice.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The Docker Engine that Docker tests need, through the {@code docker} CLI. A test calls
 * {@link #require()} first: without an engine (or without the test image) it is skipped, or, when
 * the environment variable {@value #REQUIRE_VARIABLE} is set (CI sets it), it fails; both say to run
 * {@code .ci/docker-up}, which starts the engine and builds the image.
 */
public final class DockerEngine {
    /** Set (to anything) where a missing engine must fail the Docker tests rather than skip them. */
    public static final String REQUIRE_VARIABLE = "SLUICE_REQUIRE_DOCKER";
    /** The image {@code .ci/docker-up} builds: a busybox root file system, no registry needed. */
    public static final String TEST_IMAGE = "sluice-test/busybox:1";
    /** An image only the local registry of {@code .ci/docker-up} serves, for pull tests. */
    public static final String PULLABLE_IMAGE = "127.0.0.1:5000/sluice-test/pullable:1";

    /** What a {@code docker} command did: its exit code and its standard output and error, merged. */
    public record Result(int exitCode, String output) {
        /** The output without surrounding white space. */
        public String trimmed() {
            return output.strip();
        }
    }

    /** Why the engine cannot be used, or "" once it was found usable; {@code null} before the first check. */
    private static String problem;

    private DockerEngine() {
    }

    /**
     * Skips the calling test (JUnit assumption), or fails it when {@value #REQUIRE_VARIABLE} is set,
     * unless a Docker Engine answers and has {@link #TEST_IMAGE}. Checks once per test JVM.
     */
    public static synchronized void require() {
        if (problem == null) {
            problem = check();
        }
        if (problem.isEmpty()) {
            return;
        }
        String message = "Docker tests need a Docker Engine with the image " + TEST_IMAGE + ", but " + problem
                + "; run .ci/docker-up (as root) to start one and build the image";
        String required = System.getenv(REQUIRE_VARIABLE);
        if (required != null && !required.isEmpty()) {
            Assertions.fail(message + " (" + REQUIRE_VARIABLE + " is set, so this fails instead of skipping)");
        }
        Assumptions.abort(message);
    }

    private static String check() {
        Result info;
        try {
            info = docker("info", "--format", "{{.ServerVersion}}");
        } catch (IOException e) {
            return "the docker CLI cannot be run (" + e.getMessage() + ")";
        }
        if (info.exitCode() != 0) {
            return "'docker info' failed: " + lastLine(info.output());
        }
        try {
            Result image = docker("image", "inspect", "--format", "{{.Id}}", TEST_IMAGE);
            if (image.exitCode() != 0) {
                return "the engine (" + info.trimmed() + ") has no image " + TEST_IMAGE;
            }
        } catch (IOException e) {
            return "'docker image inspect' failed (" + e.getMessage() + ")";
        }
        return "";
    }

    /**
     * Runs {@code docker ARGS...} and waits up to 60 s for it.
     *
     * @throws IOException when the CLI cannot be started, or does not finish in time
     */
    public static Result docker(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        // Into a file, not a pipe: a hung CLI must not block the read past the time limit.
        Path out = Files.createTempFile("sluice-docker", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("'" + String.join(" ", cmd) + "' did not finish within 60 s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running '" + String.join(" ", cmd) + "'", e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Runs {@code docker ARGS...} and returns its output; fails the test, with the output, when it exits
     * other than 0.
     */
    public static String dockerOk(String... args) throws IOException {
        Result r = docker(args);
        if (r.exitCode() != 0) {
            Assertions.fail("'docker " + String.join(" ", args) + "' exited with " + r.exitCode() + ": " + r.trimmed());
        }
        return r.output();
    }

    /**
     * Stops the engine as an operator's restart does (SIGTERM to {@code dockerd}), waits until it is gone,
     * waits {@code down} more, starts it again as {@code .ci/docker-up} does and waits until it answers.
     * Needs the rights to signal and start {@code dockerd} (root, in CI).
     */
    public static void restartDaemon(java.time.Duration down) throws IOException, InterruptedException {
        run("pkill", "-TERM", "-x", "dockerd");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (run("pgrep", "-x", "dockerd") == 0) {
            if (System.nanoTime() > deadline) {
                Assertions.fail("dockerd did not stop within 60 s of SIGTERM");
            }
            Thread.sleep(100);
        }
        Thread.sleep(down.toMillis());
        new ProcessBuilder("setsid", "dockerd").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new java.io.File("/tmp/dockerd.log")))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (docker("info", "--format", "{{.ServerVersion}}").exitCode() != 0) {
            if (System.nanoTime() > deadline) {
                Assertions.fail("dockerd did not answer within 60 s of its start; see /tmp/dockerd.log");
            }
            Thread.sleep(200);
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    private static String lastLine(String output) {
        List<String> lines = output.strip().lines().toList();
        return lines.isEmpty() ? "(no output)" : lines.getLast();
    }
}
