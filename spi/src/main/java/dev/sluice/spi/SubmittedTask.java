package dev.sluice.spi;

/**
 * A task attempt an executor accepted.
 *
 * @param taskId   the host's {@link TaskHandle#id()}
 * @param attempt  the attempt number
 * @param nativeId the executor's own id for it: a process id, a container id, a Slurm job id
 */
public record SubmittedTask(String taskId, int attempt, String nativeId) {
}
