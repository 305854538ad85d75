package dev.sluice.spi;

import java.util.Objects;

/**
 * What a process's tasks will ask of the plugins, as known before anything runs: checked by
 * {@link TaskReadinessGate#validate} at {@code sluice validate} and at the start of {@code sluice run}.
 *
 * @param processName the process
 * @param executor    the executor its tasks run on, e.g. {@code local}, {@code docker}, {@code slurm}
 * @param resources   what each task asks for
 * @param hints       the process's hints, after the operator's config
 */
public record TaskRequest(String processName, String executor, Resources resources, Hints hints) {
    public TaskRequest {
        Objects.requireNonNull(processName, "processName");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(hints, "hints");
    }

    /**
     * An {@link InvalidSettingException} about a resource of the process (not a hint), e.g.
     * {@code invalidResource("accelerators", "4", "this machine has 2 GPUs; ask for at most 2")}.
     */
    public InvalidSettingException invalidResource(String field, String value, String problem) {
        return new InvalidSettingException("resources." + field,
                "process '" + processName + "': resources." + field + " = " + value + ": " + problem);
    }
}
