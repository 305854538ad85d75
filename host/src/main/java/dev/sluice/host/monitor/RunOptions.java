package dev.sluice.host.monitor;

import dev.sluice.host.http.HostEndpoint;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run-wide options.
 *
 * @param killGrace time between asking tasks to stop and forcing them when the run stops them
 * @param endpoint  the host's HTTP endpoint, where executors' tasks call back; {@code null} when off
 */
public record RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName,
        HostEndpoint endpoint) {
    public RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume) {
        this(runId, workRoot, killGrace, resume, "", null);
    }

    public RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName) {
        this(runId, workRoot, killGrace, resume, pipelineName, null);
    }
}
