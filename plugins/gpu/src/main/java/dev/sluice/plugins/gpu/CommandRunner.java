package dev.sluice.plugins.gpu;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command (nvidia-smi, dmesg) to its end or its timeout. The plugin's only way to run
 * anything, so that tests can answer in its place without a GPU.
 */
interface CommandRunner {

    /**
     * What a command did.
     *
     * @param exitCode its exit status
     * @param timedOut whether it ran past its timeout and was killed (then {@code exitCode} is -1)
     * @param stdout   its standard output
     * @param stderr   its standard error
     */
    record Result(int exitCode, boolean timedOut, String stdout, String stderr) {
        static Result ok(String stdout) {
            return new Result(0, false, stdout, "");
        }

        static Result failed(int exitCode, String stdout, String stderr) {
            return new Result(exitCode, false, stdout, stderr);
        }

        static Result timeout() {
            return new Result(-1, true, "", "");
        }

        boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** What the command said, stderr and stdout, on one line and cut short, for messages. */
        String said() {
            String text = (stderr.strip() + "\n" + stdout.strip()).strip();
            text = text.replaceAll("\\s*\\n\\s*", "; ");
            return text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }
    }

    /**
     * Runs {@code argv} with stdin closed, killing it (and what it started) after {@code timeout}.
     *
     * @throws IOException when the program cannot be started, e.g. it is not installed
     */
    Result run(List<String> argv, Duration timeout) throws IOException, InterruptedException;

    /** Runs real processes. */
    static CommandRunner processes() {
        return CommandRunner::runProcess;
    }

    private static Result runProcess(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        // Each pipe is drained on a virtual thread of its own so that a chatty command cannot block on a full pipe.
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Thread outReader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), err));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return Result.timeout();
            }
            // A child that outlives the command could keep a pipe open: do not wait on the readers forever.
            outReader.join(Duration.ofSeconds(1));
            errReader.join(Duration.ofSeconds(1));
            synchronized (out) {
                synchronized (err) {
                    return new Result(process.exitValue(), false, out.toString(), err.toString());
                }
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private static void drain(InputStream in, StringBuilder into) {
        try (in) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            synchronized (into) {
                into.append(text);
            }
        } catch (IOException ignored) {
            // The process is gone; what was read is kept.
        }
    }
}
