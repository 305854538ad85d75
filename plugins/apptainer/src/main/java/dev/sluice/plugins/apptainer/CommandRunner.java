package dev.sluice.plugins.apptainer;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one {@code apptainer} command (a pull) to its end. The plugin's only way to start processes, so
 * that tests can put a fake in its place, or pass the real one an environment of their own.
 */
interface CommandRunner {

    /**
     * What a command did.
     *
     * @param exitCode its exit status; meaningless when it timed out
     * @param output   the last lines it wrote (stdout and stderr together)
     * @param timedOut whether it ran past its timeout and was killed
     */
    record Result(int exitCode, List<String> output, boolean timedOut) {
        boolean ok() {
            return !timedOut && exitCode == 0;
        }
    }

    /**
     * Runs {@code argv} with stdin closed, handing each line of output to {@code lines} as it comes.
     * When interrupted, kills the command (and what it started) before throwing.
     *
     * @throws IOException when the program cannot be started
     */
    Result run(List<String> argv, Duration timeout, Consumer<String> lines) throws IOException, InterruptedException;

    /** Runs real processes with sluice's environment plus {@code extraEnvironment}. */
    static CommandRunner processes(Map<String, String> extraEnvironment) {
        return (argv, timeout, lines) -> runProcess(argv, timeout, lines, extraEnvironment);
    }

    /** How many lines of a command's output are kept for its error message. */
    int KEPT_LINES = 20;

    private static Result runProcess(List<String> argv, Duration timeout, Consumer<String> lines,
            Map<String, String> extraEnvironment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(extraEnvironment);
        Process process = builder.start();
        Deque<String> kept = new ArrayDeque<>();
        // The output is read on a virtual thread of its own, so that a chatty pull never blocks on a full pipe.
        Thread reader = Thread.ofVirtual().name("apptainer-output-" + process.pid()).start(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (kept) {
                        kept.addLast(line);
                        if (kept.size() > KEPT_LINES) {
                            kept.removeFirst();
                        }
                    }
                    lines.accept(line);
                }
            } catch (IOException ignored) {
                // The process is gone; what was read is kept.
            }
        });
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                reader.join(Duration.ofSeconds(5));
                return new Result(-1, snapshot(kept), true);
            }
            reader.join(Duration.ofSeconds(5));
            return new Result(process.exitValue(), snapshot(kept), false);
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        } finally {
            if (process.isAlive()) {
                kill(process);
            }
        }
    }

    /** SIGKILL to the command and everything it started: a pull's helpers must not outlive it. */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static List<String> snapshot(Deque<String> kept) {
        synchronized (kept) {
            return List.copyOf(kept);
        }
    }
}
