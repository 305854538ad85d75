package dev.sluice.spi;

import java.util.Objects;

/**
 * One task attempt handed to an executor: the task, the final command (after every wrapper) and the
 * files it writes.
 */
public record TaskLaunch(TaskHandle task, LaunchCommand command, TaskFiles files) {
    public TaskLaunch {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(files, "files");
    }
}
