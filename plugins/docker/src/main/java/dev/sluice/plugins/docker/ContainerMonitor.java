package dev.sluice.plugins.docker;

import dev.sluice.kit.StatusTable;
import dev.sluice.spi.Health;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The docker executor's own health monitor: a running task's container must be running (asked of the
 * engine with inspect). When a session container dies, every task in it fails within one period with
 * the container's name and state, instead of waiting for its time limit. A task's own container that
 * exited is left to the executor, which reads its exit code.
 */
final class ContainerMonitor implements TaskHealthMonitor {
    private final StatusTable<EngineAttempt> runs;
    private final Containers containers;
    private final Outages outages;
    private final Duration period;

    ContainerMonitor(StatusTable<EngineAttempt> runs, Containers containers, Outages outages, Duration period) {
        this.runs = runs;
        this.containers = containers;
        this.outages = outages;
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
        List<EngineAttempt> live = runs.live(List.of(submitted));
        if (live.isEmpty()) {
            return Health.ok();
        }
        EngineAttempt run = live.getFirst();
        if (run.outage) {
            // Its stream ended with the engine: the stream's thread judges it once the engine is back.
            return Health.ok("the Docker engine does not answer; waiting up to " + outages.setting());
        }
        Optional<ContainerState> state;
        try {
            state = containers.state(run.containerId, false);
            outages.answered();
        } catch (EngineException e) {
            // An engine restarting is not the task's fault: its stream's end says what became of it.
            if (e.is(EngineException.Kind.UNREACHABLE) && !outages.silentTooLong()) {
                return Health.ok("the Docker engine does not answer; waiting up to " + outages.setting());
            }
            return Health.unhealthy("cannot inspect container " + run.container() + ": " + e.getMessage());
        }
        boolean running = state.map(ContainerState::running).orElse(false);
        boolean paused = state.map(ContainerState::paused).orElse(false);
        if (running && !paused) {
            return Health.ok();
        }
        if (run.session == null && state.isPresent() && !paused) {
            // Its own container exited: the task ended, and the executor reports how.
            return Health.ok();
        }
        if (run.session != null) {
            run.session.died(ContainerState.describe(state));
        }
        return Health.unhealthy("container " + run.container() + " " + ContainerState.describe(state));
    }
}
