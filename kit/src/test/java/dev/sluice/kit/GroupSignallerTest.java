package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class GroupSignallerTest {
    private static final Path KILL = ProgramLocator.onHostPath("/bin/kill", Path.of("/usr/bin/kill"))
            .orElseThrow(() -> new AssertionError("no kill program on this machine"));

    /** The answer tells a group that was signalled from one that is not there. */
    @Test
    void theAnswerSaysWhetherEveryGroupWasThere() throws Exception {
        Process leader = new ProcessBuilder("setsid", "sleep", "300").start();
        // Started by the JDK in the JVM's own group: until setsid has run, no group has its pid as id.
        Process notLeading = new ProcessBuilder("sleep", "300").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!leadsItsGroup(leader.pid()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(new GroupSignaller(KILL).signal("KILL", List.of(notLeading.pid()))).isFalse();
            assertThat(notLeading.isAlive()).as("a pid is not signalled as a process").isTrue();

            assertThat(new GroupSignaller(KILL).signal("KILL", List.of(leader.pid()))).isTrue();
            assertThat(leader.waitFor(30, TimeUnit.SECONDS)).as("ended by the signal").isTrue();
        } finally {
            notLeading.destroyForcibly();
            leader.destroyForcibly();
        }
    }

    private static boolean leadsItsGroup(long pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2].equals(Long.toString(pid));
    }
}
