package dev.sluice.plugins.slurm;

import dev.sluice.spi.Units;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of Slurm's commands to its end. The executor's only way to the scheduler, so that tests can
 * put a fake scheduler written by hand in its place.
 */
interface CommandRunner {

    /**
     * What a command did.
     *
     * @param exitCode its exit status, or -1 when it ran past its timeout and was killed
     * @param stdout   its standard output
     * @param stderr   its standard error
     */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        boolean timedOut() {
            return exitCode == -1;
        }

        /** Slurm's own words: stderr, else stdout, on one line. */
        String message() {
            String text = stderr.isBlank() ? stdout : stderr;
            return text.strip().replaceAll("\\s*\\n\\s*", "; ");
        }
    }

    /**
     * Runs {@code argv} with stdin closed.
     *
     * @throws IOException when the program cannot be started (not installed)
     */
    Result run(List<String> argv, Duration timeout) throws IOException, InterruptedException;

    /** Runs real processes. */
    static CommandRunner processes() {
        return CommandRunner::runProcess;
    }

    private static Result runProcess(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        // Both pipes are drained on virtual threads of their own, so neither can fill up and block the command.
        StringBuffer out = new StringBuffer();
        StringBuffer err = new StringBuffer();
        Thread outReader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), err));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new Result(-1, "", "did not answer within " + Units.formatDuration(timeout));
            }
            outReader.join();
            errReader.join();
            return new Result(process.exitValue(), out.toString(), err.toString());
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    private static void drain(InputStream in, StringBuffer into) {
        try (in) {
            into.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // The process is gone; what was read is kept.
        }
    }
}
