package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Health;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskLaunch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container monitor: a running task's container must run, asked of the engine at most twice a second. */
class DockerMonitorTest {
    @TempDir
    Path dir;
    private DockerHarness h;
    private DockerExecutor executor;
    private TaskHealthMonitor monitor;

    @BeforeEach
    void started() throws Exception {
        h = new DockerHarness(dir);
        executor = h.started();
        monitor = executor.healthMonitors().get(0);
    }

    private record Submitted(TaskHandle task, SubmittedTask submitted) {
    }

    private Submitted submit(String id, Map<String, String> hints) throws Exception {
        TaskLaunch launch = h.launch(id, hints);
        return new Submitted(launch.task(), executor.submit(launch));
    }

    private Health probe(Submitted s) throws InterruptedException {
        return monitor.probe(s.task(), s.submitted());
    }

    private static String described(FakeEngine.Container c) {
        return c.name + " (" + c.id.substring(0, 12) + ")";
    }

    @Test
    void aRunningContainerIsHealthyAndOneInspectionServesEveryTaskInItForHalfASecond() throws Exception {
        Submitted a = submit("t1", Map.of());
        Submitted b = submit("t2", Map.of());
        h.time.advance(Duration.ofMillis(500));
        long before = h.engine.count("inspect");

        assertThat(probe(a).isHealthy()).isTrue();
        assertThat(probe(b).isHealthy()).isTrue();
        assertThat(h.engine.count("inspect") - before).isEqualTo(1);

        h.time.advance(Duration.ofMillis(499));
        probe(a);
        assertThat(h.engine.count("inspect") - before).isEqualTo(1);
        h.time.advance(Duration.ofMillis(1));
        probe(a);
        assertThat(h.engine.count("inspect") - before).isEqualTo(2);
    }

    @Test
    void aSessionContainerThatStoppedFailsItsTasksAndIsReplacedForTheNext() throws Exception {
        Submitted a = submit("t1", Map.of());
        FakeEngine.Container session = h.engine.created().get(0);
        // Stopped, and the engine has not ended the exec's stream yet.
        h.engine.stoppedUnseen(session.id, 137);
        h.time.advance(Duration.ofMillis(500));

        Health health = probe(a);

        assertThat(health.isHealthy()).isFalse();
        assertThat(health.message()).isEqualTo("container " + described(session)
                + " is exited (exit code 137, killed by SIGKILL)");
        Submitted next = submit("t2", Map.of());
        assertThat(next.submitted().nativeId()).startsWith("sluice-" + DockerHarness.RUN_ID + "-s2/");
        assertThat(h.engine.count("exec-create " + session.id)).as("the dead one is not tried again").isEqualTo(1);
    }

    @Test
    void aPausedContainerIsUnhealthy() throws Exception {
        Submitted a = submit("t1", Map.of(TaskOptions.ISOLATION, "task"));
        FakeEngine.Container c = h.engine.created().get(0);
        c.paused = true;
        c.status = "paused";
        h.time.advance(Duration.ofMillis(500));

        Health health = probe(a);

        assertThat(health.isHealthy()).isFalse();
        assertThat(health.message()).isEqualTo("container " + described(c) + " is paused");
    }

    @Test
    void aTasksOwnContainerThatExitedIsLeftToTheExecutorWhichReadsItsExitCode() throws Exception {
        Submitted a = submit("t1", Map.of(TaskOptions.ISOLATION, "task"));
        FakeEngine.Container c = h.engine.created().get(0);
        h.engine.stoppedUnseen(c.id, 1);
        h.time.advance(Duration.ofMillis(500));
        assertThat(probe(a).isHealthy()).isTrue();

        c.removed = true;
        h.time.advance(Duration.ofSeconds(1));
        assertThat(probe(a).message()).as("but not one that is gone").isEqualTo("container " + described(c)
                + " is gone (removed from outside sluice?)");
    }

    @Test
    void anEngineThatDoesNotAnswerIsWaitedForThenMakesTheProbeFailSayingSo() throws Exception {
        Submitted a = submit("t1", Map.of());
        h.engine.down = true;
        assertThat(probe(a).isHealthy()).as("what the engine said of it a moment ago").isTrue();
        h.time.advance(Duration.ofMillis(500));
        assertThat(probe(a).isHealthy()).as("a daemon restarting is waited for").isTrue();
        assertThat(probe(a).message()).isEqualTo("the Docker engine does not answer; waiting up to 1m"
                + " (plugins.docker.daemonOutage)");
        h.time.advance(Duration.ofMinutes(1));
        assertThat(probe(a).message()).isEqualTo("cannot inspect container " + described(h.engine.created().get(0))
                + ": cannot reach the Docker daemon at unix:///fake.sock (Connection refused); start the engine "
                + "(dockerd) or point plugins.docker.host at it");
    }

    @Test
    void anEndedOrUnknownTaskIsNotAskedAbout() throws Exception {
        Submitted a = submit("t1", Map.of());
        h.engine.exitExec(h.engine.lastExec().id, 0L);
        long before = h.engine.count("inspect");
        h.engine.down = true;

        assertThat(probe(a).isHealthy()).as("ended, not yet reported").isTrue();
        executor.poll(java.util.List.of(a.submitted()));
        assertThat(probe(a).isHealthy()).as("reported and forgotten").isTrue();
        assertThat(h.engine.count("inspect")).isEqualTo(before);
    }
}
