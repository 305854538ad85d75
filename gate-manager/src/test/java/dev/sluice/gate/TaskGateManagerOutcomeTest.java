package dev.sluice.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** Which outcome a task gets, when, from which thread, and how gate exceptions are reported. */
class TaskGateManagerOutcomeTest {
    private final FakeTimeSource time = new FakeTimeSource();
    private final RecordingListener listener = new RecordingListener();
    /** Released after each test so no gate thread outlives it. */
    private final CountDownLatch releaseAll = new CountDownLatch(1);
    private TaskGateManager manager;

    @AfterEach
    void stopGates() {
        releaseAll.countDown();
        if (manager != null) {
            manager.close();
        }
    }

    private TaskGateManager start(TestGate... gates) {
        manager = new TaskGateManager(List.of(gates), time, listener);
        return manager;
    }

    /** A gate that blocks until the latch opens and honours interrupts (close() interrupts it). */
    private static TestGate waitingFor(String id, CountDownLatch latch) {
        return TestGate.of(id, task -> latch.await());
    }

    @Test
    void taskWaitsForEveryGateToPass() {
        CountDownLatch slowOpens = new CountDownLatch(1);
        start(TestGate.passing("fast"), waitingFor("slow", slowOpens)).schedule(TestTaskHandle.of("t1"));

        listener.awaitGateFinished("t1", "fast");
        assertThat(listener.outcomes("t1")).isEmpty();
        assertThat(manager.inFlight()).isEqualTo(1);

        slowOpens.countDown();
        assertThat(listener.awaitOutcome("t1")).isInstanceOf(GateOutcome.Passed.class);
        assertThat(manager.inFlight()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "b"})
    void outcomeIsReportedByTheThreadOfTheLastGateToFinish(String lastGate) {
        CountDownLatch aOpens = new CountDownLatch(1);
        CountDownLatch bOpens = new CountDownLatch(1);
        start(waitingFor("a", aOpens), waitingFor("b", bOpens)).schedule(TestTaskHandle.of("t1"));

        String firstGate = lastGate.equals("a") ? "b" : "a";
        (firstGate.equals("a") ? aOpens : bOpens).countDown();
        listener.awaitGateFinished("t1", firstGate);
        (lastGate.equals("a") ? aOpens : bOpens).countDown();

        RecordingListener.Reported reported = listener.awaitReported("t1");
        assertThat(reported.outcome()).isInstanceOf(GateOutcome.Passed.class);
        assertThat(reported.thread().getName()).isEqualTo("gate-" + lastGate + "-t1");
    }

    @Test
    void firstFailureDecidesAndInterruptsTheOtherGates() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch blockedStarted = new CountDownLatch(1);
        TestGate blocked = TestGate.of("blocked", task -> {
            blockedStarted.countDown();
            try {
                releaseAll.await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        });
        TaskException missing = new TaskException("input /data/a.fq is missing");
        TestGate broken = TestGate.of("broken", task -> {
            // Fail only once "blocked" runs; failing earlier would keep it from starting at all.
            if (!blockedStarted.await(RecordingListener.HANG_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the blocked gate never started");
            }
            throw missing;
        });
        start(blocked, broken).schedule(TestTaskHandle.of("t1"));

        RecordingListener.Reported reported = listener.awaitReported("t1");
        assertThat(reported.outcome()).isInstanceOfSatisfying(GateOutcome.Failed.class, failed -> {
            assertThat(failed.gateId()).isEqualTo("broken");
            assertThat(failed.error()).isSameAs(missing);
        });
        assertThat(reported.thread().getName()).isEqualTo("gate-broken-t1");
        // The outcome is reported once the interrupt is sent, maybe before the blocked gate has seen it.
        assertThat(interrupted.await(RecordingListener.HANG_GUARD.toSeconds(), TimeUnit.SECONDS))
                .as("the blocked gate was interrupted").isTrue();
        assertThat(listener.awaitGateFinished("t1", "blocked").failure()).isInstanceOf(InterruptedException.class);
        assertThat(listener.outcomes("t1")).hasSize(1);
        assertThat(manager.inFlight()).isZero();
    }

    @Test
    void secondFailureAfterTheFirstIsNotReported() {
        CountDownLatch secondStarted = new CountDownLatch(1);
        TestGate first = TestGate.of("first", task -> {
            // Fail only once "second" runs; failing earlier would keep it from starting at all.
            secondStarted.await();
            throw new TaskException("first");
        });
        TestGate second = TestGate.of("second", task -> {
            secondStarted.countDown();
            try {
                releaseAll.await();
            } catch (InterruptedException e) {
                // A gate that reacts to being cancelled by failing anyway.
                throw new TaskException("second, after the interrupt");
            }
        });
        start(first, second).schedule(TestTaskHandle.of("t1"));

        assertThat(listener.awaitOutcome("t1")).isInstanceOfSatisfying(GateOutcome.Failed.class,
                failed -> assertThat(failed.gateId()).isEqualTo("first"));
        assertThat(listener.awaitGateFinished("t1", "second").failure()).hasMessage("second, after the interrupt");
        assertThat(listener.outcomes("t1")).hasSize(1);
    }

    @Test
    void retryableTaskExceptionIsReportedAsIsAndSaysRetry() {
        RetryableTaskException busy = new RetryableTaskException("licence server busy");
        start(TestGate.of("licence", task -> {
            throw busy;
        })).schedule(TestTaskHandle.of("t1"));

        GateOutcome.Failed failed = (GateOutcome.Failed) listener.awaitOutcome("t1");
        assertThat(failed.error()).isSameAs(busy);
        assertThat(failed.error().isRetryable()).isTrue();
    }

    static Stream<Arguments> unexpectedThrowables() {
        String fault = " (a fault in the gate; the run's log has its stack trace)";
        return Stream.of(
                Arguments.of(new IllegalStateException("disk gone"), "failed unexpectedly: disk gone" + fault),
                Arguments.of(new NullPointerException(), "failed unexpectedly" + fault),
                Arguments.of(new IOException("stale NFS handle"), "failed unexpectedly: stale NFS handle" + fault),
                Arguments.of(new StackOverflowError("deep"), "failed unexpectedly: deep" + fault),
                // Wrapped: the message Java gives it starts with the cause's type, which people need not read.
                Arguments.of(new IllegalStateException(new IOException("quota file unreadable")),
                        "failed unexpectedly: quota file unreadable" + fault),
                Arguments.of(new RuntimeException("could not reserve", new IllegalArgumentException("negative")),
                        "failed unexpectedly: could not reserve (negative)" + fault),
                // A library the plugin did not bundle: the fix, as when its constructor meets it.
                Arguments.of(new NoClassDefFoundError("com/google/common/base/Strings"),
                        "class com.google.common.base.Strings is missing: " + PluginFaults.BUNDLE_HINT),
                Arguments.of(new InterruptedException("nobody asked"),
                        "stopped as if cancelled, although its task was not" + fault),
                // Wrapped twice, and around a cause without a message: no type name is left over.
                Arguments.of(new RuntimeException(new java.io.UncheckedIOException(new IOException("disk gone"))),
                        "failed unexpectedly: disk gone" + fault),
                Arguments.of(new IllegalStateException(new NullPointerException()), "failed unexpectedly" + fault),
                // A class whose static initializer failed is there, not missing: first use, then every later one.
                Arguments.of(Uses.FIRST, "class " + QuotaConfig.class.getName() + " failed in its static initializer:"
                        + " /etc/quota.conf unreadable" + fault),
                Arguments.of(Uses.LATER, "class " + QuotaConfig.class.getName() + " failed in its static initializer:"
                        + " /etc/quota.conf unreadable" + fault),
                Arguments.of(Uses.SILENT_FIRST, "class " + SilentConfig.class.getName() + " failed in its static"
                        + " initializer, without a message" + fault),
                Arguments.of(Uses.SILENT_LATER, "class " + SilentConfig.class.getName() + " failed in its static"
                        + " initializer, without a message" + fault),
                // Its initializer met a missing class: that one is missing, first; the class is named after.
                Arguments.of(Uses.UNBUNDLED_FIRST,
                        "class com.google.common.base.Strings is missing: " + PluginFaults.BUNDLE_HINT),
                Arguments.of(Uses.UNBUNDLED_LATER, "class " + UnbundledConfig.class.getName() + " failed in its static"
                        + " initializer: class com.google.common.base.Strings is missing: " + PluginFaults.BUNDLE_HINT
                        + fault));
    }

    /** Helpers of a gate whose static initializers fail. */
    static final class QuotaConfig {
        static final String FILE;

        static {
            if (Boolean.TRUE) {
                throw new IllegalStateException(new IOException("/etc/quota.conf unreadable"));
            }
            FILE = "";
        }
    }

    static final class SilentConfig {
        static final String FILE;

        static {
            if (Boolean.TRUE) {
                throw new IllegalStateException();
            }
            FILE = "";
        }
    }

    static final class UnbundledConfig {
        static final String FILE;

        static {
            if (Boolean.TRUE) {
                throw new NoClassDefFoundError("com/google/common/base/Strings");
            }
            FILE = "";
        }
    }

    /** What using those helpers throws, the first time and after. */
    private static final class Uses {
        static final Throwable FIRST = use(() -> QuotaConfig.FILE);
        static final Throwable LATER = use(() -> QuotaConfig.FILE);
        static final Throwable SILENT_FIRST = use(() -> SilentConfig.FILE);
        static final Throwable SILENT_LATER = use(() -> SilentConfig.FILE);
        static final Throwable UNBUNDLED_FIRST = use(() -> UnbundledConfig.FILE);
        static final Throwable UNBUNDLED_LATER = use(() -> UnbundledConfig.FILE);

        private static Throwable use(java.util.function.Supplier<String> field) {
            try {
                field.get();
            } catch (Throwable thrown) {
                return thrown;
            }
            throw new AssertionError("the static initializer did not fail");
        }
    }

    @Test
    void theFailingInitializersThrowWhatTheJvmThrows() {
        assertThat(Uses.FIRST).isInstanceOf(ExceptionInInitializerError.class);
        assertThat(Uses.LATER).isInstanceOf(NoClassDefFoundError.class)
                .hasMessage("Could not initialize class " + QuotaConfig.class.getName());
        assertThat(Uses.UNBUNDLED_FIRST).isInstanceOf(NoClassDefFoundError.class)
                .hasMessage("com/google/common/base/Strings");
        assertThat(Uses.UNBUNDLED_LATER).isInstanceOf(NoClassDefFoundError.class)
                .hasMessage("Could not initialize class " + UnbundledConfig.class.getName());
    }

    /**
     * What people read names neither the gate twice nor a Java type; the log keeps the original, with
     * its stack trace, for the gate's author.
     */
    @ParameterizedTest
    @MethodSource("unexpectedThrowables")
    void otherThrowablesAreWrappedInWordsAndLoggedWithTheirStackTrace(Throwable thrown, String expectedMessage) {
        Logger logger = (Logger) LoggerFactory.getLogger(TaskGateManager.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            start(TestGate.of("files", task -> TestGate.sneakyThrow(thrown))).schedule(TestTaskHandle.of("t1"));

            GateOutcome.Failed failed = (GateOutcome.Failed) listener.awaitOutcome("t1");
            assertThat(failed.gateId()).isEqualTo("files");
            assertThat(failed.error().isRetryable()).isFalse();
            assertThat(failed.error()).hasCause(thrown).hasMessage(expectedMessage);
            assertThat(failed.reason()).isEqualTo("gate 'files': " + expectedMessage);
            assertThat(listener.awaitGateFinished("t1", "files").failure()).isSameAs(failed.error());
            assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(e -> {
                assertThat(e.getFormattedMessage())
                        .isEqualTo("readiness gate 'files' failed for task t1 (test (t1)): " + expectedMessage);
                assertThat(((ThrowableProxy) e.getThrowableProxy()).getThrowable()).isSameAs(thrown);
            });
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void aTaskExceptionIsTheGatesOwnWordsAndIsNotLogged() {
        Logger logger = (Logger) LoggerFactory.getLogger(TaskGateManager.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            start(TestGate.of("quota", task -> {
                throw new TaskException("no token left for " + task.name());
            })).schedule(TestTaskHandle.of("t1"));

            GateOutcome.Failed failed = (GateOutcome.Failed) listener.awaitOutcome("t1");
            assertThat(failed.reason()).isEqualTo("gate 'quota': no token left for test (t1)");
            assertThat(logged.list).isEmpty();
        } finally {
            logger.detachAppender(logged);
        }
    }

    /** The host names the gate once, whether or not the gate's message already does. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "gave up after 5s waiting for a seat | gate 'quota': gave up after 5s waiting for a seat",
            "gate 'quota' gave up after 5s | gate 'quota' gave up after 5s",
            "gate 'quota': task 'a' asks for 2 | gate 'quota': task 'a' asks for 2",
            "gate 'quotas' is another gate | gate 'quota': gate 'quotas' is another gate",
            "'' | gate 'quota' failed"})
    void theReasonNamesTheGateOnce(String message, String reason) {
        assertThat(new GateOutcome.Failed("quota", new TaskException(message), Duration.ZERO).reason())
                .isEqualTo(reason);
    }

    @Test
    void passedWaitedIsScheduleToLastGateOnTheInjectedClock() throws Exception {
        TestGate threeSeconds = TestGate.of("three", task -> time.sleep(Duration.ofSeconds(3)));
        TestGate fiveSeconds = TestGate.of("five", task -> time.sleep(Duration.ofSeconds(5)));
        start(threeSeconds, fiveSeconds).schedule(TestTaskHandle.of("t1"));

        time.awaitSleepers(2, RecordingListener.HANG_GUARD);
        time.advance(Duration.ofSeconds(3));
        listener.awaitGateFinished("t1", "three");
        assertThat(listener.outcomes("t1")).isEmpty();
        time.advance(Duration.ofSeconds(2));

        assertThat(listener.awaitOutcome("t1")).isEqualTo(new GateOutcome.Passed(Duration.ofSeconds(5)));
    }

    @Test
    void failedWaitedIsScheduleToFailureOnTheInjectedClock() throws Exception {
        start(TestGate.of("quota", task -> {
            time.sleep(Duration.ofSeconds(2));
            throw new RetryableTaskException("quota exhausted");
        })).schedule(TestTaskHandle.of("t1"));

        time.awaitSleepers(1, RecordingListener.HANG_GUARD);
        time.advance(Duration.ofSeconds(2));

        GateOutcome.Failed failed = (GateOutcome.Failed) listener.awaitOutcome("t1");
        assertThat(failed.waited()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void gateEventsCarryTimesFromTheInjectedClock() throws Exception {
        Instant start = time.now();
        start(TestGate.of("files", task -> time.sleep(Duration.ofSeconds(5)))).schedule(TestTaskHandle.of("t1"));

        time.awaitSleepers(1, RecordingListener.HANG_GUARD);
        time.advance(Duration.ofSeconds(5));
        listener.awaitOutcome("t1");

        assertThat(listener.events("t1"))
                .extracting(RecordingListener.GateEvent::kind, RecordingListener.GateEvent::gateId,
                        RecordingListener.GateEvent::at, RecordingListener.GateEvent::failure)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("started", "files", start, null),
                        org.assertj.core.groups.Tuple.tuple("finished", "files", start.plusSeconds(5), null));
    }

    @Test
    void schedulingATaskStillInItsGatesIsRejected() {
        start(waitingFor("slow", new CountDownLatch(1))).schedule(TestTaskHandle.of("17"));

        assertThatThrownBy(() -> manager.schedule(TestTaskHandle.of("17").withAttempt(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("task 17")
                .hasMessageContaining("cancel(\"17\")");
        assertThat(manager.inFlight()).isEqualTo(1);
    }

    @Test
    void retryScheduledFromInsideTheOutcomeCallbackRuns() {
        RecordingListener retrying = new RecordingListener() {
            @Override
            public void outcome(TaskHandle task, GateOutcome outcome) {
                super.outcome(task, outcome);
                if (outcome instanceof GateOutcome.Failed f && f.error().isRetryable()) {
                    manager.schedule(((TestTaskHandle) task).withAttempt(task.attempt() + 1));
                }
            }
        };
        TestGate failsFirstAttempt = TestGate.of("flaky", task -> {
            if (task.attempt() == 1) {
                throw new RetryableTaskException("not yet");
            }
        });
        manager = new TaskGateManager(List.of(failsFirstAttempt), time, retrying);
        manager.schedule(TestTaskHandle.of("t1"));

        assertThat(retrying.awaitOutcomes("t1", 2))
                .hasExactlyElementsOfTypes(GateOutcome.Failed.class, GateOutcome.Passed.class);
    }
}
