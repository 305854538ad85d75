package dev.sluice.host.run;

import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.monitor.TaskRecord;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.io.PrintWriter;
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

    private RunSummary() {
    }

    public static void print(PrintWriter out, String runId, RunResult result, Path trace) {
        Map<TaskState, Integer> counts = result.counts();
        String countText = counts.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().label())
                .collect(Collectors.joining(", "));
        out.println();
        String verdict = result.cancelled() ? "stopped" : result.succeeded() ? "succeeded" : "failed";
        out.printf("Run %s %s in %s: %s%n", runId, verdict, Units.formatDuration(result.wallTime()),
                countText.isEmpty() ? "no tasks" : countText);
        if (result.stopReason() != null && !result.succeeded()) {
            out.println("Stopped because " + result.stopReason() + ".");
        }
        List<TaskRecord> failures = result.failures();
        for (int i = 0; i < Math.min(FAILURES_SHOWN, failures.size()); i++) {
            TaskRecord t = failures.get(i);
            out.printf("%nTask %s %s %s (attempt %d): %s%n", t.id(), t.name(),
                    t.state() == TaskState.IGNORED ? "failed, ignored" : "failed", t.attempt(),
                    Redaction.redact(t.error()));
            if (t.task() != null) {
                out.println("  command: " + Redaction.redact(String.join(" ", t.task().command())));
                out.println("  workdir: " + t.task().workDir());
            }
            if (t.exitCode() != null) {
                out.println("  exit code: " + t.exitCode());
            }
            for (String line : stderrTail(t)) {
                out.println("  | " + Redaction.redact(line));
            }
        }
        if (failures.size() > FAILURES_SHOWN) {
            out.printf("%n... and %d more failed tasks (see the trace)%n", failures.size() - FAILURES_SHOWN);
        }
        if (trace != null) {
            out.println("Trace: " + trace);
        }
        out.flush();
    }

    private static List<String> stderrTail(TaskRecord t) {
        if (t.files() == null || !Files.isRegularFile(t.files().stderr())) {
            return List.of();
        }
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(t.files().stderr(), StandardCharsets.UTF_8)) {
                lines.add(line);
                if (lines.size() > STDERR_LINES) {
                    lines.remove(0);
                }
            }
            return lines;
        } catch (IOException | RuntimeException e) {
            return List.of("(stderr unreadable: " + e.getMessage() + ")");
        }
    }
}
