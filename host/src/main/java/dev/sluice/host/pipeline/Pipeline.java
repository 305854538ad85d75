package dev.sluice.host.pipeline;

import dev.sluice.openjd.model.EnvironmentDef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A loaded, valid pipeline: the plugins it enables and its processes, whose {@code dependsOn} form a
 * DAG. Made by {@link PipelineLoader}.
 *
 * @param file      the pipeline file as given to the loader
 * @param name      the pipeline's name; the file name without extension unless the file sets one
 * @param plugins   the plugins the pipeline enables, in file order
 * @param processes the processes by name, in declaration order
 * @param environments the environments processes may run in, by name, in declaration order
 */
public record Pipeline(Path file, String name, List<PluginRequirement> plugins, Map<String, ProcessDef> processes,
        Map<String, EnvironmentDef> environments) {

    public Pipeline {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        plugins = List.copyOf(plugins);
        processes = Collections.unmodifiableMap(new LinkedHashMap<>(processes));
        environments = environments == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(environments));
    }

    /** A pipeline without environments. */
    public Pipeline(Path file, String name, List<PluginRequirement> plugins, Map<String, ProcessDef> processes) {
        this(file, name, plugins, processes, Map.of());
    }

    /** The directory relative paths of the pipeline (such as inputs) are resolved against. */
    public Path baseDir() {
        Path parent = file.toAbsolutePath().normalize().getParent();
        return parent != null ? parent : file.toAbsolutePath().getRoot();
    }

    /**
     * The process names in topological order: every process after all it depends on; among processes
     * free to go next, the one declared first.
     *
     * @throws IllegalStateException when the dependencies have a cycle or name an unknown process, which
     *                               {@link PipelineLoader} never lets through
     */
    public List<String> processOrder() {
        List<String> order = new ArrayList<>(processes.size());
        Set<String> placed = new LinkedHashSet<>();
        while (order.size() < processes.size()) {
            String next = null;
            for (ProcessDef p : processes.values()) {
                if (!placed.contains(p.name()) && placed.containsAll(p.dependsOn())) {
                    next = p.name();
                    break;
                }
            }
            if (next == null) {
                Set<String> left = new LinkedHashSet<>(processes.keySet());
                left.removeAll(placed);
                throw new IllegalStateException("processes " + left + " depend on a cycle or an unknown process");
            }
            order.add(next);
            placed.add(next);
        }
        return order;
    }
}
