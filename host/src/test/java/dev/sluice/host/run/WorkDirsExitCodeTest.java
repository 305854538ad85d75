package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.TaskFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host keeps each attempt's {@code .exitcode}: written when an executor did not, kept when one did. */
class WorkDirsExitCodeTest {
    @TempDir
    Path dir;

    @Test
    void theExitCodeIsWrittenWhereTheExecutorWroteNone() throws Exception {
        TaskFiles files = TaskFiles.in(dir);
        WorkDirs work = new WorkDirs(dir.resolve("work"), "run");

        work.ended(files, 3);
        work.close();

        assertThat(Files.readString(files.exitCode())).isEqualTo("3\n");
    }

    @Test
    void anExitCodeTheTaskWroteItselfIsKept() throws Exception {
        TaskFiles files = TaskFiles.in(dir);
        Files.writeString(files.exitCode(), "0\n");
        WorkDirs work = new WorkDirs(dir.resolve("work"), "run");

        work.ended(files, 137);
        work.close();

        assertThat(Files.readString(files.exitCode())).isEqualTo("0\n");
    }
}
