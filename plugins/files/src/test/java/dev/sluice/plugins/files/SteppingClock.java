package dev.sluice.plugins.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FakeTimeSource} that also counts calls to {@link #sleep}, so that a test can wait for the
 * gate's next sleep after advancing time. {@link FakeTimeSource#awaitSleepers} alone cannot tell the
 * sleep a thread is about to leave from the next one it enters.
 */
final class SteppingClock implements TimeSource {
    /** How long, in real time, a test waits for the gate before it calls the gate stuck. */
    static final Duration HANG_GUARD = Duration.ofSeconds(30);

    private final FakeTimeSource fake = new FakeTimeSource();
    private final Semaphore sleepsEntered = new Semaphore(0);
    private final AtomicInteger sleepCalls = new AtomicInteger();

    @Override
    public Instant now() {
        return fake.now();
    }

    @Override
    public long nanoTime() {
        return fake.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        sleepCalls.incrementAndGet();
        sleepsEntered.release();
        fake.sleep(duration);
    }

    /**
     * Waits until {@code count} more sleeps have begun since the last call and that many threads
     * are asleep, i.e. each waiting gate has finished its look and gone back to sleep.
     */
    void awaitNextSleeps(int count) throws InterruptedException, TimeoutException {
        boolean entered = sleepsEntered.tryAcquire(count, HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(entered).as("%d gate(s) went back to sleep", count).isTrue();
        fake.awaitSleepers(count, HANG_GUARD);
    }

    /** Moves the fake time forward, waking sleepers whose time has come. */
    void advance(Duration duration) {
        fake.advance(duration);
    }

    /** The fake time passed since the start. */
    Duration elapsed() {
        return Duration.ofNanos(fake.nanoTime());
    }

    /** How many times anything slept on this clock. */
    int sleepCalls() {
        return sleepCalls.get();
    }
}
