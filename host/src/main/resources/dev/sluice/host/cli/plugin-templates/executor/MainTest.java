package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.testing.TestExecutorContext;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor driven as sluice drives it, with a test context in sluice's place. */
class @CLASS@Test {
    @TempDir
    Path dir;

    private TaskLaunch launch(String id, String... argv) {
        TaskFiles files = TaskFiles.in(dir.resolve(id));
        try {
            Files.createDirectories(files.workDir());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return new TaskLaunch(TestTaskHandle.of(id), new LaunchCommand(List.of(argv), Map.of("GREETING", "hi"),
                files.workDir()), files);
    }

    @Test
    void aTaskRunsAndItsEndIsReported() throws Exception {
        @CLASS@ executor = new @CLASS@(TestPluginContext.of("@ID@"));
        TestExecutorContext context = TestExecutorContext.of(@CLASS@.NAME, dir).withConfig(Map.of("slots", "3"));
        executor.start(context);
        assertThat(executor.capacity().cpus()).isEqualTo(3);

        TaskLaunch launch = launch("1", "/bin/sh", "-c", "echo $GREETING; exit 3");
        SubmittedTask task = executor.submit(launch);
        assertThat(context.awaitStatusChange(Duration.ofSeconds(10))).isTrue();
        TaskStatus status = executor.poll(List.of(task)).get(task);
        assertThat(status.state()).isEqualTo(TaskStatus.State.COMPLETED);
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(Files.readString(launch.files().stdout())).isEqualTo("hi\n");
        executor.close();
    }

    @Test
    void aTerminatedTaskEndsCancelled() throws Exception {
        @CLASS@ executor = new @CLASS@(TestPluginContext.of("@ID@"));
        TestExecutorContext context = TestExecutorContext.of(@CLASS@.NAME, dir);
        executor.start(context);
        SubmittedTask task = executor.submit(launch("2", "sleep", "60"));
        assertThat(executor.poll(List.of(task)).get(task).state()).isEqualTo(TaskStatus.State.RUNNING);

        executor.terminate(List.of(task), Duration.ofSeconds(5));
        assertThat(context.awaitStatusChange(Duration.ofSeconds(10))).isTrue();
        assertThat(executor.poll(List.of(task)).get(task).state()).isEqualTo(TaskStatus.State.CANCELLED);
        executor.close();
    }

    @Test
    void aMisspeltSettingIsRefused() {
        @CLASS@ executor = new @CLASS@(TestPluginContext.of("@ID@"));
        assertThatThrownBy(() -> executor.start(TestExecutorContext.of(@CLASS@.NAME, dir)
                .withConfig(Map.of("slot", "2")))).isInstanceOf(InvalidSettingException.class).hasMessageContaining("slot");
    }
}
