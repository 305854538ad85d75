package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Health;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor: the image still there, and a local task's apptainer process alive and not stopped. */
class ApptainerMonitorTest {
    @TempDir
    Path tmp;
    private Path sif;
    private Path work;
    private ApptainerMonitor monitor;
    private Process process;

    @BeforeEach
    void setUp() throws Exception {
        Path program = StandIn.install(tmp);
        sif = StandIn.fakeSif(tmp.resolve("images/tool.sif"));
        work = Files.createDirectories(tmp.resolve("work"));
        TestPluginContext context = TestPluginContext.of(ApptainerGate.ID).withTime(TimeSource.system())
                .withConfig(Map.of("apptainer", program.toString(), "cacheDir", tmp.resolve("cache").toString(),
                        "monitorPeriod", "2s"));
        monitor = new ApptainerMonitor(Apptainer.create(context, CommandRunner.processes(Map.of()),
                Duration.ofMillis(10)), Path.of("/proc"));
        process = new ProcessBuilder(List.of(program.toString(), "exec", "--cleanenv", sif.toString(), "sleep", "60"))
                .start();
    }

    @AfterEach
    void tearDown() {
        process.destroyForcibly();
    }

    private TestTaskHandle task(String image) {
        return TestTaskHandle.of("t").withWorkDir(work).withHints(Map.of("apptainer/image", image));
    }

    private SubmittedTask submitted() {
        return new SubmittedTask("t", 1, Long.toString(process.pid()));
    }

    @Test
    void aRunningTaskIsHealthy() throws Exception {
        assertThat(monitor.appliesTo(task(sif.toString()))).isTrue();
        assertThat(monitor.appliesTo(TestTaskHandle.of("plain"))).isFalse();
        assertThat(monitor.period()).isEqualTo(Duration.ofSeconds(2));
        assertThat(monitor.probe(task(sif.toString()), submitted()).isHealthy()).isTrue();
    }

    @Test
    void aProcessThatEndedIsLeftToTheExecutorWhichSeesEveryEndOfWhatItStarted() throws Exception {
        // The host writes .exitcode only once it has learnt the end from the executor, so its absence
        // says nothing while the attempt is still being probed.
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(Files.exists(work.resolve(".exitcode"))).isFalse();
        assertThat(monitor.probe(task(sif.toString()), submitted()).isHealthy()).isTrue();
    }

    @Test
    void aStoppedProcessFailsTheTask() throws Exception {
        new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).start().waitFor();
        Thread.sleep(200);
        Health h = monitor.probe(task(sif.toString()), submitted());
        assertThat(h.isHealthy()).isFalse();
        assertThat(h.message()).contains("is stopped");
    }

    @Test
    void aRemovedImageFailsTheTask() throws Exception {
        Files.delete(sif);
        Health h = monitor.probe(task(sif.toString()), submitted());
        assertThat(h.isHealthy()).isFalse();
        assertThat(h.message()).contains(sif.toString()).contains("removed");
    }

    @Test
    void underSlurmOnlyTheImageIsChecked() throws Exception {
        TestTaskHandle t = task(sif.toString()).withExecutor("slurm");
        assertThat(monitor.probe(t, new SubmittedTask("t", 1, "12345")).isHealthy()).isTrue();
        TestPluginContext cacheOnly = TestPluginContext.of(ApptainerGate.ID)
                .withConfig(Map.of("cacheDir", tmp.resolve("cache").toString()));
        ApptainerMonitor fake = new ApptainerMonitor(Apptainer.create(cacheOnly, CommandRunner.processes(Map.of()),
                Duration.ofMillis(10)), Path.of("/proc"));
        TestTaskHandle pulled = task("docker://busybox:1.36").withExecutor("slurm");
        assertThat(fake.probe(pulled, new SubmittedTask("t", 1, "12345")).message()).contains("removed");
    }
}
