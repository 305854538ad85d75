package dev.sluice.spi;

/**
 * A task cannot go on. Thrown by plugins (gates, executors, wrappers) to fail the task it concerns.
 *
 * <p>The host hands the failure to the task's error strategy ({@code terminate}, {@code finish},
 * {@code ignore}, {@code retry}); the message is shown to the user as the task's failure reason, so
 * it should say what was wrong and how to fix it. Throw {@link RetryableTaskException} when trying
 * again later may succeed.
 */
public class TaskException extends Exception {
    private static final long serialVersionUID = 1L;

    public TaskException(String message) {
        super(message);
    }

    public TaskException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the host may try the task again (subject to {@code maxRetries}). */
    public boolean isRetryable() {
        return false;
    }
}
