package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The common executor keys, and the words a bad value gets. */
class ExecutorConfigTest {
    private static ExecutorConfig config(Map<String, String> values) {
        return new ExecutorConfig("toy", Settings.of(values, "executors.toy"));
    }

    @Test
    void unsetKeysTakeTheirDefaults() {
        ExecutorConfig config = config(Map.of());
        assertThat(config.cpus(8)).isEqualTo(8);
        assertThat(config.memory(1L << 30)).isEqualTo(1L << 30);
        assertThat(config.submitConcurrency(4)).isEqualTo(4);
        assertThat(config.positive("commandTimeout", Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void setKeysAreRead() {
        ExecutorConfig config = config(Map.of("cpus", "3", "memory", "2GB", "submitConcurrency", "2",
                "commandTimeout", "5s"));
        assertThat(config.cpus(8)).isEqualTo(3);
        assertThat(config.memory(1)).isEqualTo(2L << 30);
        assertThat(config.submitConcurrency(4)).isEqualTo(2);
        assertThat(config.positive("commandTimeout", Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void valuesOutOfRangeNameTheKeyTheValueAndTheFix() {
        assertThatThrownBy(() -> config(Map.of("cpus", "0")).cpus(8)).isInstanceOf(InvalidSettingException.class)
                .hasMessage("'cpus' = '0' in executors.toy: the toy executor needs at least 1 cpu; write e.g. 4, or "
                        + "leave it out to use all 8");
        assertThatThrownBy(() -> config(Map.of("memory", "0")).memory(2L << 30))
                .hasMessageContaining("'memory' = '0'").hasMessageContaining("write e.g. 16GB")
                .hasMessageContaining("use all 2");
        assertThatThrownBy(() -> config(Map.of("submitConcurrency", "0")).submitConcurrency(4))
                .hasMessageContaining("'submitConcurrency' = '0'").hasMessageContaining("must be at least 1");
        assertThatThrownBy(() -> config(Map.of("commandTimeout", "0s")).positive("commandTimeout",
                Duration.ofSeconds(30))).hasMessageContaining("'commandTimeout' = '0s'")
                .hasMessageContaining("must be positive, e.g. 30s");
        assertThatThrownBy(() -> config(Map.of("cpus", "many")).cpus(8)).hasMessageContaining("'many'")
                .hasMessageContaining("e.g. 4");
    }

    @Test
    void unknownKeysAreRefusedWithTheKnownOnesAndTheHostsKeysAreKnown() {
        config(Map.of("queueSize", "10", "pollInterval", "1s", "submitRateLimit", "5/1s", "leftovers", "end",
                "cpus", "2")).requireKnown(List.of("cpus"));
        assertThatThrownBy(() -> config(Map.of("cpu", "2")).requireKnown(List.of("cpus", "memory")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("'cpu' = '2' in executors.toy: not a setting of the toy executor; it knows cpus, leftovers, "
                        + "memory, pollInterval, queueSize, submitRateLimit");
    }

    @Test
    void aFailureNamesTheExecutorAndTheKey() {
        ExecutorConfig config = config(Map.of("cpus", "0"));
        InvalidSettingException bad = null;
        try {
            config.cpus(8);
        } catch (InvalidSettingException e) {
            bad = e;
        }
        ExecutorException failure = config.failure(bad);
        assertThat(failure).hasMessageStartingWith("toy executor config key 'cpus' is invalid: 'cpus' = '0'")
                .hasCause(bad);
    }
}
