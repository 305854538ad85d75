package dev.sluice.host.monitor;
import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.ErrorStrategy;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.WrappedTask;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How an attempt ended ({@link #afterEnd}) and what follows a failed one ({@link #afterFailure}):
 * pure functions, so that their rules are tested as tables and the monitor only applies the answers.
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

    /** How an ended attempt counts. */
    sealed interface Verdict {
        record Succeeded() implements Verdict {
        }

        /** The run stopped it: it ends cancelled and is not retried. */
        record Cancelled(String reason, AttemptOutcome.Kind kind) implements Verdict {
        }

        /** It failed; {@link #afterFailure} decides what follows. */
        record Failed(String reason, boolean retryable, AttemptOutcome.Kind kind) implements Verdict {
        }
    }

    private AttemptPolicy() {
    }

    /**
     * How an attempt that reached a terminal status counts: a kill the monitor ordered says why it
     * ended; then a wrapper's failure (a broken protocol) overrides a success; otherwise the status
     * decides, with the wrapper's explanation before the exit code.
     *
     * @param kill    the monitor's kill order for the attempt, or {@code null}
     * @param wrapped what the attempt's wrappers said at its end
     */
    static Verdict afterEnd(TaskStatus status, KillSchedule.KillOrder kill, WrappedTask.Ending wrapped) {
        if (kill != null) {
            return kill.isFailure() ? new Verdict.Failed(kill.reason(), false, kill.kind())
                    : new Verdict.Cancelled(kill.reason(), kill.kind());
        }
        if (wrapped.failure().isPresent()) {
            return new Verdict.Failed(wrapped.failure().get(), false, AttemptOutcome.Kind.FAILED);
        }
        if (status.isSuccess()) {
            return new Verdict.Succeeded();
        }
        String why = describe(status);
        return new Verdict.Failed(wrapped.explanation().map(said -> said + " (" + why + ")").orElse(why),
                status.state() == TaskStatus.State.NODE_FAILURE,
                status.state() == TaskStatus.State.TIMEOUT ? AttemptOutcome.Kind.TIMED_OUT : AttemptOutcome.Kind.FAILED);
    }

    /** A failed status in words, for the task's error. */
    static String describe(TaskStatus status) {
        String reason = status.reason() == null ? "" : ": " + status.reason();
        return switch (status.state()) {
            case COMPLETED -> "exited with code " + status.exitCode()
                    + (status.exitCode() == 127 ? " (command not found?)" : "") + reason;
            case TIMEOUT -> "ran past its time limit" + reason;
            case OUT_OF_MEMORY -> "was killed for running out of memory" + reason;
            default -> status.state().name().toLowerCase(Locale.ROOT).replace('_', ' ') + reason;
        };
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
