package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service's ledger: what one start wrote, the next reads back; a torn line is skipped; ended tasks compact. */
class TaskLedgerTest {
    @TempDir
    Path dir;

    private static Submission script(String text) {
        return new Submission("cpu", new Submission.Execution(null, text, Map.of("A", "1"), "busybox:1.36",
                List.of("/data:/data:ro"), new Submission.Ask(2, 1L << 30, java.time.Duration.ofMinutes(90), null, null)),
                Map.of("files/maxWait", "5m"), List.of(Path.of("/in")), new Submission.Callback(
                        java.net.URI.create("http://127.0.0.1:9/done"), "tok"), new Submission.Origin("wf", "lab", null));
    }

    private TaskLedger open(List<TaskLedger.Earlier> earlier) throws Exception {
        return TaskLedger.open(dir, earlier, ServeSettings.Retention.DEFAULT, Instant.parse("2026-12-04T12:00:00Z"));
    }

    @Test
    void whatOneStartWroteTheNextReadsBack() throws Exception {
        Instant at = Instant.parse("2026-12-04T10:00:00Z");
        List<TaskLedger.Earlier> first = new ArrayList<>();
        try (TaskLedger ledger = open(first)) {
            assertThat(first.get(0).unended()).isEmpty();
            ledger.accepted(new TaskLedger.Accepted("t-a", script("echo a"), at));
            ledger.accepted(new TaskLedger.Accepted("t-b", script("echo b"), at));
            ledger.accepted(new TaskLedger.Accepted("t-c", script("echo c"), at));
            ledger.cancelled("t-b");
            TaskView ended = TaskView.accepted("t-a", script("echo a"), at).moved(ApiState.SUCCEEDED, at.plusSeconds(1),
                    new TaskView.Attempt(1, 0, null, "/w/a", Map.of("gpu", List.of("GPU-1"))));
            ledger.ended(ended);
        }
        List<TaskLedger.Earlier> second = new ArrayList<>();
        try (TaskLedger ledger = open(second)) {
            TaskLedger.Earlier e = second.get(0);
            assertThat(e.unended()).containsOnlyKeys("t-b", "t-c");
            assertThat(e.unended().get("t-c").submission()).isEqualTo(script("echo c"));
            assertThat(e.unended().get("t-c").at()).isEqualTo(at);
            assertThat(e.cancelled()).containsExactly("t-b");
            TaskView a = TaskViews.fromJson(e.ended().get("t-a"));
            assertThat(a.state()).isEqualTo(ApiState.SUCCEEDED);
            assertThat(a.last()).isEqualTo(new TaskView.Attempt(1, 0, null, "/w/a", Map.of("gpu", List.of("GPU-1"))));
            assertThat(a.callback()).isEqualTo(new TaskView.Delivery("http://127.0.0.1:9/done", "waiting", 0, null));
            assertThat(a.transitions()).extracting(TaskView.Transition::state)
                    .containsExactly(ApiState.PENDING, ApiState.SUCCEEDED);
        }
        assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("tasks.jsonl")))
                .as("it holds tasks' env and callback tokens").hasToString("[OWNER_READ, OWNER_WRITE]");
        // Compacted at the second start: an ended task's acceptance is gone, the rest kept as it was.
        assertThat(TaskLedger.records(dir)).extracting(r -> r.get("r").asText() + ":" + r.get("id").asText())
                .containsExactly("accepted:t-b", "cancel:t-b", "accepted:t-c", "ended:t-a");
    }

    @Test
    void aLineCutShortByACrashIsSkipped() throws Exception {
        try (TaskLedger ledger = open(new ArrayList<>())) {
            ledger.accepted(new TaskLedger.Accepted("t-a", script("x"), Instant.EPOCH));
        }
        Files.writeString(dir.resolve("tasks.jsonl"), "{\"r\": \"accepted\", \"id\": \"t-b\", \"subm",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        List<TaskLedger.Earlier> again = new ArrayList<>();
        try (TaskLedger ledger = open(again)) {
            assertThat(again.get(0).unended()).containsOnlyKeys("t-a");
        }
    }

    @Test
    void concurrentAcceptancesAreEachWrittenWholeAndAllKept() throws Exception {
        try (TaskLedger ledger = open(new ArrayList<>());
             var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String id = "t-" + i;
                done.add(threads.submit(() -> ledger.accepted(new TaskLedger.Accepted(id, script(id), Instant.EPOCH))));
            }
            for (var f : done) {
                f.get();
            }
        }
        List<TaskLedger.Earlier> again = new ArrayList<>();
        try (TaskLedger ledger = open(again)) {
            assertThat(again.get(0).unended()).hasSize(400);
        }
    }

    @Test
    void aCallbackNotYetDeliveredIsKeptWithItsTokenUntilItIsNotified() throws Exception {
        Instant at = Instant.parse("2026-12-04T10:00:00Z");
        Submission s = script("x");
        try (TaskLedger ledger = open(new ArrayList<>())) {
            for (String id : List.of("t-a", "t-b")) {
                ledger.accepted(new TaskLedger.Accepted(id, s, at));
                ledger.ended(TaskView.accepted(id, s, at).moved(ApiState.SUCCEEDED, at, TaskView.Attempt.NONE),
                        s.callback());
            }
            ledger.notified("t-a", new TaskView.Delivery(s.callback().url().toString(), "delivered", 2, null));
        }
        List<TaskLedger.Earlier> second = new ArrayList<>();
        try (TaskLedger ledger = open(second)) {
            TaskLedger.Earlier e = second.get(0);
            assertThat(e.undelivered()).containsOnlyKeys("t-b");
            assertThat(e.undelivered().get("t-b").token()).isEqualTo("tok");
            assertThat(TaskViews.fromJson(e.ended().get("t-a")).callback())
                    .isEqualTo(new TaskView.Delivery("http://127.0.0.1:9/done", "delivered", 2, null));
        }
        // The compaction kept it so: a third start still has t-b's callback to send, and t-a's as delivered.
        List<TaskLedger.Earlier> third = new ArrayList<>();
        try (TaskLedger ledger = open(third)) {
            assertThat(third.get(0).undelivered()).containsOnlyKeys("t-b");
            assertThat(TaskViews.fromJson(third.get(0).ended().get("t-a")).callback().state()).isEqualTo("delivered");
        }
    }

    private static TaskView endedAt(String id, Submission s, Instant at) {
        return TaskView.accepted(id, s, at).moved(ApiState.SUCCEEDED, at, TaskView.Attempt.NONE);
    }

    @Test
    void endedTasksPastTheRetentionAreDroppedAtAStartUnlessTheirCallbackIsStillToSend() throws Exception {
        Instant now = Instant.parse("2026-12-04T12:00:00Z");
        Submission s = script("x");
        try (TaskLedger ledger = open(new ArrayList<>())) {
            ledger.accepted(new TaskLedger.Accepted("t-old", s, now.minus(java.time.Duration.ofDays(30))));
            ledger.ended(endedAt("t-old", s, now.minus(java.time.Duration.ofDays(30))));
            ledger.accepted(new TaskLedger.Accepted("t-old-cb", s, now.minus(java.time.Duration.ofDays(30))));
            ledger.ended(endedAt("t-old-cb", s, now.minus(java.time.Duration.ofDays(30))), s.callback());
            for (int i = 0; i < 3; i++) {
                ledger.accepted(new TaskLedger.Accepted("t-" + i, s, now));
                ledger.ended(endedAt("t-" + i, s, now.minusSeconds(10 - i)));
            }
            ledger.accepted(new TaskLedger.Accepted("t-running", s, now));
        }
        List<TaskLedger.Earlier> again = new ArrayList<>();
        try (TaskLedger ledger = TaskLedger.open(dir, again, new ServeSettings.Retention(java.time.Duration.ofDays(7),
                2), now)) {
            assertThat(again.get(0).ended()).as("too old, beyond the newest 2; a callback to send keeps its task")
                    .containsOnlyKeys("t-old-cb", "t-1", "t-2");
            assertThat(again.get(0).unended()).containsOnlyKeys("t-running");
        }
        assertThat(TaskLedger.records(dir)).extracting(r -> r.get("id").asText())
                .containsExactly("t-running", "t-old-cb", "t-1", "t-2");
    }

    @Test
    void aGrownLedgerIsCompactedWhileTheServiceRunsAndGoesOnTakingLines() throws Exception {
        Instant now = Instant.parse("2026-12-04T12:00:00Z");
        Submission s = script("x");
        List<TaskLedger.Earlier> first = new ArrayList<>();
        try (TaskLedger ledger = open(first)) {
            assertThat(ledger.compactIfGrown(now, 0)).as("an empty ledger has not grown").isFalse();
            for (int i = 0; i < 50; i++) {
                ledger.accepted(new TaskLedger.Accepted("t-" + i, s, now));
                ledger.ended(endedAt("t-" + i, s, now));
            }
            ledger.accepted(new TaskLedger.Accepted("t-live", s, now));
            // The ends are written by the ledger's thread: wait for the last.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (TaskLedger.records(dir).size() < 101 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(ledger.compactIfGrown(now, Long.MAX_VALUE)).as("below the size worth it").isFalse();
            assertThat(ledger.compactIfGrown(now, 0)).isTrue();
            assertThat(TaskLedger.records(dir)).as("each ended task's acceptance gone").hasSize(51);
            ledger.accepted(new TaskLedger.Accepted("t-after", s, now));
            ledger.cancelled("t-after");
        }
        List<TaskLedger.Earlier> again = new ArrayList<>();
        try (TaskLedger ledger = open(again)) {
            assertThat(again.get(0).unended()).containsOnlyKeys("t-live", "t-after");
            assertThat(again.get(0).cancelled()).containsExactly("t-after");
            assertThat(again.get(0).ended()).hasSize(50);
        }
    }
}
