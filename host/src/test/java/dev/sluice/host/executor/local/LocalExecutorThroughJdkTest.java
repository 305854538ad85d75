package dev.sluice.host.executor.local;

/** Every test of {@link LocalExecutorTest}, with tasks launched through the JDK and {@code setsid} ({@link JdkSpawner}). */
class LocalExecutorThroughJdkTest extends LocalExecutorTest {
    @Override
    LocalExecutor.SpawnerFactory spawners() {
        return JdkSpawner::open;
    }
}
