package dev.sluice.host.monitor;

import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.ErrorStrategy;
import java.time.Duration;
import java.util.Objects;

/**
 * What follows a failed attempt, decided from the process's error strategy alone: a pure function, so
 * that its rules are tested as a table and the monitor only applies the answer.
 *
 * <p>A failure that may pass (a gate's {@code RetryableTaskException}, a lost node) is retried under
 * every strategy, once or up to {@code maxRetries} times; under {@code retry} every failure is, up to
 * {@code maxRetries} times. Once the run is stopping nothing is retried. Otherwise the strategy decides.
 */
final class AttemptPolicy {

    /** The decision after a failed attempt. */
    sealed interface Decision {
        /** Try again after {@code delay}. */
        record Retry(Duration delay) implements Decision {
            public Retry {
                Objects.requireNonNull(delay, "delay");
            }
        }

        /** The task ends as ignored; the run goes on ({@code errorStrategy: ignore}). */
        record Ignore() implements Decision {
        }

        /** The task failed; nothing new starts, running tasks end ({@code errorStrategy: finish}). */
        record Finish() implements Decision {
        }

        /** The task failed; the run stops and running tasks are killed ({@code errorStrategy: terminate}). */
        record Terminate() implements Decision {
        }
    }

    private AttemptPolicy() {
    }

    /**
     * @param strategy   the process's error strategy
     * @param maxRetries the process's {@code maxRetries}
     * @param backoff    the process's {@code retryBackoff}
     * @param attempt    the attempt that failed, 1 for the first
     * @param retryable  whether the failure may pass on its own
     * @param stopping   whether the run is stopping (nothing new starts)
     */
    static Decision afterFailure(ErrorStrategy strategy, int maxRetries, Backoff backoff, int attempt,
            boolean retryable, boolean stopping) {
        boolean retry = !stopping
                && ((retryable && attempt <= Math.max(1, maxRetries))
                        || (strategy == ErrorStrategy.RETRY && attempt <= maxRetries));
        if (retry) {
            return new Decision.Retry(backoff.delayBefore(attempt + 1));
        }
        return switch (strategy) {
            case IGNORE -> new Decision.Ignore();
            case FINISH -> new Decision.Finish();
            default -> new Decision.Terminate();
        };
    }
}
