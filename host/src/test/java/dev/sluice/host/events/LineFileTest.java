package dev.sluice.host.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.testing.FakeTimeSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines reach the file in whole batches, one write each, at least {@link LineFile#BATCH_INTERVAL} apart unless a full batch waits. */
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

    @Test
    void aBatchIsOneWriteOfWholeLinesHoweverBig() {
        List<byte[]> writes = new ArrayList<>();
        OutputStream watched = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("a byte at a time");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
        LineFile lines = new LineFile(dir.resolve("lines.txt"), "the lines", time, watched);
        String line = "é".repeat(50) + "\n"; // more bytes than chars: the batch is counted in bytes when written
        for (int i = 0; i < 1_000; i++) {
            lines.lines().append(line);
        }
        lines.writeNow();
        assertThat(writes).hasSize(1);
        assertThat(new String(writes.get(0), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(line.repeat(1_000));
    }

    @Test
    void aFailedWriteDropsItsBatchAndNamesWhatAndWhere() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        Path file = dir.resolve("trace.tsv");
        LineFile lines = new LineFile(file, "the trace", time, full);
        lines.lines().append("row\n");
        assertThatThrownBy(lines::writeNow).isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot write the trace " + file).hasRootCauseMessage("No space left on device");
        assertThat(lines.lines()).as("dropped, as a crash would: never written twice").isEmpty();
    }
}
