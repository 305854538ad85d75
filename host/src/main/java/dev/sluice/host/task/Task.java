package dev.sluice.host.task;

import dev.sluice.spi.Hints;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One attempt of a task, as the host hands it to plugins. Immutable. */
public record Task(String id, String key, String processName, String name, int attempt, List<String> command,
        Map<String, String> environment, Resources resources, Path workDir, List<Path> inputs, Hints hints,
        Map<String, String> params, String executor, Map<String, List<String>> assigned) implements TaskHandle {

    public Task {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        inputs = List.copyOf(inputs);
        params = Map.copyOf(params);
        assigned = Map.copyOf(assigned);
    }

    /** An attempt before its gates assigned it anything. */
    public Task(String id, String key, String processName, String name, int attempt, List<String> command,
            Map<String, String> environment, Resources resources, Path workDir, List<Path> inputs, Hints hints,
            Map<String, String> params, String executor) {
        this(id, key, processName, name, attempt, command, environment, resources, workDir, inputs, hints, params,
                executor, Map.of());
    }

    /** The same attempt with what its gates assigned to it. */
    public Task withAssigned(Map<String, List<String>> value) {
        return value.isEmpty() && assigned.isEmpty() ? this
                : new Task(id, key, processName, name, attempt, command, environment, resources, workDir, inputs,
                        hints, params, executor, value);
    }

    /** The same attempt with other resources (a tighter time limit). */
    public Task withResources(Resources value) {
        return new Task(id, key, processName, name, attempt, command, environment, value, workDir, inputs, hints,
                params, executor, assigned);
    }
}
