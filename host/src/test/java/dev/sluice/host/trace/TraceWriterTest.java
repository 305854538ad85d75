package dev.sluice.host.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.LocalRuns;
import dev.sluice.spi.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
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

    /** Free text (names, here a param) is masked and kept on its row; the host's own figures are written as they are. */
    @Test
    void textIsMaskedAndKeptOnItsRowFiguresAsTheyAre() throws Exception {
        Path file = dir.resolve("trace.tsv");
        Redaction.use(text -> text.replace("s3cret", "********"));
        try (TraceWriter trace = new TraceWriter(file, List.of(), TimeSource.system())) {
            LocalRuns.run(dir, """
                    processes:
                      a: {command: [true], matrix: {w: ["tab\\there", "line\\nbreak\\r", "s3cret"]}}
                    """, Map.of("cpus", "4"), List.of(), trace);
        } finally {
            Redaction.use(null);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        int columns = lines.get(0).split("\t").length;
        assertThat(lines).allSatisfy(line -> assertThat(line.split("\t", -1)).hasSize(columns));
        List<String> names = lines.subList(1, 4).stream().map(line -> line.split("\t")[4]).toList();
        assertThat(names).containsExactlyInAnyOrder("a (w=tab here)", "a (w=line break )", "a (w=********)");
        assertThat(lines.subList(1, 4)).allSatisfy(line -> assertThat(line.split("\t")[6]).isEqualTo("SUCCEEDED"));
    }
}
