package dev.sluice.plugins.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.testing.TestPluginContext;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checking of the gate's hints ({@code validateHints}) and of the operator's config (the constructor). */
class FilesGateSettingsTest {
    private final SteppingClock clock = new SteppingClock();
    private final FilesGate gate = new FilesGate(TestPluginContext.of(FilesGate.ID).withTime(clock));

    @Test
    void goodHintsAndOtherNamespacesPass() {
        Hints hints = Hints.of(Map.of("files/skip", "false", "files/maxWait", "1h", "files/stableFor", "0",
                "files/pollInterval", "500ms", "docker/image", "ubuntu:24.04", "filesystem/x", "1"), "process 'align'");

        assertThatCode(() -> gate.validateHints(hints)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            files/stableFor    | soon   | not a duration
            files/stableFor    | PT-1S  | must not be negative
            files/pollInterval | 0      | must be longer than 0
            files/pollInterval | often  | not a duration
            files/maxWait      | never  | not a duration
            files/maxWait      | 1s     | is shorter than files/stableFor (2s)
            files/skip         | maybe  | not a boolean
            files/maxwait      | 10m    | not a hint of the files plugin; it knows files/skip, files/maxWait
            """)
    void badHintFailsValidationNamingTheKeyAndValue(String key, String value, String problem) {
        Hints hints = Hints.of(Map.of(key, value), "process 'align'");

        assertThatThrownBy(() -> gate.validateHints(hints))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining("'" + key + "' = '" + value + "' in process 'align'")
                .hasMessageContaining(problem);
    }

    @Test
    void aMisspeltSettingIsRefusedWithTheSettingsThereAre() {
        assertThatThrownBy(() -> new FilesGate(TestPluginContext.of(FilesGate.ID).withConfig(Map.of("maxwait", "30s"))
                .withTime(clock))).isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo("maxwait");
                    assertThat(e.getMessage()).contains("pollInterval, stableFor and maxWait");
                });
    }

    @Test
    void stableForHintLongerThanConfiguredMaxWaitIsBlamedOnTheHint() {
        FilesGate configured = new FilesGate(
                TestPluginContext.of(FilesGate.ID).withConfig(Map.of("maxWait", "30s")).withTime(clock));
        Hints hints = Hints.of(Map.of("files/stableFor", "1m"), "process 'align'");

        assertThatThrownBy(() -> configured.validateHints(hints))
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.key()).isEqualTo("files/stableFor"))
                .hasMessageContaining("files/maxWait (30s) is shorter than files/stableFor (1m)");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            pollInterval | fast  | not a duration
            pollInterval | 0s    | must be longer than 0
            stableFor    | later | not a duration
            maxWait      | 1s    | shorter than stableFor (2s)
            maxWait      | PT-5S | must not be negative
            """)
    void badConfigFailsAtStartNamingTheKeyAndValue(String key, String value, String problem) {
        TestPluginContext context = TestPluginContext.of(FilesGate.ID).withConfig(Map.of(key, value)).withTime(clock);

        assertThatThrownBy(() -> new FilesGate(context))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining("'" + key + "' = '" + value + "' in plugins.files of the config")
                .hasMessageContaining(problem);
    }
}
