package dev.sluice.plugins.slurm;

import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when told to, or by as much as a caller sleeps (at once). */
final class SteppingTime implements TimeSource {
    private long nanos = 1_000_000_000L;
    private final Instant start = Instant.parse("2026-11-22T10:00:00Z");
    final List<Duration> sleeps = new ArrayList<>();

    @Override
    public synchronized Instant now() {
        return start.plusNanos(nanos);
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized void sleep(Duration duration) {
        sleeps.add(duration);
        nanos += duration.toNanos();
    }

    synchronized void advance(Duration duration) {
        nanos += duration.toNanos();
    }
}
