package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.StatusTable.Ends;
import dev.sluice.kit.StatusTable.Reporting;
import dev.sluice.kit.StatusTable.Unknown;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The table executors answer polls from, under each of its reporting rules. */
class StatusTableTest {
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private final SubmittedTask a = new SubmittedTask("a", 1, "101");
    private final SubmittedTask b = new SubmittedTask("b", 1, "102");
    private final SubmittedTask stranger = new SubmittedTask("x", 1, "999");

    @Test
    void everyPollAnswersEveryKnownTaskAndKeepsEnds() {
        StatusTable<String> table = new StatusTable<>(Unknown.failed(t -> "no task " + t.taskId()),
                Reporting.EVERY_POLL, Ends.KEPT);
        table.add(a, "proc a", TaskStatus.running(T0));
        table.add(b, "proc b", TaskStatus.running(T0));
        assertThat(table.answer(List.of(a, b))).containsOnlyKeys(a, b);
        assertThat(table.answer(List.of(a))).as("asked again, answered again").containsEntry(a, TaskStatus.running(T0));

        TaskStatus end = TaskStatus.completed(3, T0, T0.plusSeconds(1));
        assertThat(table.record(a, end)).isTrue();
        assertThat(table.answer(List.of(a))).containsEntry(a, end);
        assertThat(table.answer(List.of(a))).as("a kept end is answered each time").containsEntry(a, end);
        assertThat(table.get(a)).contains("proc a");
        assertThat(table.live()).containsExactly("proc b");
        assertThat(table.live(List.of(a, b, stranger))).as("of a batch: held and not ended").containsExactly("proc b");
        assertThat(table.all()).containsExactly("proc a", "proc b");
    }

    @Test
    void anUnknownTaskIsFailedWithTheExecutorsReasonOrLeftOut() {
        StatusTable<String> failing = new StatusTable<>(Unknown.failed(t -> "no task " + t.taskId()),
                Reporting.EVERY_POLL, Ends.KEPT);
        TaskStatus answer = failing.answer(List.of(stranger)).get(stranger);
        assertThat(answer.state()).isEqualTo(TaskStatus.State.FAILED);
        assertThat(answer.reason()).isEqualTo("no task x");

        StatusTable<String> quiet = new StatusTable<>(Unknown.leftOut(), Reporting.EVERY_POLL, Ends.KEPT);
        assertThat(quiet.answer(List.of(stranger))).isEmpty();
        assertThat(quiet.record(stranger, TaskStatus.pending())).as("nothing recorded for it").isFalse();
        assertThat(quiet.isLive(stranger)).isFalse();
    }

    @Test
    void changesOnlyReportsEachStateOnceAndForgetsTheReportedEnd() {
        StatusTable<String> table = new StatusTable<>(Unknown.leftOut(), Reporting.CHANGES_ONLY,
                Ends.FORGOTTEN_ONCE_REPORTED);
        table.add(a, "job 101", null);
        assertThat(table.answer(List.of(a))).as("nothing known yet").isEmpty();
        assertThat(table.isLive(a)).isTrue();

        table.record(a, TaskStatus.pending());
        assertThat(table.answer(List.of(a))).containsEntry(a, TaskStatus.pending());
        table.record(a, TaskStatus.pending());
        assertThat(table.answer(List.of(a))).as("the same state again is no change").isEmpty();

        table.record(a, TaskStatus.running(T0));
        assertThat(table.answer(List.of(a))).containsEntry(a, TaskStatus.running(T0));

        TaskStatus end = TaskStatus.completed(0, T0, T0.plusSeconds(5));
        table.record(a, end);
        assertThat(table.isLive(a)).isFalse();
        assertThat(table.answer(List.of(a))).containsEntry(a, end);
        assertThat(table.get(a)).as("forgotten once reported").isEmpty();
        assertThat(table.answer(List.of(a))).isEmpty();
    }

    @Test
    void theFirstEndWins() {
        StatusTable<String> table = new StatusTable<>(Unknown.leftOut(), Reporting.EVERY_POLL, Ends.KEPT);
        table.add(a, "job", TaskStatus.running(T0));
        TaskStatus first = TaskStatus.completed(0, T0, T0.plusSeconds(1));
        assertThat(table.record(a, first)).isTrue();
        assertThat(table.record(a, TaskStatus.ended(TaskStatus.State.FAILED, "late", null, T0, T0))).isFalse();
        assertThat(table.record(a, TaskStatus.running(T0))).isFalse();
        assertThat(table.status(a)).contains(first);
    }

    @Test
    void endsRecordedFromManyThreadsAreAllAnswered() throws Exception {
        StatusTable<Integer> table = new StatusTable<>(Unknown.leftOut(), Reporting.CHANGES_ONLY,
                Ends.FORGOTTEN_ONCE_REPORTED);
        List<SubmittedTask> tasks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            SubmittedTask t = new SubmittedTask("t" + i, 1, Integer.toString(i));
            tasks.add(t);
            table.add(t, i, TaskStatus.running(T0));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (SubmittedTask t : tasks) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                table.record(t, TaskStatus.completed(0, T0, T0));
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(table.answer(tasks)).hasSize(200).allSatisfy((t, s) -> assertThat(s.isSuccess()).isTrue());
        assertThat(table.all()).isEmpty();
    }
}
