package dev.sluice.host;

import java.io.File;
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
 * The single-node Slurm cluster that Slurm tests need, through Slurm's own commands. A test calls
 * {@link #require()} first: without a cluster whose node is up it is skipped, or, when the environment
 * variable {@value #REQUIRE_VARIABLE} is set (CI sets it), it fails; both say to run {@code .ci/slurm-up}.
 */
public final class SlurmCluster {
    /** Set (to anything) where a missing cluster must fail the Slurm tests rather than skip them. */
    public static final String REQUIRE_VARIABLE = "SLUICE_REQUIRE_SLURM";

    /** What a Slurm command did: its exit code and its output, merged. */
    public record Result(int exitCode, String output) {
        public String trimmed() {
            return output.strip();
        }
    }

    private static String problem;

    private SlurmCluster() {
    }

    /** Skips or fails the calling test unless a Slurm controller answers and its node takes jobs. */
    public static synchronized void require() {
        if (problem == null) {
            problem = check();
        }
        if (problem.isEmpty()) {
            return;
        }
        String message = "Slurm tests need a running single-node Slurm cluster, but " + problem
                + "; run .ci/slurm-up (as root) to install and start one";
        String required = System.getenv(REQUIRE_VARIABLE);
        if (required != null && !required.isEmpty()) {
            Assertions.fail(message + " (" + REQUIRE_VARIABLE + " is set, so this fails instead of skipping)");
        }
        Assumptions.abort(message);
    }

    private static String check() {
        try {
            Result ping = run("scontrol", "ping");
            if (ping.exitCode() != 0 || !ping.output().contains("UP")) {
                return "'scontrol ping' says: " + ping.trimmed();
            }
            Result nodes = run("sinfo", "-h", "-o", "%t");
            if (nodes.exitCode() != 0 || !nodes.output().matches("(?s).*\\b(idle|mix|alloc)\\b.*")) {
                return "no node takes jobs ('sinfo' says: " + nodes.trimmed() + ")";
            }
            return "";
        } catch (IOException e) {
            return "Slurm's commands cannot be run (" + e.getMessage() + ")";
        }
    }

    /** Runs a Slurm command and waits up to 60 s for it. */
    public static Result run(String... argv) throws IOException {
        Path out = Files.createTempFile("sluice-slurm", ".txt");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("'" + String.join(" ", argv) + "' did not finish within 60 s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running '" + String.join(" ", argv) + "'", e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Jobs still queued or running on the cluster, as "id name state" lines. */
    public static List<String> liveJobs() throws IOException {
        Result r = run("squeue", "-h", "-t", "PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED", "-o", "%i %j %T");
        if (r.exitCode() != 0) {
            Assertions.fail("squeue failed: " + r.trimmed());
        }
        return new ArrayList<>(r.output().strip().lines().filter(l -> !l.isBlank()).toList());
    }

    /** Jobs of a run (named by its run id) in any state, as "id state reason" lines. */
    public static List<String> jobsOfRun(String runId) throws IOException {
        Result r = run("squeue", "-h", "-t", "all", "--name=" + runId, "-o", "%i %T %r");
        return r.output().strip().lines().filter(l -> !l.isBlank()).toList();
    }
}
