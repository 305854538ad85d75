package dev.sluice.gate;

import static org.assertj.core.api.Assertions.fail;

import dev.sluice.spi.TaskHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A listener that records everything, with waits for the events tests synchronise on. */
class RecordingListener implements GateListener {
    /** How long a wait for something that must happen may take before the test fails instead of hanging. */
    static final Duration HANG_GUARD = Duration.ofSeconds(30);

    record Reported(TaskHandle task, GateOutcome outcome, Thread thread, ClassLoader contextLoader) {
    }

    record GateEvent(String kind, String taskId, String gateId, Instant at, Throwable failure, Thread thread,
            ClassLoader contextLoader) {
    }

    private final Map<String, List<Reported>> outcomes = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Reported>> firstOutcome = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<GateEvent>> gateStarted = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<GateEvent>> gateFinished = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<GateEvent> events = new ConcurrentLinkedQueue<>();
    private final ReentrantLock outcomeLock = new ReentrantLock();
    private final Condition outcomeArrived = outcomeLock.newCondition();
    private int outcomeTotal; // guarded by outcomeLock

    @Override
    public void gateStarted(TaskHandle task, String gateId, Instant at) {
        GateEvent event = event("started", task, gateId, at, null);
        events.add(event);
        gateStarted.computeIfAbsent(task.id() + "\u0000" + gateId, k -> new CompletableFuture<>()).complete(event);
    }

    @Override
    public void gateFinished(TaskHandle task, String gateId, Instant at, Throwable failure) {
        GateEvent event = event("finished", task, gateId, at, failure);
        events.add(event);
        finishedFuture(task.id(), gateId).complete(event);
    }

    @Override
    public void outcome(TaskHandle task, GateOutcome outcome) {
        Thread self = Thread.currentThread();
        Reported reported = new Reported(task, outcome, self, self.getContextClassLoader());
        outcomes.computeIfAbsent(task.id(), id -> new CopyOnWriteArrayList<>()).add(reported);
        outcomeFuture(task.id()).complete(reported);
        outcomeLock.lock();
        try {
            outcomeTotal++;
            outcomeArrived.signalAll();
        } finally {
            outcomeLock.unlock();
        }
    }

    /** Waits until the task has had {@code count} outcomes (several schedule() calls share a task id) and returns them. */
    List<GateOutcome> awaitOutcomes(String taskId, int count) {
        awaitCondition(() -> outcomes(taskId).size() >= count, count + " outcomes for task " + taskId);
        return outcomes(taskId);
    }

    /** Waits until {@code count} outcomes have been reported in all, over every task. */
    void awaitAllOutcomes(int count) {
        awaitCondition(() -> outcomeTotal >= count, count + " outcomes in all");
    }

    /** How many outcomes have been reported in all. */
    int outcomeTotal() {
        outcomeLock.lock();
        try {
            return outcomeTotal;
        } finally {
            outcomeLock.unlock();
        }
    }

    private void awaitCondition(java.util.function.BooleanSupplier holds, String what) {
        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        outcomeLock.lock();
        try {
            while (!holds.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("gave up waiting for " + what + "; have " + outcomeTotal + " outcomes in all");
                }
                outcomeArrived.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted waiting for " + what);
        } finally {
            outcomeLock.unlock();
        }
    }

    private static GateEvent event(String kind, TaskHandle task, String gateId, Instant at, Throwable failure) {
        Thread self = Thread.currentThread();
        return new GateEvent(kind, task.id(), gateId, at, failure, self, self.getContextClassLoader());
    }

    private CompletableFuture<Reported> outcomeFuture(String taskId) {
        return firstOutcome.computeIfAbsent(taskId, id -> new CompletableFuture<>());
    }

    private CompletableFuture<GateEvent> finishedFuture(String taskId, String gateId) {
        return gateFinished.computeIfAbsent(taskId + "\u0000" + gateId, k -> new CompletableFuture<>());
    }

    /** The first outcome reported for the task, waiting for it if need be. */
    Reported awaitReported(String taskId) {
        return await(outcomeFuture(taskId), "an outcome for task " + taskId);
    }

    GateOutcome awaitOutcome(String taskId) {
        return awaitReported(taskId).outcome();
    }

    /**
     * Waits for the gateStarted event of that gate and task. The manager reports it once the gate
     * counts as in prepare(), so a cancel from then on interrupts the gate.
     */
    GateEvent awaitGateStarted(String taskId, String gateId) {
        return await(gateStarted.computeIfAbsent(taskId + "\u0000" + gateId, k -> new CompletableFuture<>()),
                "gate " + gateId + " of task " + taskId + " to start");
    }

    /** The gateFinished event of that gate and task, waiting for it if need be. */
    GateEvent awaitGateFinished(String taskId, String gateId) {
        return await(finishedFuture(taskId, gateId), "gate " + gateId + " of task " + taskId + " to finish");
    }

    /** Every outcome reported for the task so far. */
    List<GateOutcome> outcomes(String taskId) {
        return outcomes.getOrDefault(taskId, List.of()).stream().map(Reported::outcome).toList();
    }

    List<GateEvent> events(String taskId) {
        return events.stream().filter(e -> e.taskId().equals(taskId)).toList();
    }

    private static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("gave up waiting for " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted waiting for " + what);
        } catch (ExecutionException e) {
            return fail("failed waiting for " + what, e);
        }
    }
}
