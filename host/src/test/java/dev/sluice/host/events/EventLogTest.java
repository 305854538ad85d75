package dev.sluice.host.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.monitor.LambdaGate;
import dev.sluice.host.monitor.LocalRuns;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The event log of real runs on the local executor: one JSON object a line, in the order things happened. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path file;
    private List<JsonNode> events;

    @BeforeEach
    void setUp() {
        file = dir.resolve("runs/test-run/events.jsonl");
    }

    /** Runs the pipeline and reads the log back while it is still open: the run ends with its events written. */
    private RunResult run(String yaml, List<TaskReadinessGate> gates) throws Exception {
        RunResult result;
        try (EventLog log = new EventLog(file, LocalRuns.RUN_ID, "p", TimeSource.system())) {
            result = LocalRuns.run(dir, yaml, Map.of("cpus", "4"), gates, log);
            events = read();
        }
        return result;
    }

    private List<JsonNode> read() throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    private List<JsonNode> of(String taskName) {
        return events.stream().filter(e -> taskName.equals(e.path("name").asText(null))).toList();
    }

    private static List<String> names(List<JsonNode> events) {
        return events.stream().map(e -> e.get("event").asText()).toList();
    }

    private static JsonNode first(List<JsonNode> events, String name) {
        return events.stream().filter(e -> e.get("event").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + events));
    }

    @Test
    void everyLineIsAnEventWithItsTimeRunAndNameFromRunStartedToRunFinished() throws Exception {
        run("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}}
                """, List.of());
        assertThat(events).isNotEmpty().allSatisfy(e -> {
            assertThat(e.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(e.get("run").asText()).isEqualTo(LocalRuns.RUN_ID);
            assertThat(e.get("event").asText()).isNotEmpty();
        });
        assertThat(events.get(0).get("event").asText()).isEqualTo("run_started");
        assertThat(events.get(0).get("pipeline").asText()).isEqualTo("p");
        assertThat(events.get(0).get("tasks").asInt()).isEqualTo(2);
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("event").asText()).isEqualTo("run_finished");
        assertThat(last.get("counts").get("succeeded").asInt()).isEqualTo(2);
        assertThat(events.stream().filter(e -> e.has("task")))
                .allSatisfy(e -> assertThat(e.get("process").asText()).isEqualTo("a"));
    }

    /** A value that fails as its line is written (here the sink's lookup) leaves no half line in the file. */
    @Test
    void aLineWhoseValueFailsIsLeftOutWhole() throws Exception {
        int[] lookups = {0};
        EventLog.Sink sink = new EventLog.Sink() {
            @Override
            public long lastSeq() {
                return 0;
            }

            @Override
            public void written(List<EventLog.Line> lines) {
            }

            @Override
            public Map<String, String> taskFields(String taskId) {
                if (++lookups[0] == 3) {
                    throw new IllegalStateException("lookup failed");
                }
                return Map.of("tenant", "lab");
            }
        };
        try (EventLog log = new EventLog(file, LocalRuns.RUN_ID, "p", TimeSource.system()).sink(sink)) {
            LocalRuns.run(dir, """
                    processes:
                      a: {command: [true], matrix: {i: [1, 2, 3]}}
                    """, Map.of("cpus", "4"), List.of(), log);
        } catch (IllegalStateException expected) {
            // This harness lets a listener's failure end the run; the log is closed all the same.
            assertThat(expected).hasMessage("lookup failed");
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lookups[0]).isGreaterThanOrEqualTo(3);
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(JSON.readTree(line).get("event")).isNotNull());
        assertThat(Files.readString(file)).endsWith("\n");
    }

    /** The lines are JSON written by hand: whatever a task's name holds reads back as it was. */
    @Test
    void namesWithQuotesBackslashesControlCharactersAndNonAsciiReadBackUnchanged() throws Exception {
        run("""
                processes:
                  a: {command: [true], matrix: {w: ["q\\"uote", "back\\\\slash", "tab\\tnew\\nline\\u0001", "ünï 字"]}}
                """, List.of());
        assertThat(events.stream().filter(e -> e.get("event").asText().equals("task_completed"))
                .map(e -> e.get("name").asText()))
                .containsExactlyInAnyOrder("a (w=q\"uote)", "a (w=back\\slash)", "a (w=tab\tnew\nline\u0001)",
                        "a (w=ünï 字)");
    }

    @Test
    void everyLineIsNumberedOneMoreThanTheLineBeforeFromOne() throws Exception {
        run("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2, 3]}}
                """, List.of());
        List<Long> seqs = events.stream().map(e -> e.get("seq").asLong()).toList();
        assertThat(seqs).hasSizeGreaterThan(10);
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isEqualTo(i + 1L);
        }
    }

    /** The event stream of sluice serve: the count goes on from its number, and it hears each line once written. */
    @Test
    void aSinkContinuesTheCountAndHearsEachLineOnceItIsInTheFile() throws Exception {
        List<EventLog.Line> heard = new ArrayList<>();
        List<Integer> linesInFileWhenHeard = new ArrayList<>();
        boolean[] closed = {false};
        EventLog.Sink sink = new EventLog.Sink() {
            @Override
            public long lastSeq() {
                return 41;
            }

            @Override
            public void written(List<EventLog.Line> lines) {
                heard.addAll(lines);
                try {
                    linesInFileWhenHeard.add(Files.readAllLines(file).size());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public void closed() {
                closed[0] = true;
            }

            @Override
            public Map<String, String> taskFields(String taskId) {
                return Map.of("tenant", "lab-" + taskId);
            }
        };
        try (EventLog log = new EventLog(file, LocalRuns.RUN_ID, "p", TimeSource.system()).sink(sink)) {
            LocalRuns.run(dir, """
                    processes:
                      flaky: {script: exit 3, errorStrategy: retry, maxRetries: 1,
                              retryBackoff: {initial: 10ms, max: 10ms, multiplier: 1}}
                    """, Map.of("cpus", "4"), List.of(), log);
        }
        events = read();
        assertThat(closed[0]).isTrue();
        assertThat(events.get(0).get("seq").asLong()).isEqualTo(42);
        assertThat(heard).extracting(EventLog.Line::seq).containsExactlyElementsOf(
                events.stream().map(e -> e.get("seq").asLong()).toList());
        // Each turn was handed over once it was in the file: every line heard by then was there.
        assertThat(linesInFileWhenHeard).isSorted().last().isEqualTo(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventLog.Line line = heard.get(i);
            assertThat(JSON.readTree(line.text())).isEqualTo(events.get(i));
            assertThat(line.event()).isEqualTo(events.get(i).get("event").asText());
            assertThat(line.task()).isEqualTo(events.get(i).path("task").asText(null));
        }
        assertThat(heard).extracting(EventLog.Line::event).containsSubsequence("task_failed", "task_retried",
                "task_failed");
        // The sink's owner adds its own fields to each line about a task, and to no other.
        assertThat(events).allSatisfy(e -> assertThat(e.path("tenant").asText(null))
                .isEqualTo(e.has("task") ? "lab-" + e.get("task").asText() : null));
    }

    @Test
    void aTaskIsLoggedThroughItsGatesQueueSubmissionStartAndCompletion() throws Exception {
        run("""
                processes:
                  ok: {command: [true]}
                """, List.of(gate("licence", task -> { })));
        List<JsonNode> ok = of("ok");
        assertThat(names(ok)).containsExactly("task_pending", "task_gated", "gate_started", "gate_finished",
                "task_queued", "task_submitted", "task_started", "task_completed");
        assertThat(ok.get(0).has("attempt")).as("a pending task has no attempt yet").isFalse();
        assertThat(ok.subList(1, ok.size())).allSatisfy(e -> assertThat(e.get("attempt").asInt()).isEqualTo(1));
        assertThat(first(ok, "gate_finished").get("gate").asText()).isEqualTo("licence");
        assertThat(first(ok, "gate_finished").get("outcome").asText()).isEqualTo("passed");
        assertThat(first(ok, "task_submitted").get("executor").asText()).isEqualTo("local");
        JsonNode completed = first(ok, "task_completed");
        assertThat(completed.get("exit").asInt()).isZero();
        assertThat(completed.get("native_id").asText()).isEqualTo(first(ok, "task_started").get("native_id").asText())
                .matches("\\d+");
        assertThat(completed.has("error")).isFalse();
    }

    @Test
    void aRetriedTaskLogsTheFailedAttemptTheRetryAndTheNextAttempt() throws Exception {
        run("""
                processes:
                  flaky:
                    script: test "$SLUICE_TASK_ATTEMPT" -ge 2
                    errorStrategy: retry
                    maxRetries: 1
                    retryBackoff: {initial: 10ms, max: 10ms, multiplier: 1}
                """, List.of());
        List<JsonNode> flaky = of("flaky");
        assertThat(names(flaky)).containsExactly("task_pending", "task_queued", "task_submitted", "task_started",
                "task_failed", "task_retried", "task_queued", "task_submitted", "task_started", "task_completed");
        JsonNode failed = first(flaky, "task_failed");
        assertThat(failed.get("attempt").asInt()).isEqualTo(1);
        assertThat(failed.get("exit").asInt()).isEqualTo(1);
        assertThat(failed.get("error").asText()).isEqualTo("exited with code 1");
        assertThat(first(flaky, "task_retried").get("next_attempt").asInt()).isEqualTo(2);
        assertThat(first(flaky, "task_completed").get("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void aGateFailureLogsEachGatesEndAndTheTaskFailureEvenWhenTheRunEndsFirst() throws Exception {
        CountDownLatch slowStarted = new CountDownLatch(1);
        TaskReadinessGate licence = gate("licence", task -> {
            if (task.name().equals("refused")) {
                // Fails only once the other gate is in prepare(), so that one is interrupted.
                slowStarted.await(10, TimeUnit.SECONDS);
                throw new TaskException("no seat left");
            }
        });
        TaskReadinessGate slow = gate("slow", task -> {
            slowStarted.countDown();
            Thread.sleep(60_000);
        });
        // The only task: the run may end before the interrupted gate reports its end.
        RunResult r = run("""
                processes:
                  refused: {command: [true], errorStrategy: ignore}
                """, List.of(licence, slow));
        assertThat(r.succeeded()).isTrue();
        List<JsonNode> refused = of("refused");
        assertThat(refused.stream().filter(e -> e.get("event").asText().equals("gate_finished"))
                .map(e -> e.get("gate").asText() + ":" + e.get("outcome").asText() + ":" + e.path("error").asText("")))
                .containsExactlyInAnyOrder("licence:failed:no seat left", "slow:interrupted:");
        assertThat(names(refused)).containsSubsequence("task_gated", "task_failed", "task_ignored")
                .doesNotContain("task_queued", "task_submitted", "task_started");
        assertThat(first(refused, "task_failed").get("error").asText()).isEqualTo("gate 'licence': no seat left");
        assertThat(names(refused).stream().filter(n -> n.equals("gate_started"))).hasSize(2);
        assertThat(refused).allSatisfy(e -> assertThat(e.path("attempt").asInt(1)).isEqualTo(1));
        assertThat(names(events)).endsWith("run_finished");
    }

    @Test
    void tasksStoppedByAFailureAreLoggedCancelledOnceEach() throws Exception {
        RunResult r = run("""
                processes:
                  fails: {script: exit 1}
                  sleeps: {command: [sleep, "30"]}
                  later: {command: [true], dependsOn: [sleeps]}
                """, List.of());
        assertThat(r.succeeded()).isFalse();
        assertThat(names(of("fails"))).containsOnlyOnce("task_failed").doesNotContain("task_cancelled");
        assertThat(names(of("sleeps"))).containsOnlyOnce("task_cancelled").endsWith("task_cancelled");
        assertThat(names(of("later"))).containsExactly("task_pending", "task_cancelled");
        assertThat(first(of("later"), "task_cancelled").get("error").asText()).isEqualTo("task 1 (fails) failed");
        JsonNode counts = events.get(events.size() - 1).get("counts");
        assertThat(counts.get("failed").asInt()).isEqualTo(1);
        assertThat(counts.get("cancelled").asInt()).isEqualTo(2);
    }

    /** A gate from a lambda. */
    private static TaskReadinessGate gate(String id, LambdaGate.Body body) {
        return LambdaGate.of(id, body);
    }
}
