package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.AttemptOutcome;
import org.junit.jupiter.api.Test;

/**
 * The compiler's check that every kind of verdict and of next step is handled, which the monitor's own code
 * gave up for chains of type tests (a switch on patterns there makes the JDK generate a class at run time,
 * TypeSwitchTest): a kind added to either sealed interface fails to compile here, a reminder to handle it in
 * {@link Outcomes#apply} or {@code Dispatcher.follow}.
 */
class SealedSwitchesTest {

    /** Handled by Outcomes.apply, in this order. */
    static int handled(AttemptPolicy.Verdict verdict) {
        return switch (verdict) {
            case AttemptPolicy.Verdict.Succeeded s -> 0;
            case AttemptPolicy.Verdict.Cancelled c -> 1;
            case AttemptPolicy.Verdict.Failed f -> 2;
        };
    }

    /** Handled by Dispatcher.follow, in this order. */
    static int handled(RunGraph.Next next) {
        return switch (next) {
            case RunGraph.Next.Release r -> 0;
            case RunGraph.Next.Skip s -> 1;
        };
    }

    @Test
    void everyKindHasItsBranch() {
        assertThat(handled(new AttemptPolicy.Verdict.Succeeded())).isZero();
        assertThat(handled(new AttemptPolicy.Verdict.Cancelled("stopped", AttemptOutcome.Kind.CANCELLED))).isEqualTo(1);
        assertThat(handled(new AttemptPolicy.Verdict.Failed("exit 1", true, AttemptOutcome.Kind.FAILED))).isEqualTo(2);
        assertThat(handled(new RunGraph.Next.Release(null))).isZero();
        assertThat(handled(new RunGraph.Next.Skip(null, "upstream failed"))).isEqualTo(1);
    }
}
