package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every test of {@link LocalExecutorKillTest}, with tasks started and signalled by the task loop ({@link TaskLoop}). */
class LocalExecutorKillThroughLoopTest extends LocalExecutorKillTest {
    @Override
    Path loopProgram() {
        return TaskRig.loopProgram();
    }

    @Test
    void theseTasksReallyGoThroughTheLoop() throws Exception {
        assertThat(rig.executor.loopPid()).as("a task loop runs").isPositive();
        assertThat(rig.shell("through", "exit 0").nativeId()).as("a launch number, not a pid").startsWith("L");
    }
}
