package dev.sluice.host.pipeline;

import dev.sluice.yaml.Location;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A process as the pipeline file declares it, before the operator's config is applied.
 *
 * @param name      the process's name, {@code [A-Za-z0-9_-]+}
 * @param location  where the process is declared
 * @param labels    labels that config {@code withLabel} selectors match
 * @param argv      the command as an argument list, or {@code null} when the process has a script
 * @param script    a script for {@code /bin/sh -eu}, or {@code null} when the process has an argv
 * @param dependsOn the processes whose tasks must all finish before this one's start
 * @param fanOut    one param map per task, in order; empty for a single task without params. Every map
 *                  has the same keys, in the same order.
 * @param inputs    input paths as written (templates not yet substituted), relative to the pipeline file
 * @param settings  the settings the pipeline gives the process
 * @param environments the names of the environments its tasks run in, outermost first; empty for none
 */
public record ProcessDef(
        String name,
        Location location,
        List<String> labels,
        List<String> argv,
        String script,
        List<String> dependsOn,
        List<Map<String, String>> fanOut,
        List<String> inputs,
        ProcessSettings settings,
        List<String> environments) {

    public ProcessDef {
        Objects.requireNonNull(name, "name");
        if ((argv == null) == (script == null)) {
            throw new IllegalArgumentException("process '" + name + "' needs exactly one of argv and script");
        }
        labels = labels == null ? List.of() : List.copyOf(labels);
        argv = argv == null ? null : List.copyOf(argv);
        dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
        fanOut = fanOut == null ? List.of() : fanOut.stream()
                .map(OrderedMaps::copyOf).toList();
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        settings = settings == null ? ProcessSettings.NONE : settings;
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    /** A process that runs in no environment. */
    public ProcessDef(String name, Location location, List<String> labels, List<String> argv, String script,
            List<String> dependsOn, List<Map<String, String>> fanOut, List<String> inputs, ProcessSettings settings) {
        this(name, location, labels, argv, script, dependsOn, fanOut, inputs, settings, List.of());
    }

    /** The names of the params each task gets; empty when the process does not fan out. */
    public Set<String> paramNames() {
        return fanOut.isEmpty() ? Set.of() : fanOut.get(0).keySet();
    }

    /** How many tasks the process runs. */
    public int taskCount() {
        return Math.max(1, fanOut.size());
    }
}
