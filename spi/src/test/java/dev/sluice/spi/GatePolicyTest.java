package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GatePolicyTest {
    private final FakeTimeSource time = new FakeTimeSource();

    /** The host puts "gate 'quota': " in front; the gate's own words must not name it again. */
    @Test
    void givingUpSaysWhatAndWhichHintsWithoutNamingTheGate() throws Exception {
        GatePolicy policy = GatePolicy.of("quota",
                TestTaskHandle.of("t1").withHints(Map.of("quota/maxWait", "5s")), null);
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                policy.await(time, Duration.ofSeconds(2), "a free token", () -> false);
                failure.complete(null);
            } catch (Throwable t) {
                failure.complete(t);
            }
        });
        for (int i = 0; i < 3; i++) { // sleeps of 2s, 2s, and the 1s left
            time.awaitSleepers(1, Duration.ofSeconds(10));
            time.advance(Duration.ofSeconds(2));
        }

        assertThat(failure.get(10, TimeUnit.SECONDS)).isExactlyInstanceOf(TaskException.class)
                .hasMessage("gave up after 5s waiting for a free token (raise the hint quota/maxWait, or set"
                        + " quota/skip: true to opt out)");
    }
}
