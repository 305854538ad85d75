package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostLockTest {
    @TempDir
    Path work;

    private Path mark(String runId) {
        return work.resolve("runs").resolve(runId).resolve(HostLock.FILE_NAME);
    }

    private void killed(String runId, String executors) throws Exception {
        Files.createDirectories(mark(runId).getParent());
        Files.writeString(mark(runId), executors);
    }

    @Test
    void aMarkNobodyHoldsIsAKilledRunWhichStaysKnownOnceSettled() throws Exception {
        killed("killed", "local\nslurm\n");
        Files.createDirectories(work.resolve("runs/finished")); // ended cleanly: no mark

        try (HostLock running = HostLock.acquire(work, "now", List.of("local", "slurm"))) {
            assertThat(HostLock.killedRuns(work, "now")).containsExactly("killed");
            assertThat(HostLock.settled(work, "killed", List.of("local", "slurm"))).isTrue();
            assertThat(HostLock.killedRuns(work, "now")).as("its leftovers were ended").isEmpty();
            assertThat(HostLock.killedEver(work, "now")).as("still a killed run for --resume").containsExactly("killed");
        }
    }

    @Test
    void aKilledRunStaysMarkedUntilARunWithEveryExecutorItUsedEndsWhatItLeft() throws Exception {
        killed("killed", "local\nslurm\n");
        assertThat(HostLock.settled(work, "killed", List.of("local"))).as("slurm's jobs are not ended yet").isFalse();
        assertThat(HostLock.killedRuns(work, "other")).containsExactly("killed");
        assertThat(HostLock.settled(work, "killed", List.of("local", "slurm", "docker"))).isTrue();
    }

    @Test
    void aRunStillGoingIsNotTakenForAKilledOneAndItsMarkGoesWhenItEnds() throws Exception {
        HostLock other = HostLock.acquire(work, "other", List.of("local"));
        assertThat(mark("other")).exists().content().isEqualTo("local\n");
        assertThat(HostLock.killedRuns(work, "mine")).as("held by a live host").isEmpty();
        other.close();
        assertThat(mark("other")).doesNotExist();
        assertThat(HostLock.killedRuns(work, "mine")).isEmpty();
        assertThat(HostLock.killedEver(work, "mine")).isEmpty();
    }

    @Test
    void noRunsDirectoryNoKilledRuns() {
        assertThat(HostLock.killedRuns(work.resolve("nowhere"), "x")).isEmpty();
    }
}
