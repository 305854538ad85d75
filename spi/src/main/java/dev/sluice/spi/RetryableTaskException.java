package dev.sluice.spi;

/**
 * A task failed for a reason that may pass: a busy service, a transient network error, a resource
 * that is not there yet. The host retries the task, with backoff, while its {@code maxRetries}
 * allows; after that the task's error strategy decides.
 */
public class RetryableTaskException extends TaskException {
    private static final long serialVersionUID = 1L;

    public RetryableTaskException(String message) {
        super(message);
    }

    public RetryableTaskException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
