package dev.sluice.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.AttemptOutcome.Kind;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** attemptEnded: a gate that admitted an attempt hears of its end exactly once, however it ends. */
@Timeout(60) // guards against a hang; no test asserts how long anything takes
class TaskGateManagerAttemptEndTest {
    private final FakeTimeSource time = new FakeTimeSource();
    private final RecordingListener listener = new RecordingListener();
    private TaskGateManager manager;

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.shutdown(Duration.ZERO);
        }
    }

    /** A gate that hands out a seat in prepare() and records each attemptEnded call. */
    private static class SeatGate implements TaskReadinessGate {
        record Ended(String taskId, int attempt, AttemptOutcome outcome) {
        }

        final String id;
        final TestGate.Body body;
        final List<Ended> ended = new CopyOnWriteArrayList<>();

        SeatGate(String id, TestGate.Body body) {
            this.id = id;
            this.body = body;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public void prepare(TaskHandle task) throws InterruptedException, TaskException {
            body.prepare(task);
        }

        @Override
        public Map<String, List<String>> assigned(TaskHandle task) {
            return Map.of("seat", List.of(id + "-" + task.id()));
        }

        @Override
        public void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
            ended.add(new Ended(task.id(), task.attempt(), outcome));
        }

        List<Kind> kinds() {
            return ended.stream().map(e -> e.outcome().kind()).toList();
        }
    }

    private TaskGateManager start(TaskReadinessGate... gates) {
        manager = new TaskGateManager(List.of(gates), time, listener);
        return manager;
    }

    @Test
    void passedAttemptIsHeldUntilTheHostReportsItsEndThenEndedOnce() {
        SeatGate seat = new SeatGate("seat", task -> { });
        start(seat);
        TestTaskHandle task = TestTaskHandle.of("t1");
        manager.schedule(task);
        GateOutcome outcome = listener.awaitOutcome("t1");
        assertThat(outcome).isInstanceOf(GateOutcome.Passed.class);
        assertThat(((GateOutcome.Passed) outcome).assigned()).isEqualTo(Map.of("seat", List.of("seat-t1")));
        assertThat(seat.ended).isEmpty();
        assertThat(manager.admittedAttempts()).isEqualTo(1);

        manager.attemptEnded(task, AttemptOutcome.of(Kind.FAILED, 3, "exited with code 3", true));
        manager.attemptEnded(task, AttemptOutcome.succeeded()); // a second report is ignored

        assertThat(seat.ended).singleElement().satisfies(e -> {
            assertThat(e.outcome().kind()).isEqualTo(Kind.FAILED);
            assertThat(e.outcome().exitCode()).isEqualTo(3);
            assertThat(e.outcome().willRetry()).isTrue();
        });
        assertThat(manager.admittedAttempts()).isZero();
    }

    @Test
    void anEndReportedForAnotherAttemptIsIgnored() {
        SeatGate seat = new SeatGate("seat", task -> { });
        start(seat);
        TestTaskHandle second = TestTaskHandle.of("t1").withAttempt(2);
        manager.schedule(second);
        listener.awaitOutcome("t1");

        manager.attemptEnded(TestTaskHandle.of("t1"), AttemptOutcome.succeeded());
        assertThat(seat.ended).isEmpty();
        manager.attemptEnded(second, AttemptOutcome.succeeded());
        assertThat(seat.kinds()).containsExactly(Kind.SUCCEEDED);
    }

    @Test
    void whenAnotherGateFailsTheGateThatPassedIsToldCancelledAndTheFailedOneIsNotTold() throws Exception {
        CountDownLatch seatPassed = new CountDownLatch(1);
        SeatGate seat = new SeatGate("a-seat", task -> seatPassed.countDown());
        SeatGate failing = new SeatGate("b-fails", task -> {
            assertThat(seatPassed.await(30, TimeUnit.SECONDS)).isTrue();
            throw new TaskException("no licence server");
        });
        start(seat, failing);
        manager.schedule(TestTaskHandle.of("t1"));

        assertThat(listener.awaitOutcome("t1")).isInstanceOf(GateOutcome.Failed.class);
        listener.awaitGateFinished("t1", "a-seat");
        assertThat(seat.kinds()).containsExactly(Kind.CANCELLED);
        assertThat(seat.ended.get(0).outcome().reason()).isEqualTo("gate 'b-fails': no licence server");
        assertThat(failing.ended).isEmpty();
        assertThat(manager.admittedAttempts()).isZero();
    }

    @Test
    void cancelWhileGatedEndsTheGatesThatAlreadyAdmitted() throws Exception {
        SeatGate seat = new SeatGate("a-seat", task -> { });
        SeatGate waiting = new SeatGate("b-waits", task -> new CountDownLatch(1).await());
        start(seat, waiting);
        manager.schedule(TestTaskHandle.of("t1"));
        listener.awaitGateFinished("t1", "a-seat");
        listener.awaitGateStarted("t1", "b-waits");

        manager.cancel("t1");

        assertThat(listener.awaitOutcome("t1")).isInstanceOf(GateOutcome.Cancelled.class);
        assertThat(seat.kinds()).containsExactly(Kind.CANCELLED);
        listener.awaitGateFinished("t1", "b-waits");
        assertThat(waiting.ended).as("a gate that was interrupted never admitted").isEmpty();
    }

    @Test
    void aGateThatReturnsNormallyAfterItsTaskWasCancelledGivesBackAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        SeatGate late = new SeatGate("late", task -> {
            // Ignores the interrupt, then admits after all: the host has moved on, so it must give back.
            while (true) {
                try {
                    release.await();
                    return;
                } catch (InterruptedException ignored) {
                    // keeps waiting
                }
            }
        });
        start(late);
        manager.schedule(TestTaskHandle.of("t1"));
        listener.awaitGateStarted("t1", "late");
        manager.cancel("t1");
        assertThat(listener.awaitOutcome("t1")).isInstanceOf(GateOutcome.Cancelled.class);

        release.countDown();
        listener.awaitGateFinished("t1", "late");
        assertThat(late.kinds()).containsExactly(Kind.CANCELLED);
        assertThat(manager.admittedAttempts()).isZero();
    }

    @Test
    void shutdownEndsGatedAttemptsAsShutdownAndEndAdmittedAttemptsEndsThePassedOnes() throws Exception {
        SeatGate seat = new SeatGate("a-seat", task -> {
            if (task.id().equals("gated")) {
                return;
            }
        });
        SeatGate waiting = new SeatGate("b-waits", task -> {
            if (task.id().equals("gated")) {
                new CountDownLatch(1).await();
            }
        });
        start(seat, waiting);
        manager.schedule(TestTaskHandle.of("passed"));
        assertThat(listener.awaitOutcome("passed")).isInstanceOf(GateOutcome.Passed.class);
        manager.schedule(TestTaskHandle.of("gated"));
        listener.awaitGateFinished("gated", "a-seat");

        manager.shutdown(Duration.ofSeconds(5));
        assertThat(seat.ended).singleElement().satisfies(e -> {
            assertThat(e.taskId()).isEqualTo("gated");
            assertThat(e.outcome().kind()).isEqualTo(Kind.SHUTDOWN);
        });

        assertThat(manager.endAdmittedAttempts(AttemptOutcome.of(Kind.SHUTDOWN, null, "host shut down", false)))
                .isEqualTo(1);
        assertThat(seat.ended).extracting(SeatGate.Ended::taskId).containsExactly("gated", "passed");
        assertThat(waiting.ended).extracting(SeatGate.Ended::taskId).containsExactly("passed");
    }

    @Test
    void gatingARetryBeforeTheEndWasReportedGivesTheEarlierAttemptBack() {
        SeatGate seat = new SeatGate("seat", task -> { });
        start(seat);
        manager.schedule(TestTaskHandle.of("t1"));
        listener.awaitOutcomes("t1", 1);

        manager.schedule(TestTaskHandle.of("t1").withAttempt(2));
        listener.awaitOutcomes("t1", 2);

        assertThat(seat.ended).singleElement().satisfies(e -> {
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.outcome().kind()).isEqualTo(Kind.CANCELLED);
        });
        assertThat(manager.admittedAttempts()).isEqualTo(1);
    }

    @Test
    void aGateThatThrowsFromAttemptEndedDoesNotStopTheOthersBeingTold() {
        SeatGate good = new SeatGate("good", task -> { });
        TaskReadinessGate bad = new SeatGate("bad", task -> { }) {
            @Override
            public void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
                throw new IllegalStateException("bug in the plugin");
            }
        };
        start(bad, good);
        TestTaskHandle task = TestTaskHandle.of("t1");
        manager.schedule(task);
        listener.awaitOutcome("t1");

        manager.attemptEnded(task, AttemptOutcome.succeeded());

        assertThat(good.kinds()).containsExactly(Kind.SUCCEEDED);
        assertThat(manager.admittedAttempts()).isZero();
    }

    @Test
    void withNoGatesNothingIsHeld() {
        start();
        manager.schedule(TestTaskHandle.of("t1"));
        assertThat(listener.awaitOutcome("t1")).isEqualTo(new GateOutcome.Passed(Duration.ZERO, Map.of()));
        assertThat(manager.admittedAttempts()).isZero();
    }
}
