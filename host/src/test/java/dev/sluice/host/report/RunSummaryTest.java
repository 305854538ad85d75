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

    private static RunResult result(boolean succeeded, boolean cancelled, boolean open, Map<TaskState, Integer> counts) {
        return new RunResult(succeeded, cancelled, cancelled ? "SIGTERM" : null, List.of(), counts,
                Duration.ofSeconds(3), open);
    }

    @Test
    void anOpenRunEndsWhateverItsTasksDidAndAPipelineSucceedsFailsOrStops() {
        assertThat(firstLine(result(true, false, true, Map.of(TaskState.SUCCEEDED, 5, TaskState.FAILED, 2))))
                .isEqualTo("Run r1 ended in 3s: 5 succeeded, 2 failed");
        assertThat(firstLine(result(true, false, true, Map.of(TaskState.SUCCEEDED, 5))))
                .as("an open run ends, however its tasks did").isEqualTo("Run r1 ended in 3s: 5 succeeded");
        assertThat(firstLine(result(true, true, true, Map.of(TaskState.CANCELLED, 1)))).startsWith("Run r1 stopped");
        assertThat(firstLine(result(true, false, false, Map.of(TaskState.SUCCEEDED, 5, TaskState.IGNORED, 1,
                TaskState.CACHED, 2)))).isEqualTo("Run r1 succeeded in 3s: 5 succeeded, 2 cached, 1 ignored");
        assertThat(firstLine(result(false, false, false, Map.of(TaskState.FAILED, 1)))).startsWith("Run r1 failed in 3s");
        assertThat(firstLine(result(false, true, false, Map.of(TaskState.CANCELLED, 1)))).startsWith("Run r1 stopped");
    }
}
