package dev.sluice.host.monitor;

import dev.sluice.host.http.HostEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Run-wide options.
 *
 * @param killGrace time between asking tasks to stop and forcing them when the run stops them
 * @param endpoint  the host's HTTP endpoint, where executors' tasks call back; {@code null} when off
 * @param secrets   the config's {@code secretEnv} variables set in sluice's environment, by name, for executors
 *                  whose tasks do not inherit that environment
 */
public record RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName,
        HostEndpoint endpoint, Map<String, String> secrets) {
    public RunOptions {
        secrets = Map.copyOf(secrets);
    }

    public RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName,
            HostEndpoint endpoint) {
        this(runId, workRoot, killGrace, resume, pipelineName, endpoint, Map.of());
    }

    public RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume) {
        this(runId, workRoot, killGrace, resume, "", null);
    }

    public RunOptions(String runId, Path workRoot, Duration killGrace, boolean resume, String pipelineName) {
        this(runId, workRoot, killGrace, resume, pipelineName, null);
    }
}
