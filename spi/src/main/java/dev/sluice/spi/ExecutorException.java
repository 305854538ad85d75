package dev.sluice.spi;

/**
 * The executor itself is in trouble (its scheduler does not answer, a daemon is down), as opposed to
 * one task failing. The host reports it, counts it, and tries again at the next poll; tasks are
 * failed only when the executor says so or stays unreachable.
 */
public class ExecutorException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExecutorException(String message) {
        super(message);
    }

    public ExecutorException(String message, Throwable cause) {
        super(message, cause);
    }
}
