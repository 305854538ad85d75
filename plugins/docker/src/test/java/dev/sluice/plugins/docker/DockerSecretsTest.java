package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskLaunch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's secret variables ({@code secretEnv}) reach a task in a container, which does not inherit
 * sluice's environment as a local task does, only through the engine's request: no file the executor
 * writes and no line it logs holds them.
 */
class DockerSecretsTest {
    private static final String SECRET = "s3cr3t-value-42";

    @TempDir
    Path dir;
    private DockerHarness h;

    @BeforeEach
    void harness() throws Exception {
        h = new DockerHarness(dir);
        h.secrets = Map.of("API_TOKEN", SECRET, "SHARED", "from-sluice");
    }

    @Test
    void secretsReachTheExecAndTheOwnContainerAndNoFileOrLogLine() throws Exception {
        DockerExecutor executor = h.started();
        TaskLaunch session = h.launch(h.task("t1", Map.of()), List.of("sh", "-c", "echo hi"),
                Map.of("SHARED", "from-the-task"));
        SubmittedTask inSession = executor.submit(session);
        FakeEngine.Exec exec = h.engine.lastExec();
        TaskLaunch own = h.launch(h.task("t2", Map.of(TaskOptions.ISOLATION, "task")), List.of("true"), Map.of());
        SubmittedTask inOwn = executor.submit(own);
        FakeEngine.Container container = h.engine.containerNamed(h.engine.created().get(1).name);

        assertThat(exec.request.env()).as("the exec in the session container")
                .contains("API_TOKEN=" + SECRET, "SHARED=from-the-task").doesNotContain("SHARED=from-sluice");
        assertThat(container.request.env()).as("a container of its own").contains("API_TOKEN=" + SECRET);
        assertThat(h.engine.created().get(0).request.env()).as("the session container itself needs none").isEmpty();

        h.engine.write(exec.output, "out\n", "err\n");
        h.engine.exitExec(exec.id, 0L);
        h.engine.exitContainer(container.id, 0, false);
        assertThat(DockerHarness.status(executor, inSession).isSuccess()).isTrue();
        assertThat(DockerHarness.status(executor, inOwn).isSuccess()).isTrue();
        executor.close();

        List<Path> files;
        try (Stream<Path> walk = Files.walk(h.workRoot)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).as("what the executor wrote").contains(session.files().stdout(), session.files().stderr());
        for (Path f : files) {
            assertThat(Files.readString(f)).as("%s", f).doesNotContain(SECRET);
        }
        assertThat(h.plugin.logger().lines()).isNotEmpty().noneMatch(line -> line.contains(SECRET));
    }

    @Test
    void withoutSecretsTheTasksEnvironmentIsItsOwn() throws Exception {
        h.secrets = Map.of();
        DockerExecutor executor = h.started();
        executor.submit(h.launch(h.task("t1", Map.of()), List.of("true"), Map.of("A", "b")));
        assertThat(h.engine.lastExec().request.env()).containsExactly("A=b");
    }
}
