package dev.sluice.host.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.task.TaskState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's first line: how the run went, then how its tasks did. */
class RunSummaryTest {
    private static String firstLine(RunResult result) {
        StringWriter text = new StringWriter();
        RunSummary.print(new PrintWriter(text), "r1", result, null);
        return text.toString().strip().lines().findFirst().orElseThrow();
    }

    @Test
    void aRunThatGoesOnThroughItsTasksFailuresEndedRatherThanSucceeded() {
        assertThat(firstLine(new RunResult(true, false, null, List.of(), Map.of(TaskState.SUCCEEDED, 5,
                TaskState.FAILED, 2), Duration.ofSeconds(3)))).isEqualTo("Run r1 ended in 3s: 5 succeeded, 2 failed");
        assertThat(firstLine(new RunResult(true, false, null, List.of(), Map.of(TaskState.SUCCEEDED, 5),
                Duration.ofSeconds(3)))).isEqualTo("Run r1 succeeded in 3s: 5 succeeded");
        assertThat(firstLine(new RunResult(false, false, "a task failed", List.of(), Map.of(TaskState.FAILED, 1),
                Duration.ofSeconds(3)))).startsWith("Run r1 failed in 3s: 1 failed");
        assertThat(firstLine(new RunResult(false, true, "SIGTERM", List.of(), Map.of(TaskState.CANCELLED, 1),
                Duration.ofSeconds(3)))).startsWith("Run r1 stopped in 3s");
    }
}
