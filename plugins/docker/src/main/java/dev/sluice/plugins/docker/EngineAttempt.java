package dev.sluice.plugins.docker;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskLaunch;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One task attempt on the engine: an exec in a session container, or a container of its own. It is the
 * executor's record of the task in its {@link dev.sluice.kit.StatusTable}, which holds its status.
 */
final class EngineAttempt {
    final TaskLaunch launch;
    final SubmittedTask submitted;
    /** The session container it was exec'd in; {@code null} for a container of its own. */
    final SessionContainer session;
    final String containerId;
    final String containerName;
    /** The exec's id in a session container; {@code null} for a container of its own. */
    final String execId;
    /** {@link System#nanoTime} at the start, to match the engine's real-time events against. */
    final long startSystemNanos;
    final Instant startedAt;
    /** Whether sluice asked it to stop: a SIGKILL is then not the out-of-memory killer's. */
    volatile boolean killRequested;
    /** Whether its stream ended as the engine went away, and its end waits for the engine to come back. */
    volatile boolean outage;
    /** The processes of an exec that were sent SIGTERM, for the SIGKILL that may follow. */
    final Set<ProcessHandle> terminated = ConcurrentHashMap.newKeySet();

    EngineAttempt(TaskLaunch launch, SubmittedTask submitted, SessionContainer session, String containerId,
            String containerName, String execId, long startSystemNanos, Instant startedAt) {
        this.launch = launch;
        this.submitted = submitted;
        this.session = session;
        this.containerId = containerId;
        this.containerName = containerName;
        this.execId = execId;
        this.startSystemNanos = startSystemNanos;
        this.startedAt = startedAt;
    }

    /** The container as users see it: {@code sluice-<run>-s1 (3f2a9c1d0b7e)}. */
    String container() {
        return ContainerState.describe(containerName, containerId);
    }
}
