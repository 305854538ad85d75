package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's memory is read off its own tree of processes: the leader and every descendant, nothing else. */
class ProcessTreeTest {
    @TempDir
    Path dir;

    @Test
    void theLeaderAndEveryDescendantAreCounted() throws Exception {
        Path started = dir.resolve("started");
        // A leader with two children, one of which has a child of its own.
        Process leader = new ProcessBuilder("bash", "-c",
                "sleep 30 & (sleep 30 & wait) & touch " + started + "; wait").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(started) || leader.toHandle().descendants().count() < 3) {
                assertThat(System.nanoTime()).as("the tree did not start").isLessThan(deadline);
                Thread.sleep(10);
            }
            List<ProcessHandle> tree = leader.toHandle().descendants().toList();
            long leaderAlone = rss(leader.toHandle());
            long expected = leaderAlone + tree.stream().mapToLong(ProcessTreeTest::rss).sum();

            long read = ProcessTree.peakRss(leader.pid());

            assertThat(leaderAlone).isPositive();
            assertThat(read).as("%d processes under the leader", tree.size()).isEqualTo(expected);
        } finally {
            leader.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            leader.destroyForcibly();
        }
    }

    @Test
    void aProcessThatIsGoneReadsAsNothing() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assertThat(ProcessTree.peakRss(gone.pid())).isZero();
    }

    private static long rss(ProcessHandle p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }
}
