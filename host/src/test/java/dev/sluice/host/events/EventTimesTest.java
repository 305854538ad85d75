package dev.sluice.host.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event log's times, made a second at a time, read as the full formatter wrote them: same width always. */
class EventTimesTest {
    private static final DateTimeFormatter FULL =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void timesReadAsTheFullFormatterWritesThem() throws Exception {
        try (EventLog log = new EventLog(dir.resolve("events.jsonl"), "run", "p", TimeSource.system())) {
            Random random = new Random(11);
            Instant t = Instant.parse("2026-12-04T23:59:59.998Z");
            for (int i = 0; i < 100_000; i++) {
                // Small steps (many in one second, as in a run), across seconds, and now and then a jump.
                t = i > 0 && i % 1000 == 0 ? Instant.ofEpochSecond(random.nextLong(0, 250_000_000_000L), random.nextInt(1_000_000_000))
                        : t.plusNanos(random.nextInt(3_000_000));
                assertThat(log.time(t)).isEqualTo(FULL.format(t));
            }
            assertThat(log.time(Instant.parse("2026-12-04T23:01:37Z"))).isEqualTo("2026-12-04T23:01:37.000Z");
            assertThat(log.time(Instant.parse("2026-12-04T23:01:37.000900Z"))).isEqualTo("2026-12-04T23:01:37.000Z");
            assertThat(log.time(Instant.parse("2026-12-04T23:01:37.05Z"))).isEqualTo("2026-12-04T23:01:37.050Z");
        }
    }
}
