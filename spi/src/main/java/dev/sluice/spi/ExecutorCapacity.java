package dev.sluice.spi;

/**
 * What an executor can hold at once. The host admits a task only while the sum over running tasks
 * stays within every limit, and fails at once a task that asks for more than a limit in total.
 * {@link #UNLIMITED} ({@code 0}) means the executor does not count that resource (a batch scheduler
 * queues the excess itself).
 *
 * @param cpus         CPU cores
 * @param memoryBytes  memory
 * @param accelerators accelerators (GPUs)
 */
public record ExecutorCapacity(int cpus, long memoryBytes, int accelerators) {
    /** A limit that is not counted. */
    public static final int UNLIMITED = 0;

    /** An executor that counts nothing. */
    public static ExecutorCapacity unlimited() {
        return new ExecutorCapacity(UNLIMITED, UNLIMITED, UNLIMITED);
    }

    public ExecutorCapacity {
        if (cpus < 0 || memoryBytes < 0 || accelerators < 0) {
            throw new IllegalArgumentException("capacity must not be negative");
        }
    }
}
