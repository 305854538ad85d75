package dev.sluice.host.monitor;

import dev.sluice.spi.AttemptOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the monitor has asked to end, and when: the kill orders whose end the executor has not yet
 * confirmed (each asked to stop, forced after its grace, given up on when never confirmed), and the
 * time limits of running tasks. It holds times, read on the monitor's clock, and answers what is due;
 * the monitor does the killing. Owned by the monitor's thread.
 */
final class KillSchedule {
    /** How long after the kill grace the monitor waits for an executor to confirm a killed task's end. */
    static final Duration CONFIRM = Duration.ofSeconds(10);

    /**
     * Why the monitor killed a task and what its end then means.
     *
     * @param reason         what the user is told
     * @param isFailure      whether the task fails (a time limit, a health probe) rather than is cancelled
     *                       (the run stopped)
     * @param kind           how the attempt's end reaches its gates
     * @param forceAtNanos   when the task is forced if it has not ended; {@link Long#MAX_VALUE} once forced
     * @param confirmByNanos when the monitor stops waiting for the executor to confirm the end
     */
    record KillOrder(String reason, boolean isFailure, AttemptOutcome.Kind kind, long forceAtNanos,
            long confirmByNanos) {
        /** The same order, its end never confirmed: the task's processes may live on. */
        KillOrder abandoned() {
            return new KillOrder(reason, isFailure, AttemptOutcome.Kind.ABANDONED, forceAtNanos, confirmByNanos);
        }

        KillOrder forced() {
            return new KillOrder(reason, isFailure, kind, Long.MAX_VALUE, confirmByNanos);
        }
    }

    private final Map<TaskProgress, KillOrder> orders = new LinkedHashMap<>();
    private final Map<TaskProgress, Long> timeLimits = new LinkedHashMap<>();

    /**
     * The task was asked to stop at {@code nowNanos} and is forced after {@code grace}; a zero grace
     * means the monitor forces it at once, so no force falls due later.
     */
    void killed(TaskProgress rec, String reason, boolean isFailure, AttemptOutcome.Kind kind, long nowNanos,
            Duration grace) {
        long forceAt = grace.isZero() ? Long.MAX_VALUE : nowNanos + grace.toNanos();
        orders.put(rec, new KillOrder(reason, isFailure, kind, forceAt, nowNanos + grace.plus(CONFIRM).toNanos()));
    }

    /** The killed tasks whose grace has passed at {@code nowNanos}: they are forced now, once. */
    List<TaskProgress> dueForce(long nowNanos) {
        if (orders.isEmpty()) {
            return List.of();
        }
        List<TaskProgress> due = new ArrayList<>();
        orders.replaceAll((rec, order) -> {
            if (order.forceAtNanos() != Long.MAX_VALUE && order.forceAtNanos() <= nowNanos) {
                due.add(rec);
                return order.forced();
            }
            return order;
        });
        return due;
    }

    /** Every task asked to stop and not yet forced is forced at {@code nowNanos}: its grace is cut short. */
    void forceAll(long nowNanos) {
        orders.replaceAll((rec, order) -> order.forceAtNanos() == Long.MAX_VALUE ? order
                : new KillOrder(order.reason(), order.isFailure(), order.kind(), nowNanos,
                        Math.min(order.confirmByNanos(), nowNanos + CONFIRM.toNanos())));
    }

    /** Whether the task was killed and its end is awaited. */
    boolean isKilled(TaskProgress rec) {
        return orders.containsKey(rec);
    }

    /** The task ended: its kill order, if it was killed, is returned and forgotten, with its time limit. */
    KillOrder ended(TaskProgress rec) {
        timeLimits.remove(rec);
        return orders.remove(rec);
    }

    /** The running task must end by {@code dueNanos}. */
    void limit(TaskProgress rec, long dueNanos) {
        timeLimits.put(rec, dueNanos);
    }

    /** The tasks whose time limit has passed at {@code nowNanos}; their limits are forgotten. */
    List<TaskProgress> pastTimeLimit(long nowNanos) {
        if (timeLimits.isEmpty()) {
            return List.of();
        }
        List<TaskProgress> due = new ArrayList<>();
        timeLimits.entrySet().removeIf(e -> {
            boolean past = e.getValue() <= nowNanos;
            if (past) {
                due.add(e.getKey());
            }
            return past;
        });
        return due;
    }

    /**
     * The killed tasks whose end was not confirmed by {@code nowNanos}, to be given up on one by one
     * ({@link #abandon}); ending one may end another meanwhile, so each is checked again as it comes.
     */
    List<TaskProgress> unconfirmed(long nowNanos) {
        if (orders.isEmpty()) {
            return List.of();
        }
        List<TaskProgress> due = new ArrayList<>();
        orders.forEach((rec, order) -> {
            if (order.confirmByNanos() <= nowNanos) {
                due.add(rec);
            }
        });
        return due;
    }

    /** The monitor gives up waiting for the killed task's end: its processes may live on. */
    void abandon(TaskProgress rec) {
        orders.computeIfPresent(rec, (r, order) -> order.abandoned());
    }

    /** The earlier of {@code wakeNanos} and the next moment something here falls due. */
    long nextDue(long wakeNanos) {
        long wake = wakeNanos;
        for (KillOrder order : orders.values()) {
            wake = Math.min(wake, Math.min(order.forceAtNanos(), order.confirmByNanos()));
        }
        for (long limit : timeLimits.values()) {
            wake = Math.min(wake, limit);
        }
        return wake;
    }
}
