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

/** Runs N tasks through the real monitor and gate manager, on an {@link InstantExecutor}. */
final class Harness {
    /**
     * The dispatcher takes up at most 256 tasks of a process ahead of their submission, their gates included
     * ({@code Dispatcher.AHEAD}, counted per process): a benchmark whose gates wait for each other (all N
     * blocked at once) needs its tasks spread over processes of at most that many, or it waits forever.
     */
    static final int AHEAD_PER_PROCESS = 256;

    private Harness() {
    }

    /** N tasks of one process. */
    static RunResult run(Path dir, int tasks, TaskReadinessGate gate, InstantExecutor executor) throws Exception {
        return run(dir, tasks, tasks, gate, executor);
    }

    /** N tasks, as processes of at most {@code perProcess} tasks each. */
    static RunResult run(Path dir, int tasks, int perProcess, TaskReadinessGate gate, InstantExecutor executor)
            throws Exception {
        StringBuilder yamlText = new StringBuilder("processes:\n");
        List<String> names = new java.util.ArrayList<>();
        for (int first = 1; first <= tasks; first += perProcess) {
            int last = Math.min(tasks, first + perProcess - 1);
            String name = "t" + (names.size() + 1);
            names.add(name);
            String items = IntStream.rangeClosed(first, last).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", "));
            yamlText.append("  ").append(name).append(":\n    command: [true]\n    matrix: {i: [").append(items)
                    .append("]}\n");
        }
        Path yaml = dir.resolve("bench.yaml");
        Files.writeString(yaml, yamlText);
        Pipeline pipeline = PipelineLoader.load(yaml);
        List<ProcessPlan> plans = new java.util.ArrayList<>();
        for (String name : names) {
            EffectiveProcess process = OperatorConfig.empty().resolve(pipeline.processes().get(name));
            plans.add(new ProcessPlan(process, process.expand(dir)));
        }
        TaskPollingMonitor monitor = TaskPollingMonitor.builder(
                new RunOptions("bench", dir.resolve("work"), Duration.ofSeconds(1), false), plans)
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
