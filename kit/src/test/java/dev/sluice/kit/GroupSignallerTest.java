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

    /** A leader signalled before it made its group (setsid not run yet) is still reached, as a process. */
    @Test
    void aProcessThatLeadsNoGroupYetIsSignalledItself() throws Exception {
        // Started by the JDK in the JVM's own group: no group has this pid as its id.
        Process leader = new ProcessBuilder("sleep", "300").start();

        new GroupSignaller(KILL).signal("KILL", List.of(leader.pid()));

        assertThat(leader.waitFor(30, TimeUnit.SECONDS)).as("ended by the signal").isTrue();
        assertThat(leader.exitValue()).isEqualTo(137);
    }
}
