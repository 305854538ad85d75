package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor on a fake clock: time moves only when the test says so. */
class @CLASS@Test {
    private final FakeTimeSource clock = new FakeTimeSource();
    private final @CLASS@ monitor = new @CLASS@(TestPluginContext.of(@CLASS@.ID).withTime(clock));

    @TempDir
    Path dir;

    @Test
    void aTaskWhoseOutputStopsGrowingIsUnhealthyAfterTheQuietTime() throws Exception {
        Path out = dir.resolve(".command.out");
        Files.writeString(out, "start\n");
        TestTaskHandle task = TestTaskHandle.of("1").withWorkDir(dir).withHints(Map.of("@ID@/quietFor", "30s"));
        SubmittedTask submitted = new SubmittedTask("1", 1, "42");
        assertThat(monitor.appliesTo(task)).isTrue();
        assertThat(monitor.probe(task, submitted).isHealthy()).isTrue();

        clock.advance(Duration.ofSeconds(20));
        Files.writeString(out, "more\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(monitor.probe(task, submitted).isHealthy()).as("it grew").isTrue();

        clock.advance(Duration.ofSeconds(29));
        assertThat(monitor.probe(task, submitted).isHealthy()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(monitor.probe(task, submitted).message()).contains("no output for 30s");
    }

    @Test
    void aTaskWithoutTheHintIsNotWatched() {
        assertThat(monitor.appliesTo(TestTaskHandle.of("1"))).isFalse();
    }
}
