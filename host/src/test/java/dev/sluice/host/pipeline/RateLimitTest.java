package dev.sluice.host.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitTest {

    @Test
    void aBareUnitMeansOneOfIt() {
        assertThat(RateLimit.parse("10/s")).isEqualTo(new RateLimit(10, Duration.ofSeconds(1)));
        assertThat(RateLimit.parse("10/m")).isEqualTo(new RateLimit(10, Duration.ofMinutes(1)));
        assertThat(RateLimit.parse("3/h")).isEqualTo(new RateLimit(3, Duration.ofHours(1)));
    }

    @Test
    void thePeriodIsAnyDuration() {
        assertThat(RateLimit.parse("100/1m")).isEqualTo(new RateLimit(100, Duration.ofMinutes(1)));
        assertThat(RateLimit.parse("5 / 30s")).isEqualTo(new RateLimit(5, Duration.ofSeconds(30)));
        assertThat(RateLimit.parse("2.5/500ms")).isEqualTo(new RateLimit(2.5, Duration.ofMillis(500)));
        assertThat(RateLimit.parse("1/1h30m")).isEqualTo(new RateLimit(1, Duration.ofMinutes(90)));
    }

    @Test
    void perSecondDividesPermitsByThePeriod() {
        assertThat(RateLimit.parse("10/s").perSecond()).isEqualTo(10.0);
        assertThat(RateLimit.parse("120/1m").perSecond()).isEqualTo(2.0);
        assertThat(RateLimit.parse("5/500ms").perSecond()).isEqualTo(10.0);
        assertThat(RateLimit.parse("1/1h").perSecond()).isCloseTo(1 / 3600.0, within(1e-12));
    }

    @Test
    void printsAsItIsRead() {
        for (String text : new String[] {"10/s", "100/m", "5/30s", "2.5/500ms", "1/1h30m"}) {
            assertThat(RateLimit.parse(text)).hasToString(text);
            assertThat(RateLimit.parse(RateLimit.parse(text).toString())).isEqualTo(RateLimit.parse(text));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "ten/s", "10/", "/s", "10/sec", "10/-1s", "0/s", "10/0s", "-1/s", "10 per second"})
    void badRatesShowHowToWriteOne(String text) {
        assertThatThrownBy(() -> RateLimit.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "' is not a rate")
                .hasMessageEndingWith("write <count>/<period>, e.g. 10/s, 100/1m, 5/30s, 1000/1h");
    }

    @Test
    void nullIsNotARate() {
        assertThatThrownBy(() -> RateLimit.parse(null)).hasMessageStartingWith("'null' is not a rate");
    }
}
