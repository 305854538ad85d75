package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void aSizeBeyondWhatCanBeCountedIsRefusedNotCapped() {
        assertThat(Units.parseSize("8000000TB")).isEqualTo(8_000_000L << 40);
        assertThatThrownBy(() -> Units.parseSize("1000000000000000000000000000000TB"))
                .isInstanceOf(Units.SizeTooLargeException.class).hasMessageContaining("larger than any size");
        assertThatThrownBy(() -> Settings.of(Map.of("memory", "99999999TB"), "config executors.local")
                .size("memory", 0)).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("larger than any size sluice can count (8 EB)");
    }
}
