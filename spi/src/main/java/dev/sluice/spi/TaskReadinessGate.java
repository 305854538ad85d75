package dev.sluice.spi;

import org.pf4j.ExtensionPoint;

/**
 * A readiness gate: something that must hold before a task may be submitted (its input files
 * exist, its container image is present, a licence is free).
 *
 * <p>The host's {@code TaskGateManager} calls {@link #prepare} for each task as soon as the task is
 * scheduled, so the wait overlaps with queueing. All gates of a task run in parallel, each on its own
 * virtual thread, and all must pass. The first gate to fail cancels the others of that task by
 * interrupting them.
 *
 * <p>Contract of {@link #prepare}:
 * <ul>
 *   <li>It blocks until the task is ready and then returns. Blocking is cheap: it runs on a virtual
 *       thread.</li>
 *   <li>It honours interrupts: when interrupted (the task was cancelled, evicted or the host shuts
 *       down) it returns promptly by throwing {@link InterruptedException}. A gate that ignores the
 *       interrupt is reported by its {@link #id()} and abandoned.</li>
 *   <li>Throwing {@link TaskException} fails the task permanently (the task's error strategy decides
 *       what happens next); throwing {@link RetryableTaskException} asks for a retry; any other
 *       exception is wrapped in a {@code TaskException} that keeps it as its cause.</li>
 *   <li>Its opt-out and deadline are its own policy, read from namespaced hints with
 *       {@link GatePolicy}: {@code <id>/skip} and {@code <id>/maxWait}.</li>
 * </ul>
 *
 * <p>The host creates one instance of each gate and calls it from many threads at once: keep it
 * thread-safe. An extension class may take a {@link PluginContext} in its constructor.
 */
public interface TaskReadinessGate extends ExtensionPoint {

    /** A stable id, also the namespace of the gate's hints (e.g. {@code files}). */
    String id();

    /**
     * The order in which gates are listed and started; lower first. Gates run in parallel, so
     * priority orders reports and start-up, not completion. PF4J ordinals are not used.
     */
    default int priority() {
        return 0;
    }

    /**
     * Blocks until {@code task} is ready to be submitted.
     *
     * @throws InterruptedException when the wait is cancelled
     * @throws TaskException        when the task cannot become ready
     */
    void prepare(TaskHandle task) throws InterruptedException, TaskException;

    /**
     * Checks a process's hints in this gate's namespace before anything runs ({@code sluice validate}
     * and the start of {@code sluice run}). The default checks {@code <id>/skip} and
     * {@code <id>/maxWait}; a gate with hints of its own overrides it and calls the default too.
     *
     * @throws InvalidSettingException naming the bad key and the fix
     */
    default void validateHints(Hints hints) {
        GatePolicy.of(id(), hints, null);
    }
}
