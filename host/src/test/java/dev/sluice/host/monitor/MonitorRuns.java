package dev.sluice.host.monitor;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.OperatorConfig;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What the monitor's tests share: a pipeline's plans from YAML, and a run on a thread of its own. */
final class MonitorRuns {
    private MonitorRuns() {
    }

    /** The plans of {@code yaml}, written to {@code dir/p.yaml}, with no operator config. */
    static List<ProcessPlan> plans(Path dir, String yaml) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, yaml);
        Pipeline pipeline = PipelineLoader.load(file);
        List<ProcessPlan> plans = new ArrayList<>();
        for (String name : pipeline.processOrder()) {
            EffectiveProcess p = OperatorConfig.empty().resolve(pipeline.processes().get(name));
            plans.add(new ProcessPlan(p, p.expand(dir)));
        }
        return plans;
    }

    /** Runs the monitor on a thread of its own (the common pool may have a single thread). */
    static CompletableFuture<RunResult> start(TaskPollingMonitor monitor) {
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("monitor").start(() -> {
            try {
                result.complete(monitor.run());
            } catch (InterruptedException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
