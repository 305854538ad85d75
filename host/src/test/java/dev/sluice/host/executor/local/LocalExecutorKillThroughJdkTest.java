package dev.sluice.host.executor.local;

/** Every test of {@link LocalExecutorKillTest}, with tasks launched through the JDK and {@code setsid} ({@link JdkSpawner}). */
class LocalExecutorKillThroughJdkTest extends LocalExecutorKillTest {
    @Override
    LocalExecutor.SpawnerFactory spawners() {
        return JdkSpawner::open;
    }
}
