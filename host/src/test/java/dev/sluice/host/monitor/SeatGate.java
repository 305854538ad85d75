package dev.sluice.host.monitor;

import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

/**
 * A gate that hands out one of a few licence seats: {@code prepare()} waits for a free seat and takes it,
 * {@code attemptEnded} gives it back. The shape of every gate that holds something for a task (a GPU,
 * a quota token), used to show that the seat comes back however the attempt ends.
 */
class SeatGate implements TaskReadinessGate {
    /** One attemptEnded call. */
    record Ended(String taskName, int attempt, AttemptOutcome outcome) {
    }

    private final int seats;
    private final Semaphore free;
    final List<Ended> ended = new CopyOnWriteArrayList<>();
    final List<String> admitted = new CopyOnWriteArrayList<>();

    SeatGate(int seats) {
        this.seats = seats;
        this.free = new Semaphore(seats, true);
    }

    @Override
    public String id() {
        return "seat";
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException {
        free.acquire();
        admitted.add(task.name() + "#" + task.attempt());
    }

    @Override
    public Map<String, List<String>> assigned(TaskHandle task) {
        return Map.of("seat", List.of("seat-of-" + task.id()));
    }

    @Override
    public void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
        ended.add(new Ended(task.name(), task.attempt(), outcome));
        free.release();
    }

    /** Seats not held by any attempt. */
    int freeSeats() {
        return free.availablePermits();
    }

    /** Whether every seat is back. */
    boolean allReturned() {
        return freeSeats() == seats;
    }

    List<AttemptOutcome.Kind> kinds() {
        return ended.stream().map(e -> e.outcome().kind()).toList();
    }
}
