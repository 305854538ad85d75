package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class @CLASS@Test {
    private final @CLASS@ wrapper = new @CLASS@(TestPluginContext.of(@CLASS@.ID));
    private final LaunchCommand command = new LaunchCommand(List.of("make", "all"), Map.of(), Path.of("/tmp"));

    @Test
    void aTaskWithTheHintRunsUnderNice() {
        TestTaskHandle task = TestTaskHandle.of("1").withHints(Map.of("@ID@/niceness", "7"));
        assertThat(wrapper.appliesTo(task)).isTrue();
        assertThat(wrapper.wrap(task, command).argv()).containsExactly("nice", "-n", "7", "make", "all");
    }

    @Test
    void aTaskWithoutItIsLeftAlone() {
        assertThat(wrapper.appliesTo(TestTaskHandle.of("1"))).isFalse();
    }

    @Test
    void aNicenessThatIsNoNumberIsRefusedWithTheHintsName() {
        TestTaskHandle task = TestTaskHandle.of("1").withHints(Map.of("@ID@/niceness", "low"));
        assertThatThrownBy(() -> wrapper.wrap(task, command)).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("@ID@/niceness");
    }
}
