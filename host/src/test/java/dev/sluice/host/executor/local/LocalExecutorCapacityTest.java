package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capacity the local executor reports: the machine's by default, the config's when set. */
class LocalExecutorCapacityTest {

    @TempDir
    Path workRoot;

    @Test
    void defaultsToTheMachinesProcessorsAndPhysicalMemory() throws Exception {
        long physical = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();

        ExecutorCapacity capacity = startedWith(Map.of()).capacity();

        assertThat(capacity).isEqualTo(
                new ExecutorCapacity(Runtime.getRuntime().availableProcessors(), physical, 0));
    }

    @Test
    void configOverridesCpusAndMemory() throws Exception {
        ExecutorCapacity capacity = startedWith(Map.of("cpus", "3", "memory", "2 GB")).capacity();

        assertThat(capacity).isEqualTo(new ExecutorCapacity(3, 2L << 30, 0));
    }

    @Test
    void configMayOverrideOnlyOneOfThem() throws Exception {
        ExecutorCapacity capacity = startedWith(Map.of("memory", "512MB")).capacity();

        assertThat(capacity.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(capacity.memoryBytes()).isEqualTo(512L << 20);
    }

    @Test
    void cpusThatIsNotANumberNamesTheKeyAndTheValue() {
        assertThatThrownBy(() -> startedWith(Map.of("cpus", "many")))
                .isInstanceOf(ExecutorException.class)
                .hasCauseInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'cpus'")
                .hasMessageContaining("'many'")
                .hasMessageContaining("executors.local")
                .hasMessageContaining("e.g. 4");
    }

    @Test
    void cpusBelowOneIsRefused() {
        assertThatThrownBy(() -> startedWith(Map.of("cpus", "0")))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("'cpus' = '0'")
                .hasMessageContaining("at least 1");
    }

    @Test
    void memoryThatIsNotASizeNamesTheKeyAndTheValue() {
        assertThatThrownBy(() -> startedWith(Map.of("memory", "lots")))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("'memory'")
                .hasMessageContaining("'lots'")
                .hasMessageContaining("GB");
    }

    @Test
    void zeroMemoryIsRefused() {
        assertThatThrownBy(() -> startedWith(Map.of("memory", "0")))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("'memory' = '0'");
    }

    @Test
    void capacityBeforeStartIsAnError() {
        assertThatThrownBy(() -> new LocalExecutor().capacity())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not been started");
    }

    private LocalExecutor startedWith(Map<String, String> config) throws Exception {
        LocalExecutor executor = new LocalExecutor();
        executor.start(new FakeExecutorContext(TimeSource.system(), Settings.of(config, "executors.local"),
                workRoot));
        return executor;
    }
}
