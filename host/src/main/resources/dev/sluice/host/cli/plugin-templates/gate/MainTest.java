package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate on a fake clock: time moves only when the test says so. */
class @CLASS@Test {
    private final FakeTimeSource clock = new FakeTimeSource();
    private final @CLASS@ gate = new @CLASS@(TestPluginContext.of(@CLASS@.ID).withTime(clock));

    @TempDir
    Path dir;

    @Test
    void aTaskWaitsUntilItsFlagFileExists() throws Exception {
        Path flag = dir.resolve("ready");
        TestTaskHandle task = TestTaskHandle.of("1").withHints(Map.of("@ID@/flag", flag.toString()));
        CompletableFuture<Void> prepared = CompletableFuture.runAsync(() -> {
            try {
                gate.prepare(task);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        clock.awaitSleepers(1, Duration.ofSeconds(5));
        assertThat(prepared).isNotDone();

        Files.createFile(flag);
        clock.advance(Duration.ofSeconds(1));
        prepared.get();
    }

    @Test
    void maxWaitEndsTheWaitWithAMessageNamingTheFile() {
        TestTaskHandle task = TestTaskHandle.of("1")
                .withHints(Map.of("@ID@/flag", dir.resolve("never").toString(), "@ID@/maxWait", "0s"));
        assertThatThrownBy(() -> gate.prepare(task)).isInstanceOf(TaskException.class)
                .hasMessageContaining("never").hasMessageContaining("@ID@/maxWait");
    }

    @Test
    void aTaskWithoutTheHintPassesAtOnce() throws Exception {
        gate.prepare(TestTaskHandle.of("1"));
        assertThat(clock.sleepers()).isZero();
    }

    @Test
    void aMisspeltSettingIsRefused() {
        assertThatThrownBy(() -> new @CLASS@(TestPluginContext.of(@CLASS@.ID).withConfig(Map.of("pollIntervall", "1s"))))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("pollIntervall");
    }
}
