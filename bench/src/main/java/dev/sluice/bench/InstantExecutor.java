package dev.sluice.bench;

import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An executor whose tasks end the moment they are submitted, so that a benchmark measures the
 * host's gates, queues and monitor rather than process start-up. Records when each task was
 * submitted.
 */
final class InstantExecutor implements dev.sluice.spi.TaskExecutor {
    final Map<String, Long> submittedNanos = new ConcurrentHashMap<>();
    private ExecutorContext context;

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void start(ExecutorContext ctx) {
        this.context = ctx;
    }

    @Override
    public ExecutorCapacity capacity() {
        return ExecutorCapacity.unlimited();
    }

    @Override
    public SubmittedTask submit(TaskLaunch launch) {
        submittedNanos.put(launch.task().id(), System.nanoTime());
        context.statusChanged();
        return new SubmittedTask(launch.task().id(), launch.task().attempt(), launch.task().id());
    }

    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        Instant now = Instant.now();
        Map<SubmittedTask, TaskStatus> result = new HashMap<>();
        for (SubmittedTask t : tasks) {
            result.put(t, TaskStatus.completed(0, now, now));
        }
        return result;
    }

    @Override
    public void terminate(Collection<SubmittedTask> tasks, Duration gracePeriod) {
        // Tasks end at once; nothing is ever left to stop.
    }

    @Override
    public void force(Collection<SubmittedTask> tasks) {
    }
}
