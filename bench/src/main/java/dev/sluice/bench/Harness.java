package dev.sluice.bench;

import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.monitor.RunOptions;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.OperatorConfig;
import dev.sluice.host.monitor.ExecutorSetup;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.monitor.TaskPollingMonitor;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Runs N tasks of one process through the real monitor and gate manager, on an {@link InstantExecutor}. */
final class Harness {
    private Harness() {
    }

    static RunResult run(Path dir, int tasks, TaskReadinessGate gate, InstantExecutor executor) throws Exception {
        String items = IntStream.rangeClosed(1, tasks).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        Path yaml = dir.resolve("bench.yaml");
        Files.writeString(yaml, "processes:\n  t:\n    command: [true]\n    matrix: {i: [" + items + "]}\n");
        Pipeline pipeline = PipelineLoader.load(yaml);
        EffectiveProcess process = OperatorConfig.empty().resolve(pipeline.processes().get("t"));
        TaskPollingMonitor monitor = TaskPollingMonitor.builder(
                new RunOptions("bench", dir.resolve("work"), Duration.ofSeconds(1), false),
                List.of(new ProcessPlan(process, process.expand(dir))))
                .executors(List.of(new ExecutorSetup(executor, 0, null, Duration.ofSeconds(1),
                        Settings.of(Map.of(), "bench"))))
                .gates(List.of(gate)).preparer(new WorkDirs(dir.resolve("work"), "bench")).build();
        return monitor.run();
    }

    /** Peak used heap since the JVM started, over all heap pools, in MB. */
    static double peakHeapMb() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes / (1024.0 * 1024.0);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
