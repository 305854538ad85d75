package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrapped commands run through the stand-in apptainer as an executor runs them: the argv as a process,
 * the environment on top of sluice's. The stand-in checks every option as Apptainer's CLI does.
 */
class WrappedRunTest {
    @TempDir
    Path tmp;
    private Path work;
    private Path out;
    private ApptainerWrapper wrapper;
    private Path sif;

    @BeforeEach
    void setUp() throws Exception {
        Path program = StandIn.install(tmp);
        work = Files.createDirectories(tmp.resolve("work/ab/12"));
        out = work.resolve(".command.out");
        sif = StandIn.fakeSif(tmp.resolve("images/tool.sif"));
        Files.createDirectories(tmp.resolve("data"));
        TestPluginContext context = TestPluginContext.of(ApptainerGate.ID).withConfig(Map.of(
                "apptainer", program.toString(), "cacheDir", tmp.resolve("cache").toString(), "binds", tmp.resolve("data") + ":/data:ro",
                "options", "--writable-tmpfs"));
        wrapper = new ApptainerWrapper(Apptainer.create(context, CommandRunner.processes(Map.of()),
                Duration.ofMillis(10)));
    }

    private Process start(TestTaskHandle task, List<String> argv, Map<String, String> env, Map<String, String> outside)
            throws Exception {
        return start(task, argv, env, outside, Map.of());
    }

    /**
     * Runs the wrapped task as an executor would: sluice's environment ({@code outside}, e.g. what Slurm sets
     * in a job), the wrapped command's on top, and on top of that what an outer wrapper set ({@code outer}).
     */
    private Process start(TestTaskHandle task, List<String> argv, Map<String, String> env, Map<String, String> outside,
            Map<String, String> outer) throws Exception {
        LaunchCommand wrapped = wrapper.wrap(task, new LaunchCommand(argv, env, work));
        ProcessBuilder pb = new ProcessBuilder(wrapped.argv()).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("SLUICE_HOST_ONLY", "must not leak");
        pb.environment().putAll(outside);
        pb.environment().putAll(wrapped.environment());
        pb.environment().putAll(outer);
        return pb.start();
    }

    private TestTaskHandle task() {
        return TestTaskHandle.of("t1").withWorkDir(work).withHints(Map.of("apptainer/image", sif.toString()));
    }

    @Test
    void theTaskRunsInItsWorkDirectoryWithOnlyItsOwnVariablesAndItsExitStatus() throws Exception {
        Process p = start(task(), List.of("/bin/sh", "-c", "pwd; echo \"S=$SAMPLE\"; echo \"H=${SLUICE_HOST_ONLY:-}\";"
                + " echo \"P=$PATH\"; exit 7"), Map.of("SAMPLE", "a b,c=d \"q\"", "PATH", "/opt/x/bin:/usr/bin:/bin"),
                Map.of());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out);
        assertThat(p.exitValue()).as(output).isEqualTo(7);
        assertThat(output).contains(work.toString() + "\n", "S=a b,c=d \"q\"\n", "H=\n", "P=/opt/x/bin:/usr/bin:/bin\n");
    }

    @Test
    void devicesSetOutsideReachTheTaskThroughTheEnvFile() throws Exception {
        // As under Slurm: the scheduler sets CUDA_VISIBLE_DEVICES in the job's environment, after wrapping.
        TestTaskHandle t = task().withExecutor("slurm")
                .withResources(dev.sluice.spi.Resources.DEFAULT.withAccelerators(1, null));
        Process p = start(t, List.of("/bin/sh", "-c", "echo \"CUDA=${CUDA_VISIBLE_DEVICES-unset}\"; "
                + "echo \"ORD=${GPU_DEVICE_ORDINAL-unset}\"; echo \"OTHER=${SLURM_JOB_ID-unset}\""), Map.of(),
                Map.of("CUDA_VISIBLE_DEVICES", "2,3", "SLURM_JOB_ID", "42"));
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("CUDA=2,3\n", "ORD=unset\n", "OTHER=unset\n");
    }

    @Test
    void aGpuPluginsAssignmentReachesTheTask() throws Exception {
        TestTaskHandle t = task().withAssigned(Map.of("gpu", List.of("GPU-5e8c")));
        // The gpu plugin's wrapper is outermost: it sets its variables on the command after this one wrapped it.
        Process p = start(t, List.of("/bin/sh", "-c", "echo \"CUDA=$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER\""),
                Map.of(), Map.of(), Map.of("CUDA_VISIBLE_DEVICES", "1", "CUDA_DEVICE_ORDER", "PCI_BUS_ID"));
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).contains("CUDA=1 PCI_BUS_ID\n");
    }

    @Test
    void sigtermToTheWrapperEndsTheInnerProcess() throws Exception {
        Path started = work.resolve("started");
        Process p = start(task(), List.of("/bin/sh", "-c", "echo $$ > " + started + "; exec sleep 60"), Map.of(),
                Map.of());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((!Files.exists(started) || Files.readString(started).isBlank()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long inner = Long.parseLong(Files.readString(started).trim());
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("ended by SIGTERM, not after 60 s").isTrue();
        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(ProcessHandle.of(inner).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void theStandInRefusesWhatApptainerRefuses() throws Exception {
        Map<String, String> config = new HashMap<>(Map.of("apptainer", tmp.resolve("bin/apptainer").toString(),
                "cacheDir", tmp.resolve("cache").toString(), "options", "--frobnicate"));
        ApptainerWrapper odd = new ApptainerWrapper(Apptainer.create(
                TestPluginContext.of(ApptainerGate.ID).withConfig(config), CommandRunner.processes(Map.of()), Duration.ofMillis(10)));
        LaunchCommand wrapped = odd.wrap(task(), new LaunchCommand(List.of("true"), Map.of(), work));
        Process p = new ProcessBuilder(wrapped.argv()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isEqualTo(1);
        assertThat(said).contains("Error for command \"exec\": unknown flag: --frobnicate");
    }
}
