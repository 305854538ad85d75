package dev.sluice.host.monitor;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What an executor gets from the run at start: its settings, the run's names and clock, a way to wake the loop. */
record RunExecutorContext(RunOptions options, Settings config, TimeSource time,
        Optional<CallbackEndpoint> callbacks, Runnable wake) implements ExecutorContext {

    @Override
    public Optional<CallbackEndpoint> callbackEndpoint() {
        return callbacks;
    }

    @Override
    public Map<String, String> secretEnvironment() {
        return options.secrets();
    }

    @Override
    public String runId() {
        return options.runId();
    }

    @Override
    public Path workRoot() {
        return options.workRoot();
    }

    @Override
    public String pipelineName() {
        return options.pipelineName();
    }

    @Override
    public void statusChanged() {
        wake.run();
    }
}
