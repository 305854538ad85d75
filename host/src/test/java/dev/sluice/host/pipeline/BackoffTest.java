package dev.sluice.host.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 3);

    @Test
    void theFirstAttemptDoesNotWait() {
        assertThat(backoff.delayBefore(1)).isZero();
        assertThat(backoff.delayBefore(0)).isZero();
    }

    @Test
    void theSecondAttemptWaitsInitialAndEachFurtherOneMultiplierTimesLonger() {
        assertThat(backoff.delayBefore(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delayBefore(3)).isEqualTo(Duration.ofSeconds(3));
        assertThat(backoff.delayBefore(4)).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void theWaitIsCappedAtMax() {
        assertThat(backoff.delayBefore(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.delayBefore(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void fractionalMultipliersKeepSubSecondPrecision() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMinutes(1), 1.5);

        assertThat(b.delayBefore(4)).isEqualTo(Duration.ofMillis(225));
    }

    @Test
    void aMultiplierOfOneWaitsTheSameEveryTime() {
        Backoff b = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(2), 1);

        assertThat(b.delayBefore(2)).isEqualTo(b.delayBefore(50)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theDefaultIsOneSecondDoublingUpToAMinute() {
        assertThat(Backoff.DEFAULT.delayBefore(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backoff.DEFAULT.delayBefore(3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Backoff.DEFAULT.delayBefore(9)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void rejectsValuesThatCannotMakeABackoff() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2))
                .hasMessageContaining("initial must be positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2))
                .hasMessageContaining("must not be less than initial");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5))
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), Double.NaN))
                .hasMessageContaining("at least 1");
    }
}
