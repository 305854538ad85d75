package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.monitor.AttemptPolicy.Decision;
import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.ErrorStrategy;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decision after a failed attempt, as a table: strategy, retries, attempt, retryable, stopping. */
class AttemptPolicyTest {
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 2);

    @ParameterizedTest(name = "{0}, maxRetries {1}, attempt {2}, retryable {3}, stopping {4} -> {5}")
    @CsvSource({
            // strategy, maxRetries, attempt, retryable, stopping, decision
            "TERMINATE, 1, 1, false, false, Terminate",
            "FINISH,    1, 1, false, false, Finish",
            "IGNORE,    1, 1, false, false, Ignore",
            "RETRY,     2, 1, false, false, Retry 1s",
            "RETRY,     2, 2, false, false, Retry 2s",
            "RETRY,     2, 3, false, false, Terminate",
            "RETRY,     0, 1, false, false, Terminate",
            // A failure that may pass is retried under every strategy: once, or up to maxRetries.
            "TERMINATE, 0, 1, true,  false, Retry 1s",
            "TERMINATE, 1, 2, true,  false, Terminate",
            "IGNORE,    3, 3, true,  false, Retry 4s",
            "IGNORE,    3, 4, true,  false, Ignore",
            "FINISH,    1, 1, true,  false, Retry 1s",
            // Once the run stops nothing is retried; the strategy still says how the task ends.
            "RETRY,     5, 1, true,  true,  Terminate",
            "IGNORE,    5, 1, true,  true,  Ignore",
            "FINISH,    5, 1, false, true,  Finish",
    })
    void decides(ErrorStrategy strategy, int maxRetries, int attempt, boolean retryable, boolean stopping,
            String expected) {
        Decision decision = AttemptPolicy.afterFailure(strategy, maxRetries, BACKOFF, attempt, retryable, stopping);
        String said = switch (decision) {
            case Decision.Retry retry -> "Retry " + retry.delay().toSeconds() + "s";
            case Decision.Ignore ignore -> "Ignore";
            case Decision.Finish finish -> "Finish";
            case Decision.Terminate terminate -> "Terminate";
        };
        assertThat(said).isEqualTo(expected);
    }
}
