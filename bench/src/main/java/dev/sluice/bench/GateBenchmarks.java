package dev.sluice.bench;

import dev.sluice.host.monitor.RunResult;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The in-process gate benchmarks of the foundation issue, printed as Markdown:
 *
 * <ul>
 *   <li><b>Gate scale</b>: N tasks (10,000) each behind a gate that blocks (until all N are blocked and
 *       2 s have passed, then all are released at once). Targets: every task
 *       submitted within 3 s of the gates' release, fewer than 64 live platform threads, heap under
 *       300 MB.</li>
 *   <li><b>Gate-to-submit latency</b>: tasks whose gates pass at random moments over 2 s, with free
 *       capacity; the time from a gate returning to the task's submission. Targets: median under
 *       2 ms, 99th percentile under 20 ms.</li>
 * </ul>
 *
 * Usage: {@code GateBenchmarks SCALE_TASKS LATENCY_TASKS}
 */
public final class GateBenchmarks {
    private GateBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        int scaleTasks = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int latencyTasks = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        Path dir = Files.createTempDirectory("sluice-bench");
        try {
            gateScale(dir.resolve("scale"), scaleTasks);
            gateLatency(dir.resolve("latency"), latencyTasks);
        } finally {
            Harness.deleteTree(dir);
        }
    }

    static void gateScale(Path dir, int tasks) throws Exception {
        Files.createDirectories(dir);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadsBefore = threads.getThreadCount();
        AtomicInteger peakThreads = new AtomicInteger(threadsBefore);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (sampling.get()) {
                peakThreads.accumulateAndGet(threads.getThreadCount(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        // Every gate blocks until all N are blocked and at least 2 s have passed since the first one
        // blocked; then all are released at once, the hardest case for the submitter.
        CountDownLatch allBlocked = new CountDownLatch(tasks);
        CountDownLatch release = new CountDownLatch(1);
        long[] firstBlockedAt = {0};
        long[] releasedAt = {0};
        TaskReadinessGate gate = new TaskReadinessGate() {
            @Override
            public String id() {
                return "block2s";
            }

            @Override
            public void prepare(TaskHandle task) throws InterruptedException {
                synchronized (firstBlockedAt) {
                    if (firstBlockedAt[0] == 0) {
                        firstBlockedAt[0] = System.nanoTime();
                    }
                }
                allBlocked.countDown();
                release.await();
            }
        };
        Thread releaser = Thread.ofPlatform().daemon().start(() -> {
            try {
                allBlocked.await();
                long wait = firstBlockedAt[0] + 2_000_000_000L - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
                releasedAt[0] = System.nanoTime();
                release.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        InstantExecutor executor = new InstantExecutor();
        long start = System.nanoTime();
        // All N gates must be blocked at once: the dispatcher lets at most 256 tasks of a process ahead.
        RunResult result = Harness.run(dir, tasks, Harness.AHEAD_PER_PROCESS, gate, executor);
        long end = System.nanoTime();
        sampling.set(false);
        sampler.join();
        long lastSubmit = executor.submittedNanos.values().stream().mapToLong(Long::longValue).max().orElse(0);
        releaser.join();
        double submitAfterRelease = (lastSubmit - releasedAt[0]) / 1e9;
        double heap = Harness.peakHeapMb();
        System.out.println("## Gate scale");
        System.out.println();
        System.out.printf(Locale.ROOT, "- tasks: %d, each behind a gate that blocks until all are blocked and 2 s have passed, "
                + "then all are released at once; run succeeded: %s; wall %.2f s%n",
                tasks, result.succeeded(), (end - start) / 1e9);
        System.out.printf(Locale.ROOT, "- tasks submitted: %d%n", executor.submittedNanos.size());
        System.out.printf(Locale.ROOT, "- last submission after the gates' release: %.3f s (target < 3 s): %s%n",
                submitAfterRelease, verdict(submitAfterRelease < 3));
        System.out.printf(Locale.ROOT, "- live platform threads: %d before, peak %d (target < 64): %s%n",
                threadsBefore, peakThreads.get(), verdict(peakThreads.get() < 64));
        System.out.printf(Locale.ROOT, "- peak heap used: %.0f MB (target < 300 MB): %s%n", heap, verdict(heap < 300));
        System.out.println();
    }

    static void gateLatency(Path dir, int tasks) throws Exception {
        Files.createDirectories(dir);
        Map<String, Long> gateReturned = new ConcurrentHashMap<>();
        Map<String, Long> gateStarted = new ConcurrentHashMap<>();
        TaskReadinessGate gate = new TaskReadinessGate() {
            @Override
            public String id() {
                return "random";
            }

            @Override
            public void prepare(TaskHandle task) throws InterruptedException {
                gateStarted.put(task.id(), System.nanoTime());
                Thread.sleep(ThreadLocalRandom.current().nextInt(2_000));
                gateReturned.put(task.id(), System.nanoTime());
            }
        };
        InstantExecutor executor = new InstantExecutor();
        RunResult result = Harness.run(dir, tasks, gate, executor);
        long[] latencies = gateReturned.entrySet().stream()
                .mapToLong(e -> executor.submittedNanos.get(e.getKey()) - e.getValue())
                .sorted().toArray();
        double median = Harness.percentile(latencies, 50) / 1e6;
        double p99 = Harness.percentile(latencies, 99) / 1e6;
        System.out.println("## Gate-to-submit latency");
        System.out.println();
        System.out.printf(Locale.ROOT, "- tasks: %d, gates passing at random times over 2 s, free capacity; run "
                + "succeeded: %s%n", tasks, result.succeeded());
        System.out.printf(Locale.ROOT, "- median: %.3f ms (target < 2 ms): %s%n", median, verdict(median < 2));
        System.out.printf(Locale.ROOT, "- 99th percentile: %.3f ms (target < 20 ms): %s%n", p99, verdict(p99 < 20));
        System.out.printf(Locale.ROOT, "- max: %.3f ms%n", latencies.length == 0 ? Double.NaN
                : latencies[latencies.length - 1] / 1e6);
        // Where the slow ones are: right after start (the monitor still releasing tasks) or spread out.
        long firstGate = gateReturned.values().stream().mapToLong(Long::longValue).min().orElse(0);
        String slow = gateReturned.entrySet().stream()
                .filter(e -> executor.submittedNanos.get(e.getKey()) - e.getValue() > 20_000_000L)
                .map(e -> String.format(Locale.ROOT, "%.0f", (e.getValue() - firstGate) / 1e6))
                .sorted(java.util.Comparator.comparingDouble(Double::parseDouble)).collect(Collectors.joining(", "));
        System.out.printf(Locale.ROOT, "- gates started from %.0f to %.0f ms after the first gate returned%n",
                (gateStarted.values().stream().mapToLong(Long::longValue).min().orElse(0) - firstGate) / 1e6,
                (gateStarted.values().stream().mapToLong(Long::longValue).max().orElse(0) - firstGate) / 1e6);
        System.out.printf(Locale.ROOT, "- tasks over 20 ms: %d; their gates returned at (ms after the first): %s%n",
                slow.isEmpty() ? 0 : slow.split(", ").length, slow.isEmpty() ? "-" : slow);
        System.out.println();
        if (latencies.length != tasks) {
            System.out.println("- WARNING: " + latencies.length + " latencies for " + tasks + " tasks: "
                    + Arrays.toString(Arrays.copyOf(latencies, Math.min(3, latencies.length))));
        }
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT met";
    }
}
