package dev.sluice.host.monitor;

import dev.sluice.host.config.TaskSpec;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The way tasks enter a run that is already going ({@code sluice serve}): any thread offers tasks and
 * cancels, in order, and the monitor's loop takes them on its own thread ({@link Arrivals}). A run built
 * with an intake goes on while the intake is open, even with every task ended; {@link #close()} lets it
 * finish once what was offered has ended. A run without one (a pipeline) is not changed by this class.
 */
public final class Intake {
    /** A task for the process {@code process} (one that depends on no other), with its own id. */
    public record Arrival(String id, String process, TaskSpec spec) {
        public Arrival {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(process, "process");
            Objects.requireNonNull(spec, "spec");
        }
    }

    /** A task offered earlier is to end as cancelled, in whatever state it is. */
    record Cancel(String id, String reason) {
    }

    private final Queue<Object> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean open = true;
    /** Cancels are taken until the run has ended, also while it drains after {@link #close()}. */
    private volatile boolean cancelsOpen = true;
    /** Raises the loop's signal; set when the monitor is built. */
    private volatile Runnable wake = () -> { };

    /**
     * Hands a task to the run; it is pending until the loop takes it, in the order offered.
     *
     * @return {@code false}, with nothing kept, once the intake is closed
     */
    public synchronized boolean offer(Arrival arrival) {
        Objects.requireNonNull(arrival, "arrival");
        if (!open) {
            return false;
        }
        requests.add(arrival);
        wake.run();
        return true;
    }

    /**
     * Asks that the task {@code id} end as cancelled: unstarted, it never starts; running, it is killed as
     * when a run stops (asked, then forced after its grace). An id that is unknown or already ended is
     * ignored by the loop.
     *
     * @return {@code false} once the run has ended (a draining run still takes cancels)
     */
    public synchronized boolean cancel(String id, String reason) {
        if (!cancelsOpen) {
            return false;
        }
        requests.add(new Cancel(Objects.requireNonNull(id, "id"), Objects.requireNonNull(reason, "reason")));
        wake.run();
        return true;
    }

    /** No more tasks (cancels are still taken): the run ends once every task offered has. Idempotent. */
    public synchronized void close() {
        open = false;
        wake.run();
    }

    /** The run has ended: nothing more is taken, cancels neither. */
    synchronized void closeAll() {
        open = false;
        cancelsOpen = false;
    }

    public boolean isOpen() {
        return open;
    }

    /** Whether the run must go on for the intake's sake: it is open, or holds requests not yet taken. */
    boolean keepsRunGoing() {
        // open is read first: close() happens after every accepted offer, so a closed intake's queue is final.
        return open || !requests.isEmpty();
    }

    /** The oldest request not yet taken, or {@code null}. The loop's thread. */
    Object poll() {
        return requests.poll();
    }

    /** The tasks offered and not yet taken, in order, without taking them. */
    java.util.List<Arrival> pendingArrivals() {
        java.util.List<Arrival> out = new java.util.ArrayList<>();
        for (Object r : requests) {
            if (r instanceof Arrival a) {
                out.add(a);
            }
        }
        return out;
    }

    boolean hasRequests() {
        return !requests.isEmpty();
    }

    void attach(Runnable wake) {
        this.wake = Objects.requireNonNull(wake, "wake");
    }
}
