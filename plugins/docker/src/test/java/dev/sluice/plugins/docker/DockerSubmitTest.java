package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** What the executor asks of the engine when it submits a task, and how it fails when it cannot. */
class DockerSubmitTest {
    @TempDir
    Path dir;
    private DockerHarness h;

    @BeforeEach
    void harness() throws Exception {
        h = new DockerHarness(dir);
    }

    @Test
    void theFirstTaskStartsALabelledSessionContainerAndIsExecdIntoIt() throws Exception {
        DockerExecutor executor = h.started();
        TaskLaunch launch = h.launch(h.task("t1", Map.of()), List.of("sh", "-c", "echo hi"), Map.of("A", "b"));

        SubmittedTask submitted = executor.submit(launch);

        FakeEngine.Container session = h.engine.containerNamed("sluice-" + DockerHarness.RUN_ID + "-s1");
        ContainerRequest request = session.request;
        assertThat(request.image()).isEqualTo(DockerHarness.IMAGE);
        assertThat(request.cmd()).as("the keep-alive command").containsExactly("sleep", "infinity");
        assertThat(request.workingDir()).isEqualTo(h.workRoot.toString());
        assertThat(request.user()).isEqualTo("1000:1000");
        assertThat(request.network()).isEqualTo("none");
        assertThat(request.mounts()).containsExactly(new Mount(h.workRoot, h.workRoot, false));
        assertThat(request.nanoCpus()).as("the executor's cpus").isEqualTo(4_000_000_000L);
        assertThat(request.memory()).as("the executor's memory").isEqualTo(2L << 30);
        assertThat(request.gpus()).isEmpty();
        assertThat(request.labels()).containsEntry(RunLabels.RUN, DockerHarness.RUN_ID)
                .containsEntry(RunLabels.PIPELINE, "pipe").containsEntry(RunLabels.WORK_ROOT, h.workRoot.toString())
                .containsEntry(RunLabels.OWNER, Leftovers.ownerLabel()).containsEntry(RunLabels.ISOLATION, "session")
                .doesNotContainKey(RunLabels.TASK);
        assertThat(h.engine.count("attach")).as("nobody reads a session container's own output").isZero();

        FakeEngine.Exec exec = h.engine.lastExec();
        assertThat(exec.containerId).isEqualTo(session.id);
        assertThat(exec.request).isEqualTo(new Engine.ExecRequest(List.of("sh", "-c", "echo hi"), List.of("A=b"),
                launch.command().workDir().toString(), "1000:1000"));
        assertThat(exec.running).as("started").isTrue();
        assertThat(submitted.nativeId()).isEqualTo(session.name + "/" + exec.id.substring(0, 12));
        assertThat(DockerHarness.status(executor, submitted).state()).isEqualTo(TaskStatus.State.RUNNING);
        assertThat(h.plugin.logger().at(Level.INFO)).anyMatch(l -> l.startsWith("started session container "
                + session.name));
    }

    @Test
    void tasksOfTheSameImageAndMountsShareOneSessionContainerAndOthersGetTheirOwn() throws Exception {
        Path refs = Files.createDirectories(dir.resolve("refs"));
        DockerExecutor executor = h.started(Map.of("allowedHostPaths", dir.toString()), Map.of("cpus", "4"));
        executor.submit(h.launch("t1", Map.of()));
        executor.submit(h.launch("t2", Map.of()));
        assertThat(h.engine.count("create")).as("one session container for both").isEqualTo(1);
        assertThat(h.engine.execs).hasSize(2);

        executor.submit(h.launch("t3", Map.of(TaskOptions.IMAGE, "lab/tool:2")));
        executor.submit(h.launch("t4", Map.of(TaskOptions.MOUNTS, refs + ":/refs:ro")));
        assertThat(h.engine.created()).extracting(c -> c.name).containsExactly(
                "sluice-" + DockerHarness.RUN_ID + "-s1", "sluice-" + DockerHarness.RUN_ID + "-s2",
                "sluice-" + DockerHarness.RUN_ID + "-s3");
        assertThat(h.engine.created().get(2).request.mounts()).containsExactly(
                new Mount(h.workRoot, h.workRoot, false), new Mount(refs, Path.of("/refs"), true));
    }

    @Test
    void aSessionContainersCpuLimitStaysWithinTheEnginesCpus() throws Exception {
        h.engine.cpus = 2;
        DockerExecutor executor = h.started(Map.of(), Map.of("cpus", "6"));
        executor.submit(h.launch("t1", Map.of()));
        assertThat(h.engine.created().get(0).request.nanoCpus()).isEqualTo(2_000_000_000L);
        assertThat(h.engine.created().get(0).request.memory()).as("no memory set: no limit").isZero();
        assertThat(executor.capacity().cpus()).as("the capacity is the operator's").isEqualTo(6);
    }

    @Test
    void aTaskInItsOwnContainerGetsItsCommandLimitsAndLabelsAndIsAttachedBeforeItStarts() throws Exception {
        DockerExecutor executor = h.started();
        TestTaskHandle task = h.task("t7", Map.of(TaskOptions.ISOLATION, "task"))
                .withResources(new Resources(2, 64L << 20, null, 0, null)).withAttempt(2);
        TaskLaunch launch = h.launch(task, List.of("tool", "--in", "x"), Map.of("K", "v"));

        SubmittedTask submitted = executor.submit(launch);

        String name = "sluice-" + DockerHarness.RUN_ID + "-tt7-2";
        assertThat(submitted.nativeId()).isEqualTo(name);
        FakeEngine.Container c = h.engine.containerNamed(name);
        assertThat(c.request.cmd()).containsExactly("tool", "--in", "x");
        assertThat(c.request.env()).containsExactly("K=v");
        assertThat(c.request.workingDir()).isEqualTo(task.workDir().toString());
        assertThat(c.request.nanoCpus()).isEqualTo(2_000_000_000L);
        assertThat(c.request.memory()).isEqualTo(64L << 20);
        assertThat(c.request.labels()).containsEntry(RunLabels.ISOLATION, "task").containsEntry(RunLabels.TASK, "t7");
        assertThat(h.engine.calls).containsSubsequence("create " + name, "attach " + c.id, "start " + c.id);
        assertThat(h.engine.execs).isEmpty();
    }

    @Test
    void aTaskHoldingGpusGetsAContainerOfItsOwnWithExactlyItsDevices() throws Exception {
        DockerExecutor executor = h.started();
        TestTaskHandle task = h.task("g1", Map.of()).withAssigned(Map.of("gpu", List.of("GPU-4f2a", "GPU-91ab")))
                .withResources(new Resources(1, 0, null, 2, null));
        executor.submit(h.launch(task, List.of("train"), Map.of("CUDA_VISIBLE_DEVICES", "2,3", "K", "v")));

        FakeEngine.Container c = h.engine.created().get(0);
        assertThat(c.request.labels()).as("session isolation, but exec cannot add devices")
                .containsEntry(RunLabels.ISOLATION, "task");
        assertThat(c.request.gpus()).contains(new ContainerRequest.Gpus(List.of("GPU-4f2a", "GPU-91ab"), 0));
        assertThat(c.request.env()).as("the host's indexes stay outside").containsExactly("K=v");

        executor.submit(h.launch(h.task("g2", Map.of()).withResources(new Resources(1, 0, null, 1, null)),
                List.of("train"), Map.of()));
        assertThat(h.engine.created().get(1).request.gpus()).contains(new ContainerRequest.Gpus(List.of(), 1));
    }

    @Test
    void outputIsWrittenVerbatimIntoTheTasksFilesAsItComes() throws Exception {
        DockerExecutor executor = h.started();
        TaskLaunch launch = h.launch("t1", Map.of());
        executor.submit(launch);
        FakeEngine.Exec exec = h.engine.lastExec();

        h.engine.write(exec.output, "out: hi\n", "err line\n");
        assertThat(launch.files().stdout()).as("before the end").content().isEqualTo("out: hi\n");
        h.engine.write(exec.output, "no newline at the end", "");
        h.engine.exitExec(exec.id, 0L);

        assertThat(launch.files().stdout()).content().isEqualTo("out: hi\nno newline at the end");
        assertThat(launch.files().stderr()).content().isEqualTo("err line\n");
    }

    @Test
    void aTaskWithoutImageOrWithBadHintsFailsNamingTheHint() throws Exception {
        DockerExecutor executor = h.started();
        TestTaskHandle noImage = h.task("t1", Map.of()).withHints(Map.of());
        assertThatThrownBy(() -> executor.submit(h.launch(noImage, List.of("true"), Map.of())))
                .isInstanceOf(TaskException.class).hasMessageContaining("names no image")
                .hasMessageContaining("docker/image");
        assertThatThrownBy(() -> executor.submit(h.launch("t2", Map.of(TaskOptions.ISOLATION, "vm"))))
                .isInstanceOf(TaskException.class).hasMessageContaining("docker/isolation")
                .hasMessageContaining("session");
        assertThat(h.engine.count("create")).isZero();
    }

    @Test
    void inputsOutsideEveryMountAndMissingMountSourcesFailBeforeTheEngineIsAsked() throws Exception {
        DockerExecutor executor = h.started(Map.of("allowedHostPaths", dir.toString()), Map.of("cpus", "4"));
        TestTaskHandle outside = h.task("t1", Map.of()).withInputs(List.of(Path.of("/data/in/a.fq")));
        assertThatThrownBy(() -> executor.submit(h.launch(outside, List.of("true"), Map.of())))
                .isInstanceOf(TaskException.class).hasMessageContaining("input /data/in/a.fq of task test (t1) is not "
                        + "visible inside its container").hasMessageContaining("docker/mounts: /data/in:/data/in:ro");
        TestTaskHandle inside = h.task("t2", Map.of()).withInputs(List.of(h.workRoot.resolve("t1/out.txt")));
        executor.submit(h.launch(inside, List.of("true"), Map.of()));

        Path missing = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> executor.submit(h.launch("t3", Map.of(TaskOptions.MOUNTS, missing + ":/data"))))
                .isInstanceOf(TaskException.class).hasMessageContaining(missing + " does not exist on this machine")
                .hasMessageContaining("fix docker/mounts");
        assertThat(h.engine.count("create")).as("only the visible task's session container").isEqualTo(1);
    }

    @Test
    void aRequestTheEngineRefusesFailsTheTaskWithTheEnginesWordsAndTheSettingToChange() throws Exception {
        DockerExecutor executor = h.started();
        h.engine.refuseCreate = "Minimum memory limit allowed is 6MB";
        TestTaskHandle task = h.task("t1", Map.of(TaskOptions.ISOLATION, "task"))
                .withResources(new Resources(1, 1L << 20, null, 0, null));
        TaskLaunch launch = h.launch(task, List.of("true"), Map.of());

        assertThatThrownBy(() -> executor.submit(launch)).isInstanceOf(TaskException.class)
                .hasMessageStartingWith("the Docker engine refused task test (t1): Minimum memory limit allowed is 6MB")
                .hasMessageContaining("change resources.memory");
        SubmittedTask never = new SubmittedTask("t1", 1, "x");
        assertThat(DockerHarness.status(executor, never).reason()).isEqualTo("the docker executor does not know "
                + "this task");
    }

    @Test
    void anExecTheEngineDoesNotStartFailsTheTaskAndLeavesNothingBehind() throws Exception {
        DockerExecutor executor = h.started();
        h.engine.startExecFailure = new EngineException(EngineException.Kind.FAILED, "exec start refused");

        assertThatThrownBy(() -> executor.submit(h.launch("t1", Map.of()))).isInstanceOf(TaskException.class)
                .hasMessageStartingWith("the Docker engine refused task test (t1): exec start refused");

        FakeEngine.Exec exec = h.engine.lastExec();
        SubmittedTask never = new SubmittedTask("t1", 1, h.engine.created().getFirst().name + "/"
                + exec.id.substring(0, 12));
        assertThat(DockerHarness.status(executor, never).reason()).isEqualTo("the docker executor does not know "
                + "this task");
        assertThat(h.engine.count("exec-inspect")).as("the end of a task that never started is not asked about")
                .isZero();
        assertThat(h.statusChanges()).isEqualTo(0);
    }

    @Test
    void anExecThatEndsBeforeItsStartReturnsIsReportedOnceHeld() throws Exception {
        DockerExecutor executor = h.started();
        h.engine.execExitsAtStart = 3L;

        SubmittedTask submitted = executor.submit(h.launch("t1", Map.of()));

        TaskStatus end = DockerHarness.status(executor, submitted);
        assertThat(end.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(end.exitCode()).isEqualTo(3);
        assertThat(h.statusChanges()).isEqualTo(1);
    }

    @Test
    void anEngineSilentForTheWholeOutageFailsTheExecutorNotTheTask() throws Exception {
        DockerExecutor executor = h.started();
        h.engine.down = true;
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Duration waited = h.onStreamThread(() -> {
            try {
                executor.submit(h.launch("t1", Map.of()));
            } catch (Exception e) {
                thrown.set(e);
            }
        });
        assertThat(thrown.get()).isInstanceOf(ExecutorException.class)
                .hasMessageContaining("cannot reach the Docker daemon").hasMessageContaining("plugins.docker.host")
                .hasMessageEndingWith("(waited up to 1m (plugins.docker.daemonOutage))");
        assertThat(waited).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void aStartCutShortByTheEngineGoingAwayIsClearedAndTriedAgainUnderItsName() throws Exception {
        DockerExecutor executor = h.started();
        h.engine.downAfterCreate = true;
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        h.onStreamThread(() -> {
            try {
                outcome.set(executor.submit(h.launch("t1", Map.of(TaskOptions.ISOLATION, "task"))));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        assertThat(outcome.get()).as(String.valueOf(outcome.get())).isInstanceOf(SubmittedTask.class);
        List<FakeEngine.Container> made = h.engine.created();
        assertThat(made).hasSize(2);
        assertThat(made.get(0).removed).as("the first, cut short, removed by its name").isTrue();
        assertThat(made.get(1).name).isEqualTo(made.get(0).name);
    }

    @Test
    void aRequestDroppedWhilePingsAnswerIsTriedAtMostMaxSubmitTriesTimes() throws Exception {
        DockerExecutor executor = h.started(Map.of("daemonOutage", "30s"), Map.of());
        h.engine.unreachableCreates = 100;
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        h.onStreamThread(() -> {
            try {
                outcome.set(executor.submit(h.launch("t1", Map.of(TaskOptions.ISOLATION, "task"))));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        assertThat(outcome.get()).as(String.valueOf(outcome.get())).isInstanceOf(ExecutorException.class);
        assertThat(h.engine.count("create")).isEqualTo(DockerExecutor.MAX_SUBMIT_TRIES);
    }

    @Test
    void aSubmitWaitsForAnEngineThatRestartsAndThenLaunches() throws Exception {
        DockerExecutor executor = h.started(Map.of("daemonOutage", "30s"), Map.of());
        h.engine.down = true;
        h.engine.upAfterPings = 3;
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Duration waited = h.onStreamThread(() -> {
            try {
                outcome.set(executor.submit(h.launch("t1", Map.of())));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        assertThat(outcome.get()).isInstanceOf(SubmittedTask.class);
        assertThat(waited).isEqualTo(Duration.ofSeconds(2));
        assertThat(h.engine.execs).hasSize(1);
    }

    @Test
    void aContainerTheEngineDoesNotAttachToIsRemovedAndTheTaskFails() throws Exception {
        DockerExecutor executor = h.started();
        h.engine.attaches = false;
        assertThatThrownBy(() -> executor.submit(h.launch("t1", Map.of(TaskOptions.ISOLATION, "task"))))
                .isInstanceOf(TaskException.class).hasMessage("the Docker engine did not attach to container sluice-"
                        + DockerHarness.RUN_ID + "-tt1-1 within 30s");
        assertThat(h.engine.created().get(0).removed).isTrue();
        assertThat(h.engine.count("start")).isZero();
    }

    @Test
    void aSessionContainerWhoseKeepAliveCommandIsMissingIsRemovedAndSaysSo() throws Exception {
        h.engine.imagesWithoutSleep.add("distroless/base:1");
        DockerExecutor executor = h.started();
        assertThatThrownBy(() -> executor.submit(h.launch("t1", Map.of(TaskOptions.IMAGE, "distroless/base:1"))))
                .isInstanceOf(TaskException.class)
                .hasMessageContaining("the session container of image distroless/base:1 stopped at once (is exited "
                        + "(exit code 127, exec: \"sleep\": executable file not found in $PATH))")
                .hasMessageContaining("plugins.docker.keepAlive").hasMessageContaining("docker/isolation: task");
        assertThat(h.engine.created().get(0).removed).isTrue();
    }

    @Test
    void aSessionContainerThatDiedBetweenTwoTasksIsReplacedForTheNext() throws Exception {
        DockerExecutor executor = h.started();
        executor.submit(h.launch("t1", Map.of()));
        h.engine.exitExec(h.engine.lastExec().id, 0L);
        FakeEngine.Container first = h.engine.created().get(0);
        // Stopped from outside while no task ran in it: no stream tells the executor.
        h.engine.stoppedUnseen(first.id, 137);

        SubmittedTask second = executor.submit(h.launch("t2", Map.of()));

        FakeEngine.Container fresh = h.engine.created().get(1);
        assertThat(second.nativeId()).startsWith(fresh.name + "/");
        assertThat(h.engine.lastExec().containerId).isEqualTo(fresh.id);
        assertThat(h.plugin.logger().at(Level.WARN)).containsExactly("container " + first.name + " ("
                + first.id.substring(0, 12) + ") is exited (exit code 137, killed by SIGKILL); tasks of image "
                + DockerHarness.IMAGE + " now run in " + fresh.name + " (" + fresh.id.substring(0, 12) + ")");
        assertThat(Optional.of(fresh.request.name())).contains("sluice-" + DockerHarness.RUN_ID + "-s2");
    }

    @Test
    void anImageOutsideTheAllowListIsRefusedBeforeAnyRequestEvenWithoutTheGate() throws Exception {
        DockerExecutor executor = h.started(Map.of("allowedImages", "lab/*"), Map.of("cpus", "4"));
        long before = h.engine.calls.size();
        assertThatThrownBy(() -> executor.submit(h.launch("t1", Map.of()))).isInstanceOf(TaskException.class)
                .hasMessageContaining("image '" + DockerHarness.IMAGE + "'").hasMessageContaining("lab/*");
        assertThat(h.engine.calls).as("no request after the start's").hasSize((int) before);
    }
}
