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
    /** How long, after a command ended, the rest of its output is waited for (a child may hold a pipe). */
    static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);
    /** The same after a command was killed at its timeout: the caller has waited long enough already. */
    static final Duration KILLED_OUTPUT_GRACE = Duration.ofSeconds(1);

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
            // A child that outlives the command could keep a pipe open: the readers get one shared
            // deadline, then what was read is the result (a reader still blocked is left to end with
            // the pipe).
            long deadline = System.nanoTime() + (ended ? OUTPUT_GRACE : KILLED_OUTPUT_GRACE).toNanos();
            joinBy(outReader, deadline);
            joinBy(errReader, deadline);
            return ended ? new Result(process.exitValue(), false, out.text(), err.text())
                    : new Result(-1, true, out.text(), err.text());
        } finally {
            // When interrupted, the command and its helpers must not outlive the caller's interest. Only
            // while it lives: once it is reaped its pid may be another process's, and its children are
            // no longer its descendants.
            if (process.isAlive()) {
                killTree(process);
            }
        }
    }

    private static void joinBy(Thread reader, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (reader != null && left > 0) {
            reader.join(Duration.ofNanos(left));
        }
    }

    /**
     * SIGKILL to the command and everything it started: its descendants first, while they are still its
     * own, in passes until none is left (one may fork while the previous pass kills), then the command.
     */
    private static void killTree(Process process) {
        for (int pass = 0; pass < 3; pass++) {
            java.util.List<ProcessHandle> descendants = process.descendants().toList();
            if (descendants.isEmpty()) {
                break;
            }
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
        process.destroyForcibly();
    }

    private static void drain(InputStream in, Output into, Consumer<String> lines) {
        Consumer<String> consumer = lines;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                into.add(line);
                if (consumer != null) {
                    try {
                        consumer.accept(line);
                    } catch (RuntimeException e) {
                        // The caller's fault must not stop the draining: a full pipe would stall the command.
                        consumer = null;
                    }
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
