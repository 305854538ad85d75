package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built distribution's {@code sluice} command as a separate process, the way users do. */
final class SluiceProcess {
    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private SluiceProcess() {
    }

    static Path dist() {
        String dist = System.getProperty("sluice.dist");
        assertThat(dist).as("system property sluice.dist (set by failsafe)").isNotNull();
        return Path.of(dist);
    }

    static ProcessBuilder builder(Path workingDir, String... args) {
        return builder(List.of(), workingDir, args);
    }

    /**
     * A sluice command as {@code ./sluice} starts it (the distribution's {@code jvm.options} first), whose
     * JVM gets {@code jvmOptions} too, after them, as SLUICE_JAVA_OPTS gives them.
     */
    static ProcessBuilder builder(List<String> jvmOptions, Path workingDir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("@" + dist().resolve("jvm.options"));
        cmd.addAll(jvmOptions);
        cmd.add("-Dsluice.home=" + dist());
        cmd.add("-cp");
        cmd.add(dist().resolve("lib") + "/*");
        cmd.add("dev.sluice.host.cli.SluiceMain");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toFile());
        pb.environment().remove("SLUICE_PLUGINS_DIR");
        return pb;
    }

    static Result run(Path workingDir, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("sluice-out", ".txt");
        Path err = Files.createTempFile("sluice-err", ".txt");
        Process p = builder(workingDir, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sluice did not finish within 120 s: " + List.of(args));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return r;
    }

    /** The rows of the trace a run wrote (the header first), found through the summary's {@code Trace:} line. */
    static List<String[]> traceRows(String stdout) throws IOException {
        String path = stdout.lines().filter(l -> l.startsWith("Trace: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no trace path in:\n" + stdout)).substring(7);
        return Files.readAllLines(Path.of(path)).stream().map(l -> l.split("\t", -1)).toList();
    }

    /** The index of a trace column, by its header. */
    static int column(List<String[]> rows, String name) {
        int i = java.util.Arrays.asList(rows.get(0)).indexOf(name);
        assertThat(i).as("trace column " + name).isGreaterThanOrEqualTo(0);
        return i;
    }

    /** Waits up to 20 s for the process to be gone or a zombie (killed, not yet reaped). */
    static boolean isGoneOrZombie(long pid) throws IOException, InterruptedException {
        return isGoneOrZombie(pid, Duration.ofSeconds(20));
    }

    /** Waits up to {@code wait} for the process to be gone or a zombie; looks once for a zero wait. */
    static boolean isGoneOrZombie(long pid, Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            Path stat = Path.of("/proc", Long.toString(pid), "stat");
            if (!Files.exists(stat)) {
                return true;
            }
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (IOException vanished) {
                return true;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return false;
    }
}
