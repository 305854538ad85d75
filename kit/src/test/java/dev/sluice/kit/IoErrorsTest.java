package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File errors in words, never a Java type. */
class IoErrorsTest {
    @TempDir
    Path dir;

    @Test
    void saysWhatWentWrongAndWhere() throws Exception {
        Path file = Files.writeString(dir.resolve("in-the-way"), "x");
        IOException inTheWay = null;
        try {
            Files.createDirectories(file.resolve("sub"));
        } catch (IOException e) {
            inTheWay = e;
        }
        assertThat(inTheWay).isNotNull();
        assertThat(IoErrors.describe(inTheWay)).contains(file.toString()).doesNotContain("Exception");

        assertThat(IoErrors.describe(new AccessDeniedException("/data/out"))).isEqualTo("permission denied: /data/out");
        assertThat(IoErrors.describe(new FileAlreadyExistsException("/w/x"))).isEqualTo("a file is in the way: /w/x");
        assertThat(IoErrors.describe(new FileSystemException("/w/y", null, "No space left on device")))
                .isEqualTo("No space left on device: /w/y");
        assertThat(IoErrors.describe(new IOException("Broken pipe"))).isEqualTo("Broken pipe");
        assertThat(IoErrors.describe(new IOException())).isEqualTo("an input/output error");
    }
}
