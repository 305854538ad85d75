package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An executor written before terminate and force keeps working through the defaults, for one release. */
class TaskExecutorKillDefaultsTest {
    private static final List<SubmittedTask> TASKS = List.of(new SubmittedTask("1", 1, "n-1"));

    /** Implements neither terminate and force nor kill. */
    private static class BareExecutor implements TaskExecutor {
        @Override
        public String name() {
            return "bare";
        }

        @Override
        public ExecutorCapacity capacity() {
            return ExecutorCapacity.unlimited();
        }

        @Override
        public SubmittedTask submit(TaskLaunch launch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
            return Map.of();
        }
    }

    /** Implements only the deprecated kill, as executors did before. */
    private static final class OldExecutor extends BareExecutor {
        final List<Duration> kills = new ArrayList<>();

        @SuppressWarnings("removal")
        @Override
        public void kill(Collection<SubmittedTask> tasks, Duration gracePeriod) {
            kills.add(gracePeriod);
        }
    }

    @Test
    void terminateAndForceReachAnOldKillWithTheGraceAndWithNone() throws Exception {
        OldExecutor old = new OldExecutor();

        old.terminate(TASKS, Duration.ofSeconds(10));
        old.force(TASKS);

        assertThat(old.kills).containsExactly(Duration.ofSeconds(10), Duration.ZERO);
    }

    @Test
    void anExecutorThatCanEndNothingSaysSoByName() {
        assertThatThrownBy(() -> new BareExecutor().force(TASKS)).isInstanceOf(ExecutorException.class)
                .hasMessage("executor 'bare' cannot end tasks: it implements neither terminate and force nor kill");
    }
}
