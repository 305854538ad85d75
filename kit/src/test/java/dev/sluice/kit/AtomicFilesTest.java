package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file written whole, readable by others, with nothing left beside it. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReplacesLeavingNoTemporaryFile() throws Exception {
        Path target = dir.resolve(".exitcode");

        AtomicFiles.write(target, "1\n", StandardCharsets.US_ASCII);
        AtomicFiles.write(target, "0\n", StandardCharsets.US_ASCII);

        assertThat(Files.readString(target)).isEqualTo("0\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void aFailedWriteLeavesNothingBehind() throws Exception {
        Path target = dir.resolve("sub").resolve(".exitcode"); // its directory does not exist

        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> AtomicFiles.write(target, "1\n", StandardCharsets.US_ASCII))
                .isInstanceOf(java.io.IOException.class);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void writeIfAbsentLeavesAFileSomeoneElseWrote() throws Exception {
        Path mine = dir.resolve("mine");
        Path theirs = Files.writeString(dir.resolve("theirs"), "0\n");

        assertThat(AtomicFiles.writeIfAbsent(mine, "3\n", StandardCharsets.US_ASCII)).isTrue();
        assertThat(AtomicFiles.writeIfAbsent(theirs, "137\n", StandardCharsets.US_ASCII)).isFalse();

        assertThat(Files.readString(mine)).isEqualTo("3\n");
        assertThat(Files.readString(theirs)).isEqualTo("0\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mine))).isEqualTo("rw-r--r--");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(mine, theirs);
        }
    }
}
