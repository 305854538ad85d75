package dev.sluice.spi;

/**
 * A task attempt an executor accepted.
 *
 * @param taskId   the host's {@link TaskHandle#id()}
 * @param attempt  the attempt number
 * @param nativeId the executor's own id for it: a process id, a container id, a Slurm job id
 */
public record SubmittedTask(String taskId, int attempt, String nativeId) {
    // Written out, with the generated ones' meaning: the host keys its maps of running tasks by these, so
    // they run for every task from the first, before the JIT has compiled the generated code's method handles.

    @Override
    public boolean equals(Object o) {
        return o instanceof SubmittedTask other && attempt == other.attempt
                && java.util.Objects.equals(taskId, other.taskId) && java.util.Objects.equals(nativeId, other.nativeId);
    }

    @Override
    public int hashCode() {
        return (31 * java.util.Objects.hashCode(taskId) + attempt) * 31 + java.util.Objects.hashCode(nativeId);
    }
}
