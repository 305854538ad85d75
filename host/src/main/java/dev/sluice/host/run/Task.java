package dev.sluice.host.run;

import dev.sluice.spi.Hints;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One attempt of a task, as the host hands it to plugins. Immutable. */
public record Task(String id, String key, String processName, String name, int attempt, List<String> command,
        Map<String, String> environment, Resources resources, Path workDir, List<Path> inputs, Hints hints,
        Map<String, String> params, String executor) implements TaskHandle {

    public Task {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        inputs = List.copyOf(inputs);
        params = Map.copyOf(params);
    }
}
