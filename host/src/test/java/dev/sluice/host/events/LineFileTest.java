package dev.sluice.host.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.testing.FakeTimeSource;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines reach the file in whole batches, at most {@link LineFile#BATCH_INTERVAL} apart while lines keep coming. */
class LineFileTest {
    @TempDir
    Path dir;

    private final FakeTimeSource time = new FakeTimeSource();

    private String text(Path file) throws Exception {
        return Files.readString(file);
    }

    @Test
    void theFirstTurnWritesAtOnceAndLaterTurnsWaitForTheInterval() throws Exception {
        Path file = dir.resolve("sub/dir/lines.txt");
        try (LineFile lines = new LineFile(file, "the lines", time)) {
            assertThat(file).exists().isEmptyFile();
            assertThat(lines.turnEnded()).as("nothing waits: nothing to write").isFalse();

            lines.lines().append("one\n");
            assertThat(lines.turnEnded()).isTrue();
            assertThat(text(file)).isEqualTo("one\n");

            lines.lines().append("two\n");
            time.advance(Duration.ofMillis(99));
            assertThat(lines.turnEnded()).as("99 ms after the last write").isFalse();
            lines.lines().append("three\n");
            assertThat(lines.turnEnded()).isFalse();
            assertThat(text(file)).isEqualTo("one\n");

            time.advance(Duration.ofMillis(1));
            assertThat(lines.turnEnded()).isTrue();
            assertThat(text(file)).isEqualTo("one\ntwo\nthree\n");

            // A quiet spell: the next line goes out at the end of its turn.
            time.advance(Duration.ofMinutes(5));
            lines.lines().append("four\n");
            assertThat(lines.turnEnded()).isTrue();
            assertThat(text(file)).endsWith("three\nfour\n");
        }
    }

    @Test
    void aFullBatchIsWrittenWhateverTheTime() throws Exception {
        Path file = dir.resolve("lines.txt");
        try (LineFile lines = new LineFile(file, "the lines", time)) {
            lines.lines().append("first\n");
            lines.turnEnded();
            String line = "x".repeat(99) + "\n";
            while (lines.lines().length() < LineFile.BATCH_CHARS) {
                lines.lines().append(line);
            }
            int waiting = lines.lines().length();
            assertThat(lines.turnEnded()).isTrue();
            assertThat(Files.size(file)).isEqualTo("first\n".length() + waiting);
            assertThat(lines.lines()).isEmpty();
        }
    }

    @Test
    void closingWritesWhatWaitsAndTheFileEndsWithAWholeLine() throws Exception {
        Path file = dir.resolve("lines.txt");
        LineFile lines = new LineFile(file, "the lines", time);
        lines.lines().append("a\n");
        lines.turnEnded();
        lines.lines().append("b\n");
        lines.lines().append("c\n");
        assertThat(lines.turnEnded()).isFalse();
        lines.close();
        assertThat(text(file)).isEqualTo("a\nb\nc\n");
    }

    @Test
    void writeNowWritesBeforeTheInterval() throws Exception {
        Path file = dir.resolve("lines.txt");
        try (LineFile lines = new LineFile(file, "the lines", time)) {
            lines.lines().append("header\n");
            lines.writeNow();
            lines.lines().append("row\n");
            lines.writeNow();
            assertThat(text(file)).isEqualTo("header\nrow\n");
        }
    }

    @Test
    void aFailedWriteNamesWhatAndWhere() throws Exception {
        Path file = dir.resolve("lines.txt");
        LineFile lines = new LineFile(file, "the trace", time);
        lines.close();
        lines.lines().append("late\n");
        assertThatThrownBy(lines::writeNow).isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot write the trace " + file);
    }
}
