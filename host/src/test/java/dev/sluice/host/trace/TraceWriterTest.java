package dev.sluice.host.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace's per-row shortcuts give the text the general code gave. */
class TraceWriterTest {
    @TempDir
    Path dir;

    @Test
    void timesReadAsInstantToStringCutToMilliseconds() throws Exception {
        try (TraceWriter trace = new TraceWriter(dir.resolve("trace.tsv"))) {
            Random random = new Random(7);
            Instant t = Instant.parse("2026-12-03T14:36:47Z");
            for (int i = 0; i < 100_000; i++) {
                // Small steps (many in one second, as in a run) and now and then a jump.
                t = i % 1000 == 0 ? Instant.ofEpochSecond(random.nextLong(0, 4_000_000_000L), random.nextInt(1_000_000_000))
                        : t.plusNanos(random.nextInt(3_000_000));
                assertThat(trace.time(t)).isEqualTo(t.truncatedTo(ChronoUnit.MILLIS).toString());
            }
            assertThat(trace.time(Instant.parse("2026-12-03T14:36:47.000900Z"))).isEqualTo("2026-12-03T14:36:47Z");
            assertThat(trace.time(Instant.parse("2026-12-03T14:36:47.5Z"))).isEqualTo("2026-12-03T14:36:47.500Z");
            assertThat(trace.time(null)).isNull();
        }
    }

    @Test
    void theHashIsTheLastTwoNamesOfTheWorkDirectoryTheSecondCutToSix() {
        assertThat(TraceWriter.hashOf("/work/ab/cdef1234567890")).isEqualTo("ab/cdef12");
        assertThat(TraceWriter.hashOf("/work/ab/cdef1234567890/")).isEqualTo("ab/cdef12");
        assertThat(TraceWriter.hashOf("/ab/cd")).isEqualTo("ab/cd");
        assertThat(TraceWriter.hashOf("/abcdefgh")).isEqualTo("abcdef");
        assertThat(TraceWriter.hashOf("relative/x")).isEqualTo("relative/x");
    }
}
