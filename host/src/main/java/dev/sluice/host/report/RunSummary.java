package dev.sluice.host.report;

import dev.sluice.host.task.TaskState;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The summary printed when a run ends: counts, wall time, failures with their details, file paths. */
public final class RunSummary {
    private static final int STDERR_LINES = 5;
    private static final int FAILURES_SHOWN = 10;
    private static final int TAIL_BYTES = 64 * 1024;

    private RunSummary() {
    }

    public static void print(PrintWriter out, String runId, RunResult result, Path trace) {
        print(out, runId, result, trace, null, null);
    }

    /** The summary, ending with the paths of the run's trace, event log and report ({@code null}: none). */
    public static void print(PrintWriter out, String runId, RunResult result, Path trace, Path events,
            Path report) {
        print(out, runId, result, trace, events, report, null);
    }

    /** The summary, then the paths of the files the run wrote: trace, events, report and log. */
    public static void print(PrintWriter out, String runId, RunResult result, Path trace, Path events,
            Path report, Path log) {
        Map<TaskState, Integer> counts = result.counts();
        String countText = counts.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().label())
                .collect(Collectors.joining(", "));
        out.println();
        String verdict = result.verdict();
        // Concatenated, not formatted: no java.util.Formatter on a run's path (its first %d loads the locale's
        // number symbols); numbers in ASCII digits, as elsewhere in the run's output.
        out.println("Run " + runId + " " + verdict + " in " + Units.formatDuration(result.wallTime()) + ": "
                + (countText.isEmpty() ? "no tasks" : countText));
        if (result.stopReason() != null && !result.succeeded()) {
            out.println("Stopped because " + result.stopReason() + ".");
        }
        List<TaskProgress> failures = result.failures();
        for (int i = 0; i < Math.min(FAILURES_SHOWN, failures.size()); i++) {
            TaskProgress t = failures.get(i);
            out.println();
            out.println("Task " + t.id() + " " + t.name() + " "
                    + (t.state() == TaskState.IGNORED ? "failed, ignored" : "failed") + " (attempt " + t.attempt()
                    + "): " + Redaction.redact(t.error()));
            if (t.task() != null) {
                out.println("  command: " + Redaction.redact(String.join(" ", t.task().command())));
                out.println("  workdir: " + t.task().workDir());
            }
            if (t.exitCode() != null) {
                out.println("  exit code: " + t.exitCode());
            }
            for (String line : stderrTail(t, STDERR_LINES)) {
                out.println("  | " + Redaction.redact(line));
            }
        }
        if (failures.size() > FAILURES_SHOWN) {
            out.println();
            out.println("... and " + (failures.size() - FAILURES_SHOWN) + " more failed tasks (see the trace)");
        }
        if (trace != null) {
            out.println("Trace: " + trace);
        }
        if (events != null) {
            out.println("Events: " + events);
        }
        if (report != null) {
            out.println("Report: " + report);
        }
        if (log != null) {
            out.println("Log: " + log);
        }
        out.flush();
    }

    /**
     * The last {@code maxLines} lines of the task's latest stderr ({@code .command.err}); empty when there
     * is none. Reads only the file's end, since a task may write gigabytes there.
     */
    public static List<String> stderrTail(TaskProgress t, int maxLines) {
        return t.files() == null ? List.of() : stderrTail(t.files().stderr(), maxLines);
    }

    /** The last {@code maxLines} lines of the file {@code stderr}; empty when there is none. */
    public static List<String> stderrTail(java.nio.file.Path stderr, int maxLines) {
        if (!Files.isRegularFile(stderr)) {
            return List.of();
        }
        try (SeekableByteChannel channel = Files.newByteChannel(stderr)) {
            long size = channel.size();
            long from = Math.max(0, size - TAIL_BYTES);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            channel.position(from);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read to the end
            }
            List<String> lines = new ArrayList<>(new String(buffer.array(), 0, buffer.position(),
                    StandardCharsets.UTF_8).lines().toList());
            if (from > 0 && !lines.isEmpty()) {
                lines.remove(0); // cut in the middle
            }
            return List.copyOf(lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
        } catch (IOException | RuntimeException e) {
            return List.of("(stderr unreadable: " + e.getMessage() + ")");
        }
    }
}
