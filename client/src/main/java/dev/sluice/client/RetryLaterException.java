package dev.sluice.client;

import java.time.Duration;
import java.util.List;

/** A limit or a stop asks to come back later (429 or 503): {@link #retryAfter()} says when. */
public class RetryLaterException extends ApiException {
    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    public RetryLaterException(int status, String message, Duration retryAfter) {
        super(status, message, List.of());
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
