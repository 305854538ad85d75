package dev.sluice.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * A gate's per-task policy, read from its namespaced hints: {@code <gate>/skip} opts a process out
 * of the gate and {@code <gate>/maxWait} bounds how long the gate waits. It also offers the polling
 * loop most gates need, on the injected {@link TimeSource}:
 *
 * <pre>{@code
 * public void prepare(TaskHandle task) throws InterruptedException, TaskException {
 *     GatePolicy policy = GatePolicy.of(id(), task, Duration.ofMinutes(10));
 *     if (policy.skip()) return;
 *     policy.await(time, Duration.ofSeconds(1), "inputs of " + task.name(), () -> inputsReady(task));
 * }
 * }</pre>
 */
public final class GatePolicy {
    /** The hint that opts a task out of a gate: {@code <gate>/skip}. */
    public static final String SKIP = "skip";
    /** The hint that bounds a gate's wait: {@code <gate>/maxWait}. */
    public static final String MAX_WAIT = "maxWait";

    private final String gateId;
    private final boolean skip;
    private final Duration maxWait;

    private GatePolicy(String gateId, boolean skip, Duration maxWait) {
        this.gateId = gateId;
        this.skip = skip;
        this.maxWait = maxWait;
    }

    /**
     * Reads the policy of gate {@code gateId} for {@code task}.
     *
     * @param defaultMaxWait the wait bound when {@code <gate>/maxWait} is not set; {@code null} for none
     * @throws InvalidSettingException when a hint does not parse
     */
    public static GatePolicy of(String gateId, TaskHandle task, Duration defaultMaxWait) {
        return of(gateId, task.hints(), defaultMaxWait);
    }

    /** Reads the policy of gate {@code gateId} from a process's hints. */
    public static GatePolicy of(String gateId, Hints hints, Duration defaultMaxWait) {
        boolean skip = hints.bool(Hints.key(gateId, SKIP), false);
        Duration maxWait = hints.duration(Hints.key(gateId, MAX_WAIT), defaultMaxWait);
        if (maxWait != null && maxWait.isNegative()) {
            throw hints.invalid(Hints.key(gateId, MAX_WAIT), maxWait.toString(), "must not be negative");
        }
        return new GatePolicy(gateId, skip, maxWait);
    }

    /** Whether the task opted out of this gate. */
    public boolean skip() {
        return skip;
    }

    /** How long the gate may wait, if bounded. */
    public Optional<Duration> maxWait() {
        return Optional.ofNullable(maxWait);
    }

    /** A readiness check that may fail outright. */
    @FunctionalInterface
    public interface Condition {
        /** Whether the awaited state holds now. */
        boolean holds() throws TaskException, InterruptedException;
    }

    /**
     * Checks {@code condition} every {@code pollEvery} until it holds, sleeping on {@code time}.
     *
     * @param what a short description of what is awaited, used in the timeout message
     * @throws TaskException        when {@code maxWait} passes first; the message names the hint to
     *                              raise and {@code what} (the host puts the gate's name in front)
     * @throws InterruptedException when the wait is cancelled
     */
    public void await(TimeSource time, Duration pollEvery, String what, Condition condition)
            throws TaskException, InterruptedException {
        long start = time.nanoTime();
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("gate '" + gateId + "' cancelled");
            }
            if (condition.holds()) {
                return;
            }
            long waited = time.nanoTime() - start;
            if (maxWait != null && waited >= maxWait.toNanos()) {
                // The host names the gate in front of this: "gate 'quota': gave up after ..."
                throw new TaskException("gave up after " + Units.formatDuration(maxWait)
                        + " waiting for " + what + " (raise the hint " + Hints.key(gateId, MAX_WAIT)
                        + ", or set " + Hints.key(gateId, SKIP) + ": true to opt out)");
            }
            Duration sleep = pollEvery;
            if (maxWait != null) {
                Duration left = maxWait.minusNanos(waited);
                if (left.compareTo(sleep) < 0) {
                    sleep = left;
                }
            }
            time.sleep(sleep);
        }
    }
}
