package dev.sluice.host.executor.local;

import java.nio.file.Path;

/** Every test of {@link LocalExecutorKillTest}, with tasks started and signalled by the task loop ({@link TaskLoop}). */
class LocalExecutorKillThroughLoopTest extends LocalExecutorKillTest {
    @Override
    Path loopProgram() {
        return TaskRig.loopProgram();
    }
}
