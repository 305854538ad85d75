package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exact argument vectors and environments the wrapper builds. */
class ApptainerWrapperTest {
    @TempDir
    Path tmp;
    private Path program;
    private Path cache;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        program = StandIn.install(tmp);
        cache = tmp.resolve("cache");
        work = Files.createDirectories(tmp.resolve("work/ab/12"));
    }

    private ApptainerWrapper wrapper(Map<String, String> config) {
        Map<String, String> all = new HashMap<>(Map.of("apptainer", program.toString(), "cacheDir", cache.toString()));
        all.putAll(config);
        TestPluginContext context = TestPluginContext.of(ApptainerGate.ID).withConfig(all);
        return new ApptainerWrapper(Apptainer.create(context, CommandRunner.processes(Map.of()), Duration.ofMillis(10)));
    }

    private TestTaskHandle task(Map<String, String> hints) {
        return TestTaskHandle.of("t1").withWorkDir(work).withHints(hints);
    }

    private LaunchCommand inner(Map<String, String> env) {
        return new LaunchCommand(List.of("/bin/sh", "-eu", work + "/.command.sh"), env, work);
    }

    @Test
    void appliesOnlyToTasksThatNameAnImage() {
        ApptainerWrapper w = wrapper(Map.of());
        assertThat(w.appliesTo(task(Map.of("apptainer/image", "docker://busybox:1.36")))).isTrue();
        assertThat(w.appliesTo(task(Map.of()))).isFalse();
        assertThat(w.id()).isEqualTo("apptainer");
    }

    @Test
    void aPulledImageRunsFromTheCacheInTheWorkDirectoryWithACleanEnvironment() throws TaskException {
        ApptainerWrapper w = wrapper(Map.of());
        TestTaskHandle t = task(Map.of("apptainer/image", "docker://busybox:1.36"));
        LaunchCommand c = w.wrap(t, inner(Map.of("SAMPLE", "a b,c=d \"q\"", "PATH", "/opt/tool/bin:/usr/bin")));

        Path sif = cache.resolve(SifCache.entryName(new ImageSource.Remote("docker", "busybox:1.36")));
        assertThat(c.argv()).containsExactly(program.toString(), "exec", "--cleanenv", "--no-home",
                "--bind", work + ":" + work, "--pwd", work.toString(), sif.toString(),
                "/bin/sh", "-eu", work + "/.command.sh");
        assertThat(c.workDir()).isEqualTo(work);
        assertThat(c.environment()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "APPTAINERENV_SAMPLE", "a b,c=d \"q\"", "APPTAINERENV_PATH", "/opt/tool/bin:/usr/bin"));
        assertThat(sif.getFileName().toString()).startsWith("docker_busybox_1.36-").endsWith(".sif");
    }

    @Test
    void aTaskThatStartsElsewhereStartsThereWithItsOwnWorkDirectoryBoundToo() throws TaskException {
        ApptainerWrapper w = wrapper(Map.of());
        Path session = tmp.resolve("work/runs/r1/session");
        LaunchCommand startsInSession = new LaunchCommand(List.of("/bin/sh", "-eu", work + "/.command.sh"), Map.of(),
                session);

        LaunchCommand c = w.wrap(task(Map.of("apptainer/image", "/images/tool.sif")), startsInSession);

        assertThat(c.argv()).as("the script in the task's own directory is reachable inside the container")
                .containsExactly(program.toString(), "exec", "--cleanenv", "--no-home",
                        "--bind", session + ":" + session, "--pwd", session.toString(),
                        "--bind", work.toString(), "/images/tool.sif", "/bin/sh", "-eu", work + "/.command.sh");
        assertThat(c.workDir()).isEqualTo(session);
    }

    @Test
    void bindsAndOptionsComeFromTheConfigThenTheHints() throws TaskException {
        ApptainerWrapper w = wrapper(Map.of("binds", "/data/refs:/refs:ro", "options", "--writable-tmpfs",
                "allowedHostPaths", "/scratch, /in"));
        TestTaskHandle t = task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/binds", "/scratch, /in:/in:rw",
                "apptainer/options", "--network=none"));
        LaunchCommand c = w.wrap(t, inner(Map.of()));
        assertThat(c.argv()).containsExactly(program.toString(), "exec", "--cleanenv", "--no-home",
                "--bind", work + ":" + work, "--pwd", work.toString(),
                "--bind", "/data/refs:/refs:ro", "--bind", "/scratch", "--bind", "/in",
                "--writable-tmpfs", "--network=none", "/images/tool.sif",
                "/bin/sh", "-eu", work + "/.command.sh");
    }

    @Test
    void aProcessMountsOnlyHostPathsAndGivesOnlyPrivilegesTheOperatorAllows() throws Exception {
        Path allowed = java.nio.file.Files.createDirectories(work.resolve("allowed"));
        Path outside = java.nio.file.Files.createDirectories(work.resolve("outside"));
        java.nio.file.Files.createSymbolicLink(allowed.resolve("link"), outside);
        ApptainerWrapper w = wrapper(Map.of("binds", "/etc:/host-etc:ro", "allowedHostPaths", allowed.toString(),
                "options", "--fakeroot"));
        assertThat(w.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/binds",
                allowed + "/sub:/in")), inner(Map.of())).argv()).as("the operator's own bind and option stand")
                .contains("/etc:/host-etc:ro", allowed + "/sub:/in", "--fakeroot");
        assertThatThrownBy(() -> w.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/binds",
                "/etc")), inner(Map.of()))).hasMessageContaining("'apptainer/binds' = '/etc'")
                .hasMessageContaining("/etc is not among the host paths the operator lets tasks mount"
                        + " (plugins.apptainer.allowedHostPaths: " + allowed + ")");
        assertThatThrownBy(() -> w.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/binds",
                allowed + "/link/x")), inner(Map.of()))).as("a link out of the allowed folder")
                .hasMessageContaining("(really " + outside.toRealPath() + "/x)");
        for (String sneaky : List.of("--add-caps=CAP_SYS_ADMIN", "--mount=type=bind", "--overlay=/any",
                "--fakeroot", "--network=host", "--workdir=/tmp", "--fusemount=host:x")) {
            String name = sneaky.contains("=") ? sneaky.substring(0, sneaky.indexOf('=')) : sneaky;
            assertThatThrownBy(() -> w.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/options",
                    sneaky)), inner(Map.of()))).as(sneaky).hasMessageContaining(name + " is not among the options a"
                    + " process may give on its own").hasMessageContaining("plugins.apptainer.allowedOptions: none");
        }
        for (String shortForm : List.of("-B/:/host", "-fC", "-H/etc")) {
            assertThatThrownBy(() -> w.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/options",
                    shortForm)), inner(Map.of()))).as(shortForm)
                    .hasMessageContaining("a process's own options are written in their long form");
        }
        assertThat(w.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/options",
                "--network=none, --containall")), inner(Map.of())).argv()).contains("--network=none", "--containall");
        ApptainerWrapper lenient = wrapper(Map.of("allowedOptions", "--add-caps"));
        assertThat(lenient.wrap(task(Map.of("apptainer/image", "/images/tool.sif", "apptainer/options",
                "--add-caps=CAP_NET_RAW")), inner(Map.of())).argv()).contains("--add-caps=CAP_NET_RAW");
    }

    @Test
    void aTaskWithAnAssignedGpuGetsNvAndItsDevicesThroughTheEnvFile() throws Exception {
        ApptainerWrapper w = wrapper(Map.of());
        TestTaskHandle t = task(Map.of("apptainer/image", "/images/tool.sif"))
                .withAssigned(Map.of("gpu", List.of("GPU-5e8c", "GPU-91ab")));
        LaunchCommand c = w.wrap(t, inner(Map.of()));
        Path envFile = cache.resolve(GpuEnvFile.NAME);
        assertThat(c.argv()).containsSequence("--nv", "--env-file", envFile.toString(), "/images/tool.sif");
        assertThat(c.environment()).containsEntry("CUDA_VISIBLE_DEVICES", "GPU-5e8c,GPU-91ab")
                .containsEntry("APPTAINERENV_CUDA_VISIBLE_DEVICES", "GPU-5e8c,GPU-91ab");
        assertThat(Files.readString(envFile)).contains(
                "case \"${CUDA_VISIBLE_DEVICES+set}\" in set) CUDA_VISIBLE_DEVICES=\"$CUDA_VISIBLE_DEVICES\" ;; esac");
    }

    @Test
    void aGpuPluginsVariablesAreKeptOutsideAsWellAsPassedIn() throws TaskException {
        ApptainerWrapper w = wrapper(Map.of());
        TestTaskHandle t = task(Map.of("apptainer/image", "/images/tool.sif")).withAssigned(Map.of("gpu", List.of("1")));
        LaunchCommand c = w.wrap(t, inner(Map.of("CUDA_VISIBLE_DEVICES", "1", "NVIDIA_VISIBLE_DEVICES", "1")));
        assertThat(c.environment()).containsEntry("CUDA_VISIBLE_DEVICES", "1").containsEntry("NVIDIA_VISIBLE_DEVICES", "1")
                .containsEntry("APPTAINERENV_CUDA_VISIBLE_DEVICES", "1");
    }

    @Test
    void underSlurmAcceleratorsAloneAskForNvAndLeaveTheDevicesToTheEnvFile() throws TaskException {
        ApptainerWrapper w = wrapper(Map.of());
        TestTaskHandle t = task(Map.of("apptainer/image", "/images/tool.sif")).withExecutor("slurm")
                .withResources(Resources.DEFAULT.withAccelerators(1, null));
        LaunchCommand c = w.wrap(t, inner(Map.of()));
        assertThat(c.argv()).contains("--nv", "--env-file");
        assertThat(c.environment()).doesNotContainKey("CUDA_VISIBLE_DEVICES");
    }

    @Test
    void noGpuNoNv() throws TaskException {
        LaunchCommand c = wrapper(Map.of()).wrap(task(Map.of("apptainer/image", "/images/tool.sif")), inner(Map.of()));
        assertThat(c.argv()).doesNotContain("--nv", "--env-file");
    }

    @Test
    void homeIsLeftToApptainerAndPrefixedVariablesPassAsTheyAre() throws TaskException {
        LaunchCommand c = wrapper(Map.of()).wrap(task(Map.of("apptainer/image", "/images/tool.sif")),
                inner(Map.of("HOME", "/elsewhere", "APPTAINERENV_LC_ALL", "C.UTF-8")));
        assertThat(c.environment()).containsExactly(Map.entry("APPTAINERENV_LC_ALL", "C.UTF-8"));
    }

    @Test
    void refusesVariablesThatCannotBePassed() {
        assertThatThrownBy(() -> wrapper(Map.of()).wrap(task(Map.of("apptainer/image", "/images/tool.sif")),
                inner(Map.of("BAD-NAME", "x")))).isInstanceOf(TaskException.class)
                .hasMessageContaining("'BAD-NAME'").hasMessageContaining("rename it");
    }

    @Test
    void aMissingProgramIsAClearError() {
        TestPluginContext context = TestPluginContext.of(ApptainerGate.ID)
                .withConfig(Map.of("apptainer", tmp.resolve("nope").toString()));
        ApptainerWrapper w = new ApptainerWrapper(Apptainer.create(context, CommandRunner.processes(Map.of()),
                Duration.ofMillis(10)));
        assertThatThrownBy(() -> w.wrap(task(Map.of("apptainer/image", "/images/tool.sif")), inner(Map.of())))
                .isInstanceOf(TaskException.class).hasMessageContaining("does not exist or is not executable")
                .hasMessageContaining("plugins.apptainer.apptainer");
        ApptainerProgram onPath = new ApptainerProgram(java.util.Optional.empty(), tmp.resolve("empty").toString());
        assertThat(onPath.problem()).get().asString().contains("not found on the PATH").contains("install Apptainer");
        ApptainerProgram found = new ApptainerProgram(java.util.Optional.empty(), "/nowhere:" + program.getParent());
        assertThat(found.problem()).isEmpty();
    }

    @Test
    void refusesOptionsThePluginSetsItself() {
        for (String own : List.of("--cleanenv", "-e", "--bind=/x", "-B", "--pwd=/x", "--nv", "--env=A=1", "--no-home",
                "--env-file=/x")) {
            assertThatThrownBy(() -> wrapper(Map.of()).wrap(task(Map.of("apptainer/image", "/images/tool.sif",
                    "apptainer/options", own)), inner(Map.of())))
                    .as(own).isInstanceOf(TaskException.class).hasMessageContaining("set by the plugin itself");
        }
    }
}
