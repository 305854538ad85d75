package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Health;
import dev.sluice.spi.testing.FakeTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The check loop on a fake clock. Each check is scripted: it reports the fake time it started at and
 * then blocks until the test hands it its answer, so the test decides how long a check "takes" by
 * advancing the clock while it blocks.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HealthProbeLoopTest {
    /** How long a test waits for something that takes microseconds; only reached when it is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** How long a test watches for something that must not happen. */
    private static final long QUIET_MS = 200;

    private final FakeTimeSource clock = new FakeTimeSource();
    private final ScriptedProbe probe = new ScriptedProbe();
    private final Recorder outcome = new Recorder();
    private Thread loop;

    @AfterEach
    void stopLoop() throws InterruptedException {
        if (loop != null) {
            loop.interrupt();
            loop.join(PATIENCE);
        }
    }

    /** A check that reports its start (fake time) and waits for the test's answer; counts overlaps. */
    private final class ScriptedProbe implements HealthProbeLoop.Probe {
        final BlockingQueue<Duration> starts = new LinkedBlockingQueue<>();
        final BlockingQueue<Supplier<Health>> answers = new LinkedBlockingQueue<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Health check() throws InterruptedException {
            int now = running.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            calls.incrementAndGet();
            try {
                starts.add(Duration.ofNanos(clock.nanoTime()));
                return answers.take().get();
            } finally {
                running.decrementAndGet();
            }
        }

        /** Waits for the next check to start and returns the fake time it started at. */
        Duration nextStart() throws InterruptedException {
            Duration start = starts.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(start).as("a check should have started").isNotNull();
            return start;
        }

        /** Asserts that no check starts for a while (real time). */
        void assertNoStart() throws InterruptedException {
            assertThat(starts.poll(QUIET_MS, TimeUnit.MILLISECONDS)).as("no check should start yet").isNull();
        }

        void answer(Health health) {
            answers.add(() -> health);
        }
    }

    /** The loop's reports, in order. */
    private static final class Recorder implements HealthProbeLoop.Outcome {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void status(String message) {
            events.add("status " + message);
        }

        @Override
        public void unhealthy(String message) {
            events.add("unhealthy " + message);
        }

        @Override
        public void threw(RuntimeException e) {
            events.add("threw " + e.getClass().getSimpleName());
        }
    }

    private Thread start(Duration period, int threshold, HealthProbeLoop.Probe check) {
        loop = HealthProbeLoop.start("test-loop", clock, period, threshold, null, check, outcome);
        return loop;
    }

    private void awaitSleeping() throws Exception {
        clock.awaitSleepers(1, PATIENCE);
    }

    private static Duration s(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    @Test
    void firstCheckRunsOnePeriodAfterTheStartAndThenEveryPeriodStartToStart() throws Exception {
        start(Duration.ofSeconds(5), 1, probe);

        awaitSleeping();
        clock.advance(s(4.999));
        probe.assertNoStart();
        clock.advance(s(0.001));
        assertThat(probe.nextStart()).isEqualTo(s(5));

        // The check takes 2 s: the next one still starts 5 s after this one started, not 5 s after it ended.
        clock.advance(s(2));
        probe.answer(Health.ok());
        awaitSleeping();
        clock.advance(s(2.999));
        probe.assertNoStart();
        clock.advance(s(0.001));
        assertThat(probe.nextStart()).isEqualTo(s(10));

        probe.answer(Health.ok());
        awaitSleeping();
        clock.advance(s(5));
        assertThat(probe.nextStart()).isEqualTo(s(15));
        assertThat(outcome.events).isEmpty();
    }

    @Test
    void periodBelowOneSecondRunsEverySecond() throws Exception {
        start(Duration.ofMillis(100), 1, probe);

        awaitSleeping();
        clock.advance(s(0.999));
        probe.assertNoStart();
        clock.advance(s(0.001));
        assertThat(probe.nextStart()).isEqualTo(s(1));

        probe.answer(Health.ok());
        awaitSleeping();
        clock.advance(s(0.5));
        probe.assertNoStart();
        clock.advance(s(0.5));
        assertThat(probe.nextStart()).isEqualTo(s(2));
        assertThat(HealthProbeLoop.MIN_PERIOD).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void zeroPeriodRunsEverySecondInsteadOfSpinning() throws Exception {
        start(Duration.ZERO, 1, probe);

        awaitSleeping();
        probe.assertNoStart();
        clock.advance(s(1));
        assertThat(probe.nextStart()).isEqualTo(s(1));
        probe.answer(Health.ok());
        awaitSleeping();
        assertThat(probe.calls.get()).isEqualTo(1);
    }

    @Test
    void checkThatOverrunsItsPeriodIsFollowedAtOnceAndNeverOverlapped() throws Exception {
        start(Duration.ofSeconds(1), 1, probe);
        awaitSleeping();
        clock.advance(s(1));
        assertThat(probe.nextStart()).isEqualTo(s(1));

        // The check runs 3.5 periods: no second check starts while it runs, however far time moves.
        clock.advance(s(1));
        clock.advance(s(1));
        clock.advance(s(1.5));
        probe.assertNoStart();
        assertThat(probe.running.get()).isEqualTo(1);

        probe.answer(Health.ok());
        assertThat(probe.nextStart()).as("the overrun check is followed at once, without advancing the clock")
                .isEqualTo(s(4.5));
        probe.answer(Health.ok());
        assertThat(probe.mostAtOnce.get()).isEqualTo(1);
    }

    @Test
    void afterAnOverrunTheNextCheckWaitsAFullPeriod() throws Exception {
        // Regression: after a check overran, the loop took the late start as the next start, so the quick
        // check that followed at once was itself followed at once by a third one at the same instant.
        start(Duration.ofSeconds(1), 1, probe);
        awaitSleeping();
        clock.advance(s(1));
        assertThat(probe.nextStart()).isEqualTo(s(1));
        clock.advance(s(3.5));
        probe.answer(Health.ok());
        assertThat(probe.nextStart()).isEqualTo(s(4.5));

        probe.answer(Health.ok());
        probe.assertNoStart();
        awaitSleeping();
        clock.advance(s(0.999));
        probe.assertNoStart();
        clock.advance(s(0.001));
        assertThat(probe.nextStart()).isEqualTo(s(5.5));
        assertThat(probe.calls.get()).isEqualTo(3);
    }

    @Test
    void thresholdNeedsThatManyFailuresInARowAndOneHealthyCheckResetsTheCount() throws Exception {
        Thread thread = start(Duration.ofSeconds(10), 3, probe);
        List<Health> answers = List.of(Health.unhealthy("f1"), Health.unhealthy("f2"), Health.ok(),
                Health.unhealthy("f3"), Health.unhealthy("f4"));
        for (Health answer : answers) {
            awaitSleeping();
            clock.advance(Duration.ofSeconds(10));
            probe.nextStart();
            probe.answer(answer);
        }
        awaitSleeping();
        assertThat(outcome.events).as("two failures, a healthy check, two failures: below the threshold").isEmpty();
        assertThat(thread.isAlive()).isTrue();

        clock.advance(Duration.ofSeconds(10));
        probe.nextStart();
        probe.answer(Health.unhealthy("f5: disk full"));
        thread.join(PATIENCE);

        assertThat(thread.isAlive()).as("the loop ends once it reported").isFalse();
        assertThat(outcome.events).containsExactly("unhealthy f5: disk full");
        assertThat(probe.calls.get()).isEqualTo(6);
    }

    @Test
    void anExceptionWithoutAMessageFailsInWordsWithoutItsType() throws Exception {
        Thread thread = start(Duration.ofSeconds(1), 2, probe);
        for (RuntimeException thrown : List.of(new NullPointerException(), new NullPointerException())) {
            awaitSleeping();
            clock.advance(s(1));
            probe.nextStart();
            probe.answers.add(() -> {
                throw thrown;
            });
        }
        thread.join(PATIENCE);

        assertThat(outcome.events).containsExactly("threw NullPointerException", "threw NullPointerException",
                "unhealthy probe failed: an unexpected error (the run's log has the details)");
    }

    @Test
    void thresholdBelowOneCountsAsOne() throws Exception {
        Thread thread = start(Duration.ofSeconds(1), 0, probe);
        awaitSleeping();
        clock.advance(s(1));
        probe.nextStart();
        probe.answer(Health.unhealthy("gone"));
        thread.join(PATIENCE);

        assertThat(thread.isAlive()).isFalse();
        assertThat(outcome.events).containsExactly("unhealthy gone");
    }

    @Test
    void healthyChecksWithAMessageReportItAsStatusAndSilentOnesReportNothing() throws Exception {
        start(Duration.ofSeconds(1), 1, probe);
        for (Health answer : List.of(Health.ok("GPU at 71 C"), Health.ok(), Health.ok("GPU at 74 C"))) {
            awaitSleeping();
            clock.advance(s(1));
            probe.nextStart();
            probe.answer(answer);
        }
        awaitSleeping();

        assertThat(outcome.events).containsExactly("status GPU at 71 C", "status GPU at 74 C");
    }

    @Test
    void exceptionCountsAsAFailedCheckWithItsMessage() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Thread thread = start(Duration.ofSeconds(1), 2, () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("socket closed");
        });

        awaitSleeping();
        clock.advance(s(1));
        awaitUntil(() -> calls.get() == 1);
        awaitSleeping();
        assertThat(outcome.events).as("one failure, threshold 2").containsExactly("threw IllegalStateException");
        clock.advance(s(1));
        thread.join(PATIENCE);

        assertThat(thread.isAlive()).isFalse();
        assertThat(calls.get()).isEqualTo(2);
        // The user reads the check's words, never its Java type; the host logs what threw, with its stack trace.
        assertThat(outcome.events).containsExactly("threw IllegalStateException", "threw IllegalStateException",
                "unhealthy probe failed: socket closed");
    }

    @Test
    void exceptionBetweenHealthyChecksDoesNotReachAThresholdOfTwo() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        start(Duration.ofSeconds(1), 2, () -> {
            if (calls.incrementAndGet() % 2 == 1) {
                throw new IllegalStateException("flaky");
            }
            return Health.ok();
        });
        for (int i = 1; i <= 6; i++) {
            awaitSleeping();
            clock.advance(s(1));
            int expected = i;
            awaitUntil(() -> calls.get() == expected);
        }
        awaitSleeping();

        assertThat(outcome.events).noneMatch(e -> e.startsWith("unhealthy"));
        assertThat(loop.isAlive()).isTrue();
    }

    @Test
    void interruptingTheSleepingLoopStopsItWithoutAnotherCheck() throws Exception {
        Thread thread = start(Duration.ofSeconds(1), 1, probe);
        awaitSleeping();

        thread.interrupt();
        thread.join(PATIENCE);

        assertThat(thread.isAlive()).isFalse();
        clock.advance(Duration.ofSeconds(10));
        assertThat(probe.calls.get()).isZero();
        assertThat(outcome.events).isEmpty();
    }

    @Test
    void checkInterruptedWhileItRunsReportsNothingEvenWhenItFails() throws Exception {
        BlockingQueue<String> started = new LinkedBlockingQueue<>();
        Thread thread = start(Duration.ofSeconds(1), 1, () -> {
            started.add("check");
            // A check that does not notice the interrupt, and then fails because what it watched is gone.
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            return Health.unhealthy("watched task ended");
        });
        awaitSleeping();
        clock.advance(s(1));
        assertThat(started.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();

        thread.interrupt();
        thread.join(PATIENCE);

        assertThat(thread.isAlive()).isFalse();
        assertThat(outcome.events).isEmpty();
    }

    @Test
    void checksRunWithTheGivenContextClassLoader() throws Exception {
        ClassLoader plugin = new ClassLoader(getClass().getClassLoader()) {
        };
        BlockingQueue<ClassLoader> seen = new LinkedBlockingQueue<>();
        loop = HealthProbeLoop.start("loader-loop", clock, Duration.ofSeconds(1), 1, plugin, () -> {
            seen.add(Thread.currentThread().getContextClassLoader());
            return Health.ok();
        }, outcome);
        awaitSleeping();
        clock.advance(s(1));

        assertThat(seen.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(plugin);
        assertThat(loop.getName()).isEqualTo("loader-loop");
        assertThat(loop.isVirtual()).isTrue();
    }

    private static void awaitUntil(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("condition not reached in time").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
