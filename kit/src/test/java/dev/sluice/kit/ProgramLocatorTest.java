package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Program lookup as execvp does it, and the words for each way it fails. */
class ProgramLocatorTest {
    @TempDir
    Path dir;

    private Path executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void aBareNameIsFoundOnThePathInOrder() throws IOException {
        Path first = executable(dir.resolve("a/tool"));
        executable(dir.resolve("b/tool"));
        ProgramLocator.Lookup lookup = new ProgramLocator.Lookup("tool", dir.resolve("none") + ":" + dir.resolve("a")
                + ":" + dir.resolve("b"), "the task's", dir);
        assertThat(lookup.find()).contains(first);
    }

    @Test
    void anEmptyPathEntryIsTheWorkDirectory() throws IOException {
        Path here = executable(dir.resolve("tool"));
        assertThat(new ProgramLocator.Lookup("tool", "/nonexistent:", "the task's", dir).find()).contains(here);
    }

    @Test
    void aNameWithASlashIsAPathFromTheWorkDirectory() throws IOException {
        Path script = executable(dir.resolve("bin/run.sh"));
        assertThat(new ProgramLocator.Lookup("bin/run.sh", "", "the task's", dir).find()).contains(script);
    }

    @Test
    void eachMissMakesAProblemThatNamesWhatWasLookedAtAndTheFix() throws IOException {
        assertThat(new ProgramLocator.Lookup("nope", "/x:/y", "the host's", dir).problem())
                .isEqualTo("command 'nope' was not found on the host's PATH (/x:/y); install it, add its directory to "
                        + "the host's PATH, or give the program's full path");
        assertThat(new ProgramLocator.Lookup("bin/gone", "", "the task's", dir).problem())
                .contains("'bin/gone' does not exist").contains(dir.resolve("bin/gone").toString());
        Files.createDirectories(dir.resolve("sub"));
        assertThat(new ProgramLocator.Lookup("./sub", "", "the task's", dir).problem()).contains("is a directory");
        Files.writeString(dir.resolve("plain.sh"), "echo\n");
        assertThat(new ProgramLocator.Lookup("./plain.sh", "", "the task's", dir).problem())
                .contains("is not executable").contains("chmod +x");
        assertThat(new ProgramLocator.Lookup("", "", "the task's", dir).problem()).contains("empty");
    }

    @Test
    void onHostPathFallsBackToTheGivenPlaces() throws IOException {
        Path fallback = executable(dir.resolve("fallback/sluice-test-no-such-tool"));
        assertThat(ProgramLocator.onHostPath("sluice-test-no-such-tool")).isEmpty();
        assertThat(ProgramLocator.onHostPath("sluice-test-no-such-tool", dir.resolve("missing"), fallback))
                .contains(fallback);
        assertThat(ProgramLocator.onHostPath("sh")).isPresent();
    }
}
