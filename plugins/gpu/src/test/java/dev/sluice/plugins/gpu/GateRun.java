package dev.sluice.plugins.gpu;

import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One call of {@link TaskReadinessGate#prepare} on its own virtual thread, as the gate manager makes it. */
final class GateRun {
    private final Thread thread;
    private final CompletableFuture<Void> outcome = new CompletableFuture<>();

    private GateRun(TaskReadinessGate gate, TaskHandle task) {
        this.thread = Thread.ofVirtual().name("gate-gpu-" + task.id()).unstarted(() -> {
            try {
                gate.prepare(task);
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.completeExceptionally(e);
            }
        });
    }

    static GateRun start(TaskReadinessGate gate, TaskHandle task) {
        GateRun run = new GateRun(gate, task);
        run.thread.start();
        return run;
    }

    void interrupt() {
        thread.interrupt();
    }

    boolean isDone() {
        return outcome.isDone();
    }

    /** Waits (in real time, as a guard only) for prepare to return; fails the test if it threw. */
    void awaitPassed() throws InterruptedException, ExecutionException, TimeoutException {
        outcome.get(Gpus.HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for prepare to throw and returns what it threw; fails the test if it returned. */
    Throwable awaitFailure() throws InterruptedException, TimeoutException {
        try {
            outcome.get(Gpus.HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("prepare returned, but it was expected to throw");
    }
}
