package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.monitor.AttemptPolicy.Decision;
import dev.sluice.host.monitor.AttemptPolicy.Verdict;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.WrappedTask;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.ErrorStrategy;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How an ended attempt counts, and the decision after a failed one as a table. */
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

    private static final WrappedTask.Ending NOTHING = WrappedTask.Ending.NONE;
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aKillTheMonitorOrderedSaysHowTheAttemptEnded() {
        TaskStatus exited = TaskStatus.completed(0, T, T);
        assertThat(AttemptPolicy.afterEnd(exited, new KillSchedule.KillOrder("the run stopped", false,
                AttemptOutcome.Kind.KILLED, 0, 0), NOTHING))
                .isEqualTo(new Verdict.Cancelled("the run stopped", AttemptOutcome.Kind.KILLED));
        assertThat(AttemptPolicy.afterEnd(exited, new KillSchedule.KillOrder("ran past its time limit of 1s", true,
                AttemptOutcome.Kind.TIMED_OUT, 0, 0), NOTHING))
                .isEqualTo(new Verdict.Failed("ran past its time limit of 1s", false, AttemptOutcome.Kind.TIMED_OUT));
    }

    @Test
    void aWrappersFailureOverridesASuccessAndItsExplanationLeadsAFailure() {
        WrappedTask.Ending broken = new WrappedTask.Ending(Optional.of("broke the protocol at line 3"), Optional.empty());
        assertThat(AttemptPolicy.afterEnd(TaskStatus.completed(0, T, T), null, broken))
                .isEqualTo(new Verdict.Failed("broke the protocol at line 3", false, AttemptOutcome.Kind.FAILED));
        WrappedTask.Ending said = new WrappedTask.Ending(Optional.empty(), Optional.of("out of disk"));
        assertThat(AttemptPolicy.afterEnd(TaskStatus.completed(2, T, T), null, said))
                .isEqualTo(new Verdict.Failed("out of disk (exited with code 2)", false, AttemptOutcome.Kind.FAILED));
        assertThat(AttemptPolicy.afterEnd(TaskStatus.completed(0, T, T), null, said))
                .as("an explanation alone does not fail a success").isEqualTo(new Verdict.Succeeded());
    }

    @Test
    void theStatusDecidesTheRest() {
        assertThat(AttemptPolicy.afterEnd(TaskStatus.completed(127, T, T), null, NOTHING)).isEqualTo(
                new Verdict.Failed("exited with code 127 (command not found?)", false, AttemptOutcome.Kind.FAILED));
        assertThat(AttemptPolicy.afterEnd(TaskStatus.ended(TaskStatus.State.NODE_FAILURE, "node lost", null, T, T),
                null, NOTHING)).as("a lost node may pass")
                .isEqualTo(new Verdict.Failed("node failure: node lost", true, AttemptOutcome.Kind.FAILED));
        assertThat(AttemptPolicy.afterEnd(TaskStatus.ended(TaskStatus.State.TIMEOUT, null, null, T, T), null, NOTHING))
                .isEqualTo(new Verdict.Failed("ran past its time limit", false, AttemptOutcome.Kind.TIMED_OUT));
    }
}
