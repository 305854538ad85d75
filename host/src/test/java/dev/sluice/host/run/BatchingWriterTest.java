package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The writer of tasks' ends: in order, in batches, never losing a write or a wake-up. */
class BatchingWriterTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void everyWriteRunsInOrderAndTheLastBatchIsFollowedByTheHook() throws Exception {
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger seenByHook = new AtomicInteger(-1);
        BatchingWriter writer = new BatchingWriter("test-writer", Duration.ofMillis(1), now -> {
            seenByHook.set(written.size());
            return 0;
        });
        for (int i = 0; i < 1000; i++) {
            int n = i;
            assertThat(writer.execute(() -> written.add(n))).isTrue();
        }

        assertThat(writer.close(LONG)).isTrue();

        assertThat(written).hasSize(1000).isSorted();
        assertThat(seenByHook).hasValue(1000);
    }

    @Test
    void writesGivenWhileABatchGathersWaitForTheNextBatch() throws Exception {
        CountDownLatch firstBatch = new CountDownLatch(1);
        AtomicInteger later = new AtomicInteger();
        // A gathering time far longer than the test: only close() may end it early.
        BatchingWriter writer = new BatchingWriter("test-writer", Duration.ofMinutes(10), now -> {
            firstBatch.countDown();
            return 0;
        });
        writer.execute(() -> { });
        assertThat(firstBatch.await(30, TimeUnit.SECONDS)).as("a first write runs at once").isTrue();
        for (int i = 0; i < 50; i++) {
            writer.execute(later::incrementAndGet);
        }
        Thread.sleep(50);
        assertThat(later).as("gathered, not yet written").hasValue(0);

        assertThat(writer.close(LONG)).isTrue();

        assertThat(later).hasValue(50);
        assertThat(writer.batches()).isEqualTo(2);
    }

    @Test
    void aWriteAfterTheThreadFellAsleepWakesIt() throws Exception {
        // No gathering: after each write the thread goes back to sleep, and each next write must wake it.
        BatchingWriter writer = new BatchingWriter("test-writer", Duration.ZERO, now -> 0);
        for (int i = 0; i < 2000; i++) {
            CountDownLatch done = new CountDownLatch(1);
            writer.execute(done::countDown);
            assertThat(done.await(30, TimeUnit.SECONDS)).as("write %d ran", i).isTrue();
            if (i % 100 == 0) {
                Thread.sleep(2);
            }
        }
        assertThat(writer.close(LONG)).isTrue();
    }

    @Test
    void theHookIsCalledAgainWhenItAsksEvenIfNothingIsWritten() throws Exception {
        CountDownLatch calledAgain = new CountDownLatch(2);
        BatchingWriter writer = new BatchingWriter("test-writer", Duration.ZERO, now -> {
            calledAgain.countDown();
            return calledAgain.getCount() == 1 ? now + TimeUnit.MILLISECONDS.toNanos(20) : 0;
        });
        writer.execute(() -> { });

        assertThat(calledAgain.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.batches()).isEqualTo(1);
        writer.close(LONG);
    }

    @Test
    void aFailingWriteDoesNotStopTheOnesAfterIt() throws Exception {
        AtomicInteger after = new AtomicInteger();
        BatchingWriter writer = new BatchingWriter("test-writer", Duration.ofMillis(1), now -> 0);
        writer.execute(() -> {
            throw new IllegalStateException("disk gone");
        });
        writer.execute(after::incrementAndGet);

        assertThat(writer.close(LONG)).isTrue();

        assertThat(after).hasValue(1);
    }

    @Test
    void aClosedWriterRefusesWritesAndOneThatWroteNothingHadNoThread() throws Exception {
        AtomicInteger hook = new AtomicInteger();
        BatchingWriter writer = new BatchingWriter("test-writer-idle", Duration.ofMillis(1), now -> {
            hook.incrementAndGet();
            return 0;
        });

        assertThat(writer.close(LONG)).isTrue();

        assertThat(writer.execute(() -> { })).isFalse();
        assertThat(hook).hasValue(0);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-writer-idle"));
    }

    @Test
    void aWriterWhoseThreadStoppedRefusesWritesAndSaysWhatItLeftUnwritten() throws Exception {
        CountDownLatch queued = new CountDownLatch(1);
        AtomicInteger after = new AtomicInteger();
        BatchingWriter writer = new BatchingWriter("test-writer-stops", Duration.ofMillis(1), now -> 0);
        // The three writes are queued before the first runs: the second stops the thread, the third is left.
        writer.execute(() -> {
            try {
                queued.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writer.execute(() -> {
            throw new AssertionError("an Error, not expected of a write");
        });
        writer.execute(after::incrementAndGet);
        queued.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (writer.running() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }

        assertThat(writer.running()).as("its thread stopped").isFalse();
        assertThat(writer.execute(after::incrementAndGet)).as("refused before anyone closed it").isFalse();
        assertThat(writer.close(LONG)).as("not everything was written").isFalse();
        assertThat(after).hasValue(0);
    }

    @Test
    void aWriterStoppedByItsLastWriteSaysSoAtClose() throws Exception {
        BatchingWriter writer = new BatchingWriter("test-writer-stops-last", Duration.ofMillis(1), now -> 0);
        writer.execute(() -> {
            throw new AssertionError("an Error, not expected of a write");
        });

        // Nothing is left in the queue, but the write that stopped the thread may have been a batch's.
        assertThat(writer.close(LONG)).isFalse();
    }
}
