package dev.sluice.plugins.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.sluice.spi.Health;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import java.time.Duration;
import java.util.Optional;

/**
 * The docker executor's own health monitor: a running task's container must be running (asked of the
 * engine with inspect). When a session container dies, every task in it fails within one period with
 * the container's name and state, instead of waiting for its time limit. A task's own container that
 * exited is left to the executor, which reads its exit code.
 */
final class ContainerMonitor implements TaskHealthMonitor {
    private final DockerExecutor executor;
    private final Duration period;

    ContainerMonitor(DockerExecutor executor, Duration period) {
        this.executor = executor;
        this.period = period;
    }

    @Override
    public String id() {
        return DockerExecutor.NAME;
    }

    @Override
    public Duration period() {
        return period;
    }

    @Override
    public Health probe(TaskHandle task, SubmittedTask submitted) {
        TaskRun run = executor.run(submitted);
        if (run == null || run.status.state().isTerminal()) {
            return Health.ok();
        }
        Optional<InspectContainerResponse.ContainerState> state;
        try {
            state = executor.containerState(run.containerId, false);
        } catch (RuntimeException e) {
            return Health.unhealthy("cannot inspect container " + run.container() + ": " + executor.describe(e));
        }
        boolean running = state.map(s -> Boolean.TRUE.equals(s.getRunning())).orElse(false);
        boolean paused = state.map(s -> Boolean.TRUE.equals(s.getPaused())).orElse(false);
        if (running && !paused) {
            return Health.ok();
        }
        if (run.session == null && state.isPresent() && !paused) {
            // Its own container exited: the task ended, and the executor reports how.
            return Health.ok();
        }
        if (run.session != null) {
            run.session.died(DockerExecutor.describeState(state));
        }
        return Health.unhealthy("container " + run.container() + " " + DockerExecutor.describeState(state));
    }
}
