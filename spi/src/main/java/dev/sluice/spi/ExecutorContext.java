package dev.sluice.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What the host tells an executor when a run starts. */
public interface ExecutorContext {

    /** The run's id; executors tag what they create with it (job names, container labels). */
    String runId();

    /**
     * The pipeline's name; executors add it to what they create so that what a crashed run left
     * behind can be found by the next run of the same pipeline.
     */
    default String pipelineName() {
        return "";
    }

    /** The root of the run's work directories. */
    Path workRoot();

    /** The executor's section of the operator config ({@code executors: <name>: {...}}). */
    Settings config();

    /** The clock to use. */
    TimeSource time();

    /**
     * Tells the host that the status of some submitted task changed (a process exited, a callback
     * arrived) so that it polls now instead of at the next poll interval. Cheap; may be called from
     * any thread, any number of times.
     */
    void statusChanged();

    /**
     * The host's endpoint for tasks that report their own end, when the operator turned it on;
     * empty otherwise. Calls to it reach {@link TaskExecutor#callback}.
     */
    default Optional<CallbackEndpoint> callbackEndpoint() {
        return Optional.empty();
    }

    /**
     * The operator's secret variables (the config's {@code secretEnv}) that are set in sluice's
     * environment, by name. A task whose process inherits sluice's environment (the local executor,
     * {@code sbatch}) gets them that way; an executor whose tasks do not (a container) sets them in each
     * task's environment itself. They are never part of {@link LaunchCommand#environment()}, so the host
     * writes them into no task file; an executor must not write them anywhere either. The host masks
     * their values in everything it writes. Empty by default.
     */
    default Map<String, String> secretEnvironment() {
        return Map.of();
    }
}
