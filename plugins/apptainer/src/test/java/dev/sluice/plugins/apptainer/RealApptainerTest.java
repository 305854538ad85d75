package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real {@code apptainer}, wherever one is on the PATH; skipped otherwise (it is not packaged on
 * the machines this project is built on). Pulls {@code $SLUICE_APPTAINER_TEST_IMAGE} (default
 * {@code docker://busybox:1.36}, which needs the network) through the gate, then runs a wrapped command.
 */
class RealApptainerTest {

    @Test
    void pullsAndRunsWithTheRealProgram(@TempDir Path tmp) throws Exception {
        ApptainerProgram onPath = new ApptainerProgram(Optional.empty(), System.getenv("PATH"));
        assumeTrue(onPath.problem().isEmpty(), "no apptainer on the PATH: the real-Apptainer test is skipped");
        String image = Optional.ofNullable(System.getenv("SLUICE_APPTAINER_TEST_IMAGE")).orElse("docker://busybox:1.36");
        Path work = Files.createDirectories(tmp.resolve("work"));
        TestPluginContext context = TestPluginContext.of(ApptainerGate.ID).withTime(TimeSource.system())
                .withConfig(Map.of("cacheDir", tmp.resolve("cache").toString(), "pullRetries", "1"));
        Apptainer apptainer = Apptainer.create(context, CommandRunner.processes(Map.of()), Apptainer.LOCK_POLL);
        TestTaskHandle task = TestTaskHandle.of("t").withWorkDir(work).withHints(Map.of("apptainer/image", image));
        new ApptainerGate(context, apptainer).prepare(task);

        LaunchCommand wrapped = new ApptainerWrapper(apptainer).wrap(task, new LaunchCommand(
                List.of("/bin/sh", "-c", "pwd; echo \"S=$SAMPLE\""), Map.of("SAMPLE", "a b"), work));
        ProcessBuilder pb = new ProcessBuilder(wrapped.argv()).redirectErrorStream(true);
        pb.environment().putAll(wrapped.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains(work.toString(), "S=a b");
    }
}
