package dev.sluice.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many tasks at once: the cost in platform threads, and schedule/cancel racing from many threads. */
@Timeout(120) // guards against a hang; no test asserts how long anything takes
class TaskGateManagerScaleTest {
    private final FakeTimeSource time = new FakeTimeSource();
    private final RecordingListener listener = new RecordingListener();

    @Test
    void tenThousandTasksBlockedInGatesCostFewPlatformThreads() throws Exception {
        int tasks = 10_000;
        CountDownLatch allBlocked = new CountDownLatch(tasks);
        CountDownLatch release = new CountDownLatch(1);
        TestGate blocking = TestGate.of("blocking", task -> {
            allBlocked.countDown();
            release.await();
        });
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        try (TaskGateManager manager = new TaskGateManager(List.of(blocking), time, listener)) {
            int platformThreadsBefore = threads.getThreadCount();
            for (int i = 0; i < tasks; i++) {
                manager.schedule(TestTaskHandle.of("t" + i));
            }
            assertThat(allBlocked.await(60, TimeUnit.SECONDS)).as("all gates blocked").isTrue();

            assertThat(manager.inFlight()).isEqualTo(tasks);
            assertThat(threads.getThreadCount() - platformThreadsBefore).isLessThan(64);

            release.countDown();
            listener.awaitAllOutcomes(tasks);
            for (int i = 0; i < tasks; i++) {
                assertThat(listener.outcomes("t" + i)).as("task t" + i)
                        .singleElement().isEqualTo(new GateOutcome.Passed(Duration.ZERO));
            }
            assertThat(manager.inFlight()).isZero();
        }
    }

    @Test
    void scheduleAndCancelFromManyThreadsGiveExactlyOneOutcomePerTask() throws Exception {
        int schedulers = 4;
        int tasksPerScheduler = 500;
        int total = schedulers * tasksPerScheduler;
        CountDownLatch releaseSecondGate = new CountDownLatch(1);
        // Gate "b" holds the first half of the tasks until mid-run, so passes and cancels race.
        TestGate a = TestGate.passing("a");
        TestGate b = TestGate.of("b", task -> releaseSecondGate.await());
        BlockingQueue<String> toCancel = new LinkedBlockingQueue<>();
        String noMore = "";

        try (TaskGateManager manager = new TaskGateManager(List.of(a, b), time, listener)) {
            List<Thread> workers = new ArrayList<>();
            for (int s = 0; s < schedulers; s++) {
                int scheduler = s;
                workers.add(Thread.ofPlatform().name("scheduler-" + s).start(() -> {
                    for (int i = 0; i < tasksPerScheduler; i++) {
                        String id = scheduler + "-" + i;
                        manager.schedule(TestTaskHandle.of(id));
                        if (i % 2 == 0) {
                            toCancel.add(id);
                        }
                        if (scheduler == 0 && i == tasksPerScheduler / 2) {
                            releaseSecondGate.countDown();
                        }
                    }
                }));
            }
            List<Thread> cancellers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                cancellers.add(Thread.ofPlatform().name("canceller-" + c).start(() -> {
                    try {
                        for (String id = toCancel.take(); !id.equals(noMore); id = toCancel.take()) {
                            manager.cancel(id);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            for (Thread worker : workers) {
                assertThat(worker.join(RecordingListener.HANG_GUARD)).isTrue();
            }
            releaseSecondGate.countDown();
            for (Thread canceller : cancellers) {
                toCancel.add(noMore);
            }
            for (Thread canceller : cancellers) {
                assertThat(canceller.join(RecordingListener.HANG_GUARD)).isTrue();
            }

            listener.awaitAllOutcomes(total);
            // Every gate has left prepare() once shutdown returns with nothing stuck.
            assertThat(manager.shutdown(Duration.ofHours(1))).isEmpty();
            int cancelled = 0;
            for (int s = 0; s < schedulers; s++) {
                for (int i = 0; i < tasksPerScheduler; i++) {
                    List<GateOutcome> outcomes = listener.outcomes(s + "-" + i);
                    assertThat(outcomes).as("outcomes of task " + s + "-" + i).hasSize(1);
                    if (i % 2 == 1) {
                        assertThat(outcomes.get(0)).isInstanceOf(GateOutcome.Passed.class);
                    } else if (outcomes.get(0) instanceof GateOutcome.Cancelled) {
                        cancelled++;
                    }
                }
            }
            assertThat(listener.outcomeTotal()).isEqualTo(total);
            assertThat(cancelled).as("some cancels must have won the race").isPositive();
            assertThat(manager.inFlight()).isZero();
        }
    }
}
