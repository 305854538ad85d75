package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task writes its own exit code file; the host reads a few bytes of it and no more. */
class ExitCodeFileTest {
    @TempDir
    Path dir;

    @Test
    void aWholeNumberIsAnExitCodeAndAnythingElseIsNone() throws Exception {
        Path f = dir.resolve(".exitcode");
        assertThat(ExitCodeFile.read(f)).as("missing").isEmpty();
        Files.writeString(f, "137\n");
        assertThat(ExitCodeFile.read(f)).contains(137);
        Files.writeString(f, " 0 \n");
        assertThat(ExitCodeFile.isZero(f)).isTrue();
        Files.writeString(f, "zero\n");
        assertThat(ExitCodeFile.read(f)).isEmpty();
        Files.writeString(f, "");
        assertThat(ExitCodeFile.read(f)).isEmpty();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aPipeOrALinkInItsPlaceIsNoExitCodeAndDoesNotBlock() throws Exception {
        Path fifo = dir.resolve(".exitcode");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThat(ExitCodeFile.read(fifo)).isEmpty();
        Path zero = Files.writeString(dir.resolve("zero"), "0\n");
        Path link = Files.createSymbolicLink(dir.resolve("link"), zero);
        assertThat(ExitCodeFile.read(link)).isEmpty();
    }

    @Test
    void aFileFilledByItsTaskIsNotReadBeyondAFewBytes() throws Exception {
        Path f = dir.resolve(".exitcode");
        // 0 followed by megabytes of blanks would parse as 0 if it were read whole.
        try (var out = Files.newBufferedWriter(f)) {
            out.write("0");
            out.write(" ".repeat(4 << 20));
        }
        assertThat(ExitCodeFile.read(f)).isEmpty();
        assertThat(ExitCodeFile.isZero(f)).isFalse();
    }
}
