package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.ExecutorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

/** Start (settings, the engine, what crashed runs left), capacity and close. */
class DockerLifecycleTest {
    @TempDir
    Path dir;
    private DockerHarness h;

    @BeforeEach
    void harness() throws Exception {
        h = new DockerHarness(dir);
    }

    private static Map<String, String> labels(String pipeline, String run, String owner) {
        return Map.of(RunLabels.PIPELINE, pipeline, RunLabels.RUN, run, RunLabels.OWNER, owner);
    }

    private static String host() throws Exception {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    }

    @Test
    void capacityAndSubmitConcurrencyComeFromTheExecutorsSettings() throws Exception {
        DockerExecutor executor = h.started(Map.of("host", "tcp://127.0.0.1:2375"),
                Map.of("cpus", "3", "memory", "1GB", "submitConcurrency", "2", "pollInterval", "1s"));
        assertThat(executor.capacity().cpus()).isEqualTo(3);
        assertThat(executor.capacity().memoryBytes()).isEqualTo(1L << 30);
        assertThat(executor.submitConcurrency()).isEqualTo(2);
        assertThat(h.connectedTo).containsExactly("tcp://127.0.0.1:2375");
        assertThat(h.engine.calls).startsWith("ping", "info");
    }

    @Test
    void anUnknownOrBadExecutorSettingFailsTheStartBeforeTheEngineIsAsked() {
        DockerExecutor executor = h.executor(Map.of());
        assertThatThrownBy(() -> executor.start(h.context(Map.of("cpu", "2")))).isInstanceOf(ExecutorException.class)
                .hasMessageContaining("'cpu' = '2' in executors.docker of the config: not a setting of the docker "
                        + "executor")
                .hasMessageContaining("cpus, leftovers, memory").hasMessageContaining("plugins.docker");
        assertThatThrownBy(() -> executor.start(h.context(Map.of("memory", "lots"))))
                .isInstanceOf(ExecutorException.class).hasMessageContaining("memory");
        assertThat(h.connectedTo).isEmpty();
        assertThatThrownBy(() -> executor.validateConfig(dev.sluice.spi.Settings.of(Map.of("cpu", "2"),
                "executors.docker of the config"))).as("validate says the same as run")
                .hasMessageContaining("not a setting of the docker executor")
                .hasMessageContaining("; its other settings go under plugins.docker");
        executor.close();
    }

    @Test
    void aCpusBelowOneIsRefusedNamingTheKeyTheValueAndTheFix() {
        DockerExecutor executor = h.executor(Map.of());
        for (String cpus : List.of("0", "-2")) {
            assertThatThrownBy(() -> executor.start(h.context(Map.of("cpus", cpus))))
                    .isInstanceOf(ExecutorException.class)
                    .hasMessageContaining("'cpus' = '" + cpus + "' in executors.docker of the config: the docker "
                            + "executor needs at least 1 cpu; write e.g. 4, or leave it out to use all "
                            + Runtime.getRuntime().availableProcessors());
        }
        assertThatThrownBy(() -> executor.start(h.context(Map.of("submitConcurrency", "0"))))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("'submitConcurrency' = '0' in executors.docker of the config: must be at "
                        + "least 1");
        assertThat(h.connectedTo).isEmpty();
        executor.close();
    }

    @Test
    void memoryIsNotCountedUnlessSetAndZeroMeansTheSame() throws Exception {
        assertThat(h.started(Map.of(), Map.of()).capacity().memoryBytes()).isZero();
        assertThat(h.started(Map.of(), Map.of("memory", "0")).capacity().memoryBytes()).isZero();
    }

    @Test
    void anEngineThatDoesNotAnswerFailsTheStartSayingWhereItWasLookedFor() {
        h.engine.down = true;
        DockerExecutor executor = h.executor(Map.of());
        assertThatThrownBy(() -> executor.start(h.context(Map.of()))).isInstanceOf(ExecutorException.class)
                .hasMessageContaining("cannot reach the Docker daemon at unix:///fake.sock")
                .hasMessageContaining("start the engine");
        assertThat(h.engine.closed).isTrue();
        executor.close();
    }

    @Test
    void containersOfACrashedRunOfThePipelineAreRemovedAtStartAndLiveOnesAreLeft() throws Exception {
        FakeEngine.Container crashed = h.engine.leftover("sluice-old-s1", labels("pipe", "crashed",
                host() + " 999999999 1"));
        FakeEngine.Container live = h.engine.leftover("sluice-live-s1", labels("pipe", "live", Leftovers.ownerLabel()));
        FakeEngine.Container elsewhere = h.engine.leftover("sluice-far-s1", labels("pipe", "far",
                "another-host 999999999 1"));
        FakeEngine.Container otherPipeline = h.engine.leftover("sluice-other-s1", labels("other", "crashed2",
                host() + " 999999999 1"));

        h.started();

        assertThat(h.engine.calls).contains("list {" + RunLabels.PIPELINE + "=pipe}");
        assertThat(crashed.removed).isTrue();
        assertThat(live.removed).as("its run is alive").isFalse();
        assertThat(elsewhere.removed).as("its owner is on another machine").isFalse();
        assertThat(otherPipeline.removed).as("another pipeline's").isFalse();
        assertThat(h.plugin.logger().at(Level.WARN)).containsExactly("removing container sluice-old-s1 left by run "
                + "crashed of pipeline pipe, which ended without removing it");
    }

    @Test
    void aRunWithoutPipelineNameLooksForNothing() throws Exception {
        h.pipeline = "";
        h.started();
        assertThat(h.engine.count("list")).isZero();
    }

    @Test
    void failingToListLeftoversOrToFollowEventsIsOnlyAWarning() throws Exception {
        h.engine.listFailure = new EngineException(EngineException.Kind.FAILED, "listing is off");
        h.engine.eventsRefused = true;
        DockerExecutor executor = h.started();
        assertThat(h.plugin.logger().at(Level.WARN)).containsExactly(
                "cannot list containers left by earlier runs: listing is off",
                "cannot follow the engine's events; out-of-memory kills in session containers will show as exit code "
                        + "137: events are off");
        assertThat(executor.capacity().cpus()).isEqualTo(4);
    }

    @Test
    void outOfMemoryEventsAreFollowedForTheRunsContainers() throws Exception {
        h.started();
        assertThat(h.engine.oomLabels).isEqualTo(Map.of(RunLabels.RUN, DockerHarness.RUN_ID));
    }

    @Test
    void closeRemovesEveryContainerTheRunStillHasAndStopsFollowingEvents() throws Exception {
        DockerExecutor executor = h.started();
        executor.submit(h.launch("t1", Map.of()));
        executor.submit(h.launch("t2", Map.of(TaskOptions.ISOLATION, "task")));
        FakeEngine.Container done = h.engine.created().get(1);
        executor.submit(h.launch("t3", Map.of(TaskOptions.ISOLATION, "task")));
        h.engine.exitContainer(done.id, 0, false);
        long removals = h.engine.count("remove");

        executor.close();

        assertThat(h.engine.created()).allMatch(c -> c.removed);
        assertThat(h.engine.count("remove") - removals).as("the session and the running task's container")
                .isEqualTo(2);
        assertThat(h.engine.eventsClosed).isTrue();
        assertThat(h.engine.closed).isTrue();
    }

    @Test
    void containersThatCannotBeRemovedAtCloseAreNamedForTheOperator() throws Exception {
        DockerExecutor executor = h.started();
        executor.submit(h.launch("t1", Map.of()));
        h.engine.down = true;

        executor.close();

        String name = h.engine.created().get(0).name;
        assertThat(h.plugin.logger().at(Level.WARN)).contains("could not remove containers [" + name + "]; remove "
                + "them with docker rm -f").anyMatch(l -> l.startsWith("removing container " + name + " failed: "
                        + "cannot reach the Docker daemon"));
    }

    @Test
    void theExecutorsMonitorIsTheContainerMonitorAtThePluginsPeriod() throws Exception {
        DockerExecutor executor = h.started(Map.of("monitorPeriod", "3s"), Map.of());
        assertThat(executor.healthMonitors()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("docker");
            assertThat(m.period()).hasSeconds(3);
        });
        assertThat(List.of(executor.name())).containsExactly(DockerExecutor.NAME);
    }
}
