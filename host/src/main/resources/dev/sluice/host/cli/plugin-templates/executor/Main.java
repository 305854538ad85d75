package @PACKAGE@;

import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.pf4j.Extension;

/**
 * Executor {@code @ID@}: runs each task as a process on this machine, at most {@code slots} at once
 * ({@code executors: @ID@: slots: 4} in the operator's config). A process selects it with
 * {@code executor: @ID@}. Replace the launch with your backend's (a queue, a cloud API, a cluster):
 * {@code submit} hands a task over and returns at once, {@code poll} answers with what changed,
 * {@code terminate} and {@code force} end tasks. sluice does the rest: gates, retries, time limits,
 * the trace and {@code .exitcode}. For a batch scheduler, the kit's {@code BatchExecutor} does most of
 * it (docs/extension-points/batch-schedulers.md).
 */
@Extension
public final class @CLASS@ implements TaskExecutor {
    public static final String NAME = "@ID@";
    public static final String SLOTS = "slots";

    /** The processes of the tasks this executor started, by the id it gave them. */
    private final Map<SubmittedTask, Running> running = new ConcurrentHashMap<>();
    private volatile ExecutorContext context;
    private volatile int slots = 2;

    private record Running(Process process, Instant startedAt, boolean[] terminated) {
    }

    public @CLASS@(PluginContext plugin) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validateConfig(Settings config) {
        for (String key : config.keys()) {
            if (!key.equals(SLOTS)) {
                throw config.invalid(key, config.string(key, ""), "not a setting of executor " + NAME + "; it has "
                        + SLOTS);
            }
        }
        if (config.integer(SLOTS, 2) < 1) {
            throw config.invalid(SLOTS, config.string(SLOTS, ""), "at least 1");
        }
    }

    /** Called once before the first task, with the executor's config and the run's clock and identity. */
    @Override
    public void start(ExecutorContext context) {
        validateConfig(context.config());
        this.context = context;
        this.slots = context.config().integer(SLOTS, 2);
    }

    /** sluice never runs more tasks here at once than this allows (each task asks for its cpus). */
    @Override
    public ExecutorCapacity capacity() {
        return new ExecutorCapacity(slots, ExecutorCapacity.UNLIMITED, ExecutorCapacity.UNLIMITED);
    }

    @Override
    public SubmittedTask submit(TaskLaunch launch) throws TaskException {
        ProcessBuilder pb = new ProcessBuilder(launch.command().argv())
                .directory(launch.command().workDir().toFile())
                .redirectOutput(launch.files().stdout().toFile())
                .redirectError(launch.files().stderr().toFile());
        pb.environment().putAll(launch.command().environment());
        try {
            Process process = pb.start();
            SubmittedTask submitted = new SubmittedTask(launch.task().id(), launch.task().attempt(),
                    Long.toString(process.pid()));
            running.put(submitted, new Running(process, context.time().now(), new boolean[1]));
            // Tell sluice to poll soon instead of at its next interval.
            process.onExit().thenRun(context::statusChanged);
            return submitted;
        } catch (IOException e) {
            throw new TaskException("executor " + NAME + " could not start " + launch.command().argv().get(0) + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) {
        Map<SubmittedTask, TaskStatus> answer = new HashMap<>();
        for (SubmittedTask task : tasks) {
            Running r = running.get(task);
            if (r == null) {
                continue;
            }
            if (r.process().isAlive()) {
                answer.put(task, TaskStatus.running(r.startedAt()));
                continue;
            }
            running.remove(task);
            int exit = r.process().exitValue();
            Instant now = context.time().now();
            answer.put(task, r.terminated()[0]
                    ? TaskStatus.ended(TaskStatus.State.CANCELLED, "ended by sluice", exit, r.startedAt(), now)
                    : TaskStatus.completed(exit, r.startedAt(), now));
        }
        return answer;
    }

    /** Asks tasks to stop (SIGTERM); sluice calls {@link #force} for those still running after the grace. */
    @Override
    public void terminate(Collection<SubmittedTask> tasks, Duration gracePeriod) {
        end(tasks, false);
    }

    @Override
    public void force(Collection<SubmittedTask> tasks) {
        end(tasks, true);
    }

    private void end(Collection<SubmittedTask> tasks, boolean force) {
        for (SubmittedTask task : tasks) {
            Running r = running.get(task);
            if (r != null) {
                r.terminated()[0] = true;
                r.process().descendants().forEach(force ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
                if (force) {
                    r.process().destroyForcibly();
                } else {
                    r.process().destroy();
                }
            }
        }
    }

    /** The run is over: nothing of it may outlive sluice. */
    @Override
    public void close() {
        end(running.keySet(), true);
    }
}
