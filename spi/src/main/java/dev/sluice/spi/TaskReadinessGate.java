package dev.sluice.spi;

import java.util.List;
import java.util.Map;
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
 * <p>A gate may also hand something out as it admits a task (a GPU, a licence seat, a quota token):
 * {@link #assigned} tells the host what, and {@link #attemptEnded} tells the gate when the attempt it
 * admitted has ended, whichever way, so that it can take it back.
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

    /**
     * Checks what a process's tasks will ask of this gate before anything runs, with its executor and
     * resources as well as its hints: a gate that hands out devices refuses a request larger than all
     * it has here, not after a wait. The default checks the hints with {@link #validateHints}.
     *
     * @throws InvalidSettingException naming the bad hint (its key) or resource
     *                                 ({@link TaskRequest#invalidResource}) and the fix
     */
    default void validate(TaskRequest request) {
        validateHints(request.hints());
    }

    /**
     * What this gate set aside for the attempt it has just admitted, by kind, for example
     * {@code gpu -> [GPU-5e8c..., GPU-91ab...]}. The host asks once all of the attempt's gates have
     * passed and shows the answer to wrappers, executors and health monitors as
     * {@link TaskHandle#assigned()}, and in the trace and event log. The default assigns nothing.
     */
    default Map<String, List<String>> assigned(TaskHandle task) {
        return Map.of();
    }

    /**
     * The attempt {@code task} that this gate admitted ({@link #prepare} returned normally) has ended;
     * release what was set aside for it. Called exactly once per admitted attempt, whichever way it
     * ended (see {@link AttemptOutcome.Kind}): after its process ended, when it was cancelled before
     * launch (also when another gate of the same attempt failed), before its retry is gated again, and
     * at host shutdown. Never called for an attempt whose {@code prepare} threw.
     *
     * <p>Called on a host thread that must not wait: be quick, never block, never throw. The default
     * does nothing.
     */
    default void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
    }
}
