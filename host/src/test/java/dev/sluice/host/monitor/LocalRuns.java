package dev.sluice.host.monitor;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.OperatorConfig;
import dev.sluice.host.executor.local.LocalExecutor;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a pipeline the way {@code sluice run} does, on the real local executor and monitor, for tests of
 * what listeners (event log, report) make of a run.
 */
public final class LocalRuns {
    public static final String RUN_ID = "test-run";

    private LocalRuns() {
    }

    /** Runs {@code yaml} (written to {@code dir/p.yaml}) with its work directory under {@code dir/work}. */
    public static RunResult run(Path dir, String yaml, Map<String, String> localConfig, List<TaskReadinessGate> gates,
            RunListener listener) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, yaml);
        Pipeline pipeline = PipelineLoader.load(file);
        List<ProcessPlan> plans = new ArrayList<>();
        for (String name : pipeline.processOrder()) {
            EffectiveProcess p = OperatorConfig.empty().resolve(pipeline.processes().get(name));
            plans.add(new ProcessPlan(p, p.expand(dir)));
        }
        Path work = dir.resolve("work");
        TaskPollingMonitor monitor = TaskPollingMonitor.builder(
                new RunOptions(RUN_ID, work, Duration.ofSeconds(1), false, pipeline.name()), plans)
                .executors(List.of(new ExecutorSetup(new LocalExecutor(), 0, null, Duration.ofMillis(20),
                        Settings.of(localConfig, "test config"))))
                .gates(gates).preparer(new WorkDirs(work, RUN_ID)).listener(listener).build();
        return monitor.run();
    }
}
