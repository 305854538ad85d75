package dev.sluice.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of one attempt of a task, as plugins see it.
 *
 * <p>Implementations are immutable and safe to read from any thread. A retry is a new handle with
 * the same {@link #key()} and a higher {@link #attempt()}.
 */
public interface TaskHandle {

    /** The run-unique id of this task, e.g. {@code 17}. Stable across retries of the task. */
    String id();

    /**
     * A stable key: the same for every attempt and every run of the same task definition (process,
     * parameters, command, environment). Used for caching and resumption.
     */
    String key();

    /** The process this task belongs to. */
    String processName();

    /** A human-readable name, e.g. {@code align (sample=a)}. */
    String name();

    /** 1 for the first attempt, 2 for the first retry, and so on. */
    int attempt();

    /**
     * The command as an argument vector, before any wrapper rewrote it. A process written as a
     * {@code script} has the argv {@code [/bin/sh, -eu, <work dir>/.command.sh]}.
     */
    List<String> command();

    /** Environment variables the task sets on top of the host's environment. */
    Map<String, String> environment();

    /** What the task asks for. */
    Resources resources();

    /** The task's own work directory; it exists when a gate or executor sees the task. */
    Path workDir();

    /** Input files the task declares, absolute. */
    List<Path> inputs();

    /** Hints for plugins, namespaced {@code <plugin>/<name>}. */
    Hints hints();

    /** Parameters this task was fanned out with (empty for a process without fan-out). */
    Map<String, String> params();

    /**
     * The name of the executor that runs this task, e.g. {@code local} or {@code docker}; a gate that
     * prepares for one executor only (pulling a container image) checks it.
     */
    default String executor() {
        return "local";
    }

    /**
     * What readiness gates set aside for this attempt, by kind: {@code gpu -> [GPU-5e8c...]} when the
     * {@code gpu} gate assigned a device (see {@link TaskReadinessGate#assigned}). Filled in once the
     * attempt's gates have passed, so wrappers, executors and health monitors see it; empty in a gate's
     * own {@code prepare()} and when nothing was assigned.
     */
    default Map<String, List<String>> assigned() {
        return Map.of();
    }
}
