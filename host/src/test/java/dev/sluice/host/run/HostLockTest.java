package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostLockTest {
    @TempDir
    Path work;

    private Path mark(String runId) {
        return work.resolve("runs").resolve(runId).resolve(HostLock.FILE_NAME);
    }

    @Test
    void aMarkNobodyHoldsIsAKilledRunAndGoesOnceSettled() throws Exception {
        Files.createDirectories(mark("killed").getParent());
        Files.writeString(mark("killed"), "");
        Files.createDirectories(work.resolve("runs/finished")); // ended cleanly: no mark

        try (HostLock running = HostLock.acquire(work, "now")) {
            assertThat(HostLock.killedRuns(work, "now")).containsExactly("killed");
            HostLock.settled(work, "killed");
            assertThat(HostLock.killedRuns(work, "now")).isEmpty();
        }
    }

    @Test
    void aRunStillGoingIsNotTakenForAKilledOneAndItsMarkGoesWhenItEnds() throws Exception {
        HostLock other = HostLock.acquire(work, "other");
        assertThat(mark("other")).exists();
        assertThat(HostLock.killedRuns(work, "mine")).as("held by a live host").isEmpty();
        other.close();
        assertThat(mark("other")).doesNotExist();
        assertThat(HostLock.killedRuns(work, "mine")).isEmpty();
    }

    @Test
    void noRunsDirectoryNoKilledRuns() {
        assertThat(HostLock.killedRuns(work.resolve("nowhere"), "x")).isEmpty();
    }
}
