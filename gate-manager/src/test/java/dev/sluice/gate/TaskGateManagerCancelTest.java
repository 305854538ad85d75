package dev.sluice.gate;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** cancel(), shutdown() and close(): interrupts, gates that ignore them, and exactly one outcome per task. */
@Timeout(60) // guards against a hang; no test asserts how long anything takes
class TaskGateManagerCancelTest {
    private static final Duration LONG_GRACE = Duration.ofHours(1);

    private final FakeTimeSource time = new FakeTimeSource();
    private final RecordingListener listener = new RecordingListener();
    /** Lets stubborn gates end after each test. */
    private final CountDownLatch releaseStubborn = new CountDownLatch(1);
    private TaskGateManager manager;

    @AfterEach
    void stopGates() {
        releaseStubborn.countDown();
        if (manager != null) {
            manager.shutdown(Duration.ZERO);
        }
    }

    private TaskGateManager start(TimeSource clock, TestGate... gates) {
        manager = new TaskGateManager(List.of(gates), clock, listener);
        return manager;
    }

    /** A well-behaved gate: blocks until interrupted, then throws InterruptedException. */
    private static TestGate blockedUntilInterrupted(String id, CountDownLatch sawInterrupt) {
        return TestGate.of(id, task -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                sawInterrupt.countDown();
                throw e;
            }
        });
    }

    /**
     * A gate that swallows every interrupt and keeps waiting for {@link #releaseStubborn}, then passes
     * or fails as told; {@code ignoredInterrupt} opens on the first interrupt it swallows.
     */
    private TestGate stubborn(String id, CountDownLatch ignoredInterrupt, boolean failWhenReleased) {
        return TestGate.of(id, task -> {
            while (true) {
                try {
                    releaseStubborn.await();
                    break;
                } catch (InterruptedException e) {
                    ignoredInterrupt.countDown();
                }
            }
            if (failWhenReleased) {
                throw new TaskException("late failure");
            }
        });
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(RecordingListener.HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).as(what).isTrue();
    }

    @Test
    void cancelInterruptsTheGatesAndReportsCancelledOnTheCallingThread() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(2);
        CountDownLatch started = new CountDownLatch(2);
        TestGate a = TestGate.of("a", task -> {
            started.countDown();
            blockedUntilInterrupted("a", interrupted).prepare(task);
        });
        TestGate b = TestGate.of("b", task -> {
            started.countDown();
            blockedUntilInterrupted("b", interrupted).prepare(task);
        });
        start(time, a, b).schedule(TestTaskHandle.of("t1"));
        await(started, "both gates started");

        manager.cancel("t1");

        // Reported by cancel() itself, before it returned.
        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
        assertThat(listener.awaitReported("t1").thread()).isSameAs(Thread.currentThread());
        assertThat(manager.inFlight()).isZero();
        await(interrupted, "both gates interrupted");
        assertThat(listener.awaitGateFinished("t1", "a").failure()).isInstanceOf(InterruptedException.class);
        assertThat(listener.awaitGateFinished("t1", "b").failure()).isInstanceOf(InterruptedException.class);
        assertThat(listener.outcomes("t1")).hasSize(1);
    }

    @Test
    void cancelOfUnknownTaskIsANoOp() {
        start(time, TestGate.passing("a")).cancel("nope");

        assertThat(listener.outcomeTotal()).isZero();
        assertThat(manager.inFlight()).isZero();
    }

    @Test
    void cancelTwiceReportsOnce() {
        start(time, blockedUntilInterrupted("a", new CountDownLatch(1))).schedule(TestTaskHandle.of("t1"));

        manager.cancel("t1");
        manager.cancel("t1");

        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
    }

    @Test
    void cancelAfterTheTaskPassedChangesNothing() {
        start(time, TestGate.passing("a")).schedule(TestTaskHandle.of("t1"));
        assertThat(listener.awaitOutcome("t1")).isInstanceOf(GateOutcome.Passed.class);

        manager.cancel("t1");

        assertThat(listener.outcomes("t1")).hasSize(1).first().isInstanceOf(GateOutcome.Passed.class);
    }

    @ParameterizedTest(name = "gate fails when released: {0}")
    @ValueSource(booleans = {false, true})
    void lateFinishingGateOfACancelledTaskGivesNoSecondOutcome(boolean failWhenReleased) throws Exception {
        CountDownLatch ignored = new CountDownLatch(1);
        start(time, stubborn("stubborn", ignored, failWhenReleased)).schedule(TestTaskHandle.of("t1"));
        // Wait until the gate is inside prepare(), or the cancel would stop it before it starts.
        awaitStarted("t1", "stubborn");

        manager.cancel("t1");
        await(ignored, "the gate swallowed the interrupt");
        releaseStubborn.countDown();

        RecordingListener.GateEvent finished = listener.awaitGateFinished("t1", "stubborn");
        assertThat(finished.failure() == null).isEqualTo(!failWhenReleased);
        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
    }

    @Test
    void shutdownCancelsUndecidedTasksAndReturnsAtOnceWhenGatesHonourTheInterrupt() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(4);
        start(time, blockedUntilInterrupted("a", interrupted), blockedUntilInterrupted("b", interrupted));
        manager.schedule(TestTaskHandle.of("t1"));
        manager.schedule(TestTaskHandle.of("t2"));
        awaitStarted("t1", "a");
        awaitStarted("t1", "b");
        awaitStarted("t2", "a");
        awaitStarted("t2", "b");

        // The fake clock never moves: returning at all proves shutdown did not sit out the grace.
        List<StuckGate> stuck = manager.shutdown(LONG_GRACE);

        assertThat(stuck).isEmpty();
        assertThat(interrupted.getCount()).isZero();
        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
        assertThat(listener.outcomes("t2")).containsExactly(new GateOutcome.Cancelled());
        assertThat(manager.inFlight()).isZero();
    }

    @Test
    void shutdownReturnsGatesThatIgnoreTheInterruptOnceTheGraceHasPassed() throws Exception {
        CountDownLatch ignored = new CountDownLatch(1);
        CountDownLatch politeInterrupted = new CountDownLatch(1);
        start(time, stubborn("stubborn", ignored, false), blockedUntilInterrupted("polite", politeInterrupted));
        manager.schedule(TestTaskHandle.of("t1"));
        awaitStarted("t1", "stubborn");
        awaitStarted("t1", "polite");

        CompletableFuture<List<StuckGate>> shutdown = CompletableFuture.supplyAsync(
                () -> manager.shutdown(Duration.ofSeconds(10)), command -> Thread.ofPlatform().start(command));
        await(ignored, "the stubborn gate swallowed the interrupt");
        await(politeInterrupted, "the polite gate was interrupted");
        // Regression (flaky on a loaded machine): the polite gate must have left prepare() before the
        // grace ends, or it is reported as stuck too.
        listener.awaitGateFinished("t1", "polite");
        time.awaitSleepers(1, RecordingListener.HANG_GUARD); // shutdown is now sitting out the grace
        assertThat(shutdown).isNotDone();

        time.advance(Duration.ofSeconds(10));

        assertThat(shutdown.get(RecordingListener.HANG_GUARD.toSeconds(), TimeUnit.SECONDS))
                .containsExactly(new StuckGate("stubborn", "t1", "test (t1)"));
        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());

        // The abandoned gate finishing later changes nothing.
        releaseStubborn.countDown();
        assertThat(listener.awaitGateFinished("t1", "stubborn").failure()).isNull();
        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
    }

    @Test
    void shutdownOnTheSystemClockDoesNotHangOnAStuckGate() throws Exception {
        CountDownLatch ignored = new CountDownLatch(1);
        manager = new TaskGateManager(List.of(stubborn("stubborn", ignored, false)), TimeSource.system(), listener);
        manager.schedule(TestTaskHandle.of("t1"));
        awaitStarted("t1", "stubborn");

        List<StuckGate> stuck = manager.shutdown(Duration.ofMillis(50));

        assertThat(stuck).containsExactly(new StuckGate("stubborn", "t1", "test (t1)"));
        // The 50 ms grace may run out before the gate's thread has even seen the interrupt.
        await(ignored, "the gate swallowed the interrupt");
    }

    @Test
    void shutdownAlsoInterruptsGatesOfTasksCancelledEarlier() throws Exception {
        // Swallows the cancel's interrupt, honours the next one (shutdown's).
        CountDownLatch firstInterrupt = new CountDownLatch(1);
        CountDownLatch secondInterrupt = new CountDownLatch(1);
        start(time, TestGate.of("twice", task -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException ignoredOnce) {
                firstInterrupt.countDown();
            }
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                secondInterrupt.countDown();
                throw e;
            }
        })).schedule(TestTaskHandle.of("t1"));
        awaitStarted("t1", "twice");
        manager.cancel("t1");
        await(firstInterrupt, "the cancel's interrupt");

        assertThat(manager.shutdown(LONG_GRACE)).isEmpty();
        assertThat(secondInterrupt.getCount()).isZero();
        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
    }

    @Test
    void scheduleAfterShutdownReportsCancelledAtOnce() {
        start(time, TestGate.passing("a")).shutdown(LONG_GRACE);

        manager.schedule(TestTaskHandle.of("t1"));

        assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Cancelled());
        assertThat(listener.events("t1")).isEmpty();
    }

    @Test
    void closeLogsStuckGatesByNameAtWarn() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(TaskGateManager.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            CountDownLatch ignored = new CountDownLatch(1);
            start(time, stubborn("stubborn", ignored, false)).schedule(TestTaskHandle.of("t1"));
            awaitStarted("t1", "stubborn");

            Thread closing = Thread.ofPlatform().start(manager::close);
            await(ignored, "the gate swallowed the interrupt");
            time.awaitSleepers(1, RecordingListener.HANG_GUARD);
            time.advance(TaskGateManager.CLOSE_GRACE);
            assertThat(closing.join(RecordingListener.HANG_GUARD)).as("close() returned").isTrue();

            assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN)
                    .singleElement()
                    .extracting(ILoggingEvent::getFormattedMessage).asString()
                    .contains("'stubborn'", "t1 (test (t1))", "InterruptedException");
        } finally {
            logger.detachAppender(logged);
        }
    }

    private void awaitStarted(String taskId, String gateId) {
        listener.awaitGateStarted(taskId, gateId);
    }
}
