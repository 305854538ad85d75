package dev.sluice.kit;

import dev.sluice.kit.CommandRunner.Command;
import dev.sluice.kit.CommandRunner.Result;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** {@link CommandRunner#processes()}: runs real processes as that interface describes. */
final class ProcessRunner {
    /** How long, after a command ended or was killed, its output is still waited for (a child may hold a pipe). */
    static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

    private ProcessRunner() {
    }

    static Result run(Command command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command.argv()).redirectErrorStream(command.mergeStderr())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(command.environment());
        Process process = builder.start();
        Output out = new Output(command.keepLastLines());
        Output err = new Output(command.keepLastLines());
        // Each pipe is drained on a virtual thread of its own, so that a chatty command cannot block on a full pipe.
        Thread outReader = Thread.ofVirtual().name("command-stdout-" + process.pid())
                .start(() -> drain(process.getInputStream(), out, command.lines()));
        Thread errReader = command.mergeStderr() ? null
                : Thread.ofVirtual().name("command-stderr-" + process.pid())
                        .start(() -> drain(process.getErrorStream(), err, null));
        try {
            boolean ended = process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                killTree(process);
            }
            // A child that outlives the command could keep a pipe open: do not wait on the readers forever.
            outReader.join(OUTPUT_GRACE);
            if (errReader != null) {
                errReader.join(OUTPUT_GRACE);
            }
            return ended ? new Result(process.exitValue(), false, out.text(), err.text())
                    : new Result(-1, true, out.text(), err.text());
        } finally {
            // Also when interrupted: the command and its helpers must not outlive the caller's interest.
            killTree(process);
        }
    }

    /** SIGKILL to the command and everything it started (its descendants first, while they are still its own). */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void drain(InputStream in, Output into, Consumer<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                into.add(line);
                if (lines != null) {
                    lines.accept(line);
                }
            }
        } catch (IOException ignored) {
            // The process is gone; what was read is kept.
        }
    }

    /** The lines read from one pipe: all of them, or the last {@code keep}. */
    private static final class Output {
        private final int keep;
        private final Deque<String> lines = new ArrayDeque<>();

        Output(int keep) {
            this.keep = keep;
        }

        synchronized void add(String line) {
            lines.addLast(line);
            if (keep > 0 && lines.size() > keep) {
                lines.removeFirst();
            }
        }

        synchronized String text() {
            StringBuilder text = new StringBuilder();
            for (String line : lines) {
                text.append(line).append('\n');
            }
            return text.toString();
        }
    }
}
