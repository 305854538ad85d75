package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Docker Engine that tests needing one talk to, through the docker CLI (the world outside
 * sluice). {@code .ci/docker-up} starts it and builds {@link #IMAGE}; in CI ({@code SLUICE_REQUIRE_DOCKER}
 * set) a missing engine fails the test, elsewhere it skips it.
 */
final class DockerEngine {
    /** The busybox image {@code .ci/docker-up} builds locally. */
    static final String IMAGE = "sluice-test/busybox:1";
    /** An image only the local registry of {@code .ci/docker-up} has, for pull tests. */
    static final String PULLABLE = "127.0.0.1:5000/sluice-test/pullable:1";

    private DockerEngine() {
    }

    /** Fails (in CI) or skips (elsewhere) unless the engine answers and has {@link #IMAGE}. */
    static void require() throws InterruptedException {
        String problem = null;
        try {
            docker("image", "inspect", "-f", "{{.Id}}", IMAGE);
        } catch (IOException | AssertionError e) {
            problem = "a Docker Engine with the image " + IMAGE + " is needed (run .ci/docker-up as root): "
                    + e.getMessage();
        }
        if (problem == null) {
            return;
        }
        if (System.getenv("SLUICE_REQUIRE_DOCKER") != null) {
            throw new AssertionError(problem);
        }
        Assumptions.abort(problem);
    }

    /** Runs the docker CLI and returns its standard output; fails when it exits non-zero. */
    static String docker(String... args) throws IOException, InterruptedException {
        return docker(List.of(), args);
    }

    static String docker(List<String> first, String... rest) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(first);
        cmd.addAll(List.of(rest));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }

    static void dockerIgnoringFailure(String... args) throws IOException, InterruptedException {
        try {
            docker(args);
        } catch (AssertionError e) {
            // Cleaning up what may not exist.
        }
    }
}
