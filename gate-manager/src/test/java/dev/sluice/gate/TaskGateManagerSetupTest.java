package dev.sluice.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Construction, the no-gate fast path, and how each gate call is set up (thread, classloader). */
class TaskGateManagerSetupTest {
    private final FakeTimeSource time = new FakeTimeSource();
    private final RecordingListener listener = new RecordingListener();

    @Test
    void gatesAreListedByPriorityThenId() {
        TestGate late = new TestGate("a-late", 10, t -> { });
        TestGate b = new TestGate("b", 0, t -> { });
        TestGate a = new TestGate("a", 0, t -> { });
        TestGate early = new TestGate("z-early", -5, t -> { });
        try (TaskGateManager manager = new TaskGateManager(List.of(late, b, a, early), time, listener)) {
            assertThat(manager.gates()).containsExactly(early, a, b, late);
            assertThat(manager.hasGates()).isTrue();
        }
    }

    @Test
    void gatesListCannotBeChangedByCallers() {
        try (TaskGateManager manager = new TaskGateManager(List.of(TestGate.passing("a")), time, listener)) {
            assertThatThrownBy(() -> manager.gates().clear()).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void duplicateIdsAreRejectedNamingBothClasses() {
        TaskReadinessGate first = TestGate.passing("files");
        TaskReadinessGate second = new TaskReadinessGate() {
            @Override
            public String id() {
                return "files";
            }

            @Override
            public void prepare(TaskHandle task) {
            }
        };
        assertThatThrownBy(() -> new TaskGateManager(List.of(first, second), time, listener))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'files'")
                .hasMessageContaining(TestGate.class.getName())
                .hasMessageContaining(second.getClass().getName());
    }

    @Test
    void blankIdIsRejectedNamingTheClass() {
        assertThatThrownBy(() -> new TaskGateManager(List.of(TestGate.passing(" ")), time, listener))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(TestGate.class.getName())
                .hasMessageContaining("non-blank id");
    }

    @Test
    void idWithHintSeparatorIsRejected() {
        assertThatThrownBy(() -> new TaskGateManager(List.of(TestGate.passing("files/v2")), time, listener))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'files/v2'")
                .hasMessageContaining("without '/'");
    }

    @Test
    void withNoGatesOutcomeIsPassedSynchronouslyOnTheCallingThread() {
        try (TaskGateManager manager = new TaskGateManager(List.of(), time, listener)) {
            assertThat(manager.hasGates()).isFalse();
            manager.schedule(TestTaskHandle.of("t1"));

            // Recorded before schedule() returned, by this very thread: nothing was handed to another thread.
            assertThat(listener.outcomes("t1")).containsExactly(new GateOutcome.Passed(Duration.ZERO));
            assertThat(listener.awaitReported("t1").thread()).isSameAs(Thread.currentThread());
            assertThat(listener.events("t1")).isEmpty();
            assertThat(manager.inFlight()).isZero();
        }
    }

    @Test
    void gatesRunOnVirtualThreadsNamedAfterGateAndTask() {
        try (TaskGateManager manager = new TaskGateManager(List.of(TestGate.passing("files")), time, listener)) {
            manager.schedule(TestTaskHandle.of("17"));

            RecordingListener.GateEvent finished = listener.awaitGateFinished("17", "files");
            assertThat(finished.thread().isVirtual()).isTrue();
            assertThat(finished.thread().getName()).isEqualTo("gate-files-17");
        }
    }

    @Test
    void allGatesOfATaskRunAtTheSameTime() throws Exception {
        // Each gate passes only once both have started: run one after the other, they would fail.
        CountDownLatch bothStarted = new CountDownLatch(2);
        TestGate.Body meetTheOther = task -> {
            bothStarted.countDown();
            if (!bothStarted.await(RecordingListener.HANG_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the other gate never started");
            }
        };
        List<TestGate> gates = List.of(TestGate.of("a", meetTheOther), TestGate.of("b", meetTheOther));
        try (TaskGateManager manager = new TaskGateManager(gates, time, listener)) {
            manager.schedule(TestTaskHandle.of("t1"));

            assertThat(listener.awaitOutcome("t1")).isInstanceOf(GateOutcome.Passed.class);
        }
    }

    @Test
    void prepareRunsWithTheGateClassLoaderAsContextLoaderAndListenerSeesTheHostLoader() throws Exception {
        PluginLikeClassLoader pluginLoader = new PluginLikeClassLoader(ContextLoaderProbeGate.class.getName());
        TaskReadinessGate probe = (TaskReadinessGate) pluginLoader
                .loadClass(ContextLoaderProbeGate.class.getName()).getConstructor().newInstance();
        assertThat(probe.getClass().getClassLoader()).isSameAs(pluginLoader);
        ClassLoader hostLoader = Thread.currentThread().getContextClassLoader();

        try (TaskGateManager manager = new TaskGateManager(List.of(probe), time, listener)) {
            manager.schedule(TestTaskHandle.of("t1"));
            RecordingListener.Reported reported = listener.awaitReported("t1");

            @SuppressWarnings("unchecked")
            ClassLoader seenInPrepare = ((Supplier<ClassLoader>) probe).get();
            assertThat(seenInPrepare).isSameAs(pluginLoader);
            // Restored before the host's listener runs on the same gate thread.
            assertThat(reported.contextLoader()).isSameAs(hostLoader);
            assertThat(listener.awaitGateFinished("t1", "probe").contextLoader()).isSameAs(hostLoader);
        }
    }

    @Test
    void listenerThatThrowsDoesNotStopTheOutcome() {
        RecordingListener throwingOnStart = new RecordingListener() {
            @Override
            public void gateStarted(TaskHandle task, String gateId, java.time.Instant at) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (TaskGateManager manager = new TaskGateManager(List.of(TestGate.passing("a")), time, throwingOnStart)) {
            manager.schedule(TestTaskHandle.of("t1"));

            assertThat(throwingOnStart.awaitOutcome("t1")).isInstanceOf(GateOutcome.Passed.class);
            assertThat(manager.inFlight()).isZero();
        }
    }

    /** Defines one class itself and delegates the rest to its parent, as a PF4J plugin classloader does. */
    private static final class PluginLikeClassLoader extends ClassLoader {
        private final String isolatedClass;

        PluginLikeClassLoader(String isolatedClass) {
            super("plugin-like", PluginLikeClassLoader.class.getClassLoader());
            this.isolatedClass = isolatedClass;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(isolatedClass)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                String resource = name.replace('.', '/') + ".class";
                try (InputStream in = getParent().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new ClassNotFoundException(name);
                    }
                    byte[] bytes = in.readAllBytes();
                    return defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }
}
