package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** Failures in words: the kind of file system problem spelled out, never a Java class name. */
class ProblemsTest {

    @Test
    void fileSystemFailuresSayWhatIsWrongWithThePath() {
        assertThat(Problems.describe(new AccessDeniedException("/cache/x.lock")))
                .isEqualTo("/cache/x.lock: permission denied");
        assertThat(Problems.describe(new NoSuchFileException("/cache")))
                .isEqualTo("/cache: no such file or directory");
        assertThat(Problems.describe(new FileSystemException("/cache", null, "Read-only file system")))
                .isEqualTo("/cache: Read-only file system");
    }

    @Test
    void otherFailuresKeepTheirMessageAndNeverSayNull() {
        assertThat(Problems.describe(new IOException("Cannot run program \"/x\": error=2, No such file or directory")))
                .isEqualTo("Cannot run program \"/x\": error=2, No such file or directory");
        assertThat(Problems.describe(new IOException())).isEqualTo("an unexpected error that gave no details");
    }
}
