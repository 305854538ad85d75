package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.metrics.HostMetrics;
import dev.sluice.host.metrics.RunMetrics;
import dev.sluice.host.run.WorkDirs;
import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.testing.FakeTimeSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's Prometheus metrics and health, fed by a real monitor on a fake clock and a hand-written
 * executor, read back from the exposition text as Prometheus would see them.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunMetricsTest {
    @TempDir
    Path dir;

    private final FakeTimeSource clock = new FakeTimeSource();
    private final RunMetrics metrics = new HostMetrics().forRun("run-1", "p");

    private TaskPollingMonitor monitor(String yaml, FakeExecutor executor, TaskReadinessGate gate) throws Exception {
        List<ProcessPlan> plans = MonitorRuns.plans(dir, yaml);
        executor.clock = clock;
        return TaskPollingMonitor.builder(new RunOptions("run-1", dir.resolve("work"), Duration.ZERO,
                false), plans).executors(List.of(new ExecutorSetup(executor, 0, null, Duration.ofMillis(50),
                        Settings.of(Map.of(), "test")))).gates(List.of(gate))
                .preparer(new WorkDirs(dir.resolve("work"), "run-1")).time(clock).listener(metrics).build();
    }

    /** The value of one series, written as the exposition writes it (labels in alphabetical order). */
    private double value(String series) {
        String text = metrics.metrics();
        return find(text, series).orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + text));
    }

    private static java.util.Optional<Double> find(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1)));
    }

    /** Whether the series is there with that value; the monitor's thread may not have got to it yet. */
    private boolean has(String series, double value) {
        return find(metrics.metrics(), series).filter(v -> v == value).isPresent();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    private JsonNode health() throws Exception {
        return new ObjectMapper().readTree(metrics.health());
    }

    @Test
    void tasksAreCountedByStateWhileTheyRunAndByFinalStatusOnceTheyEnd() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        CountDownLatch open = new CountDownLatch(1);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}, labels: [cpu_short]}
                  b: {command: [true], dependsOn: [a], errorStrategy: ignore}
                """, ex, gate("licence", task -> open.await())));
        await("both tasks of a in their gates", () -> has("sluice_tasks_unfinished{labels=\"cpu_short\",process=\"a\",state=\"gated\"}", 2));
        assertThat(value("sluice_tasks_unfinished{labels=\"\",process=\"b\",state=\"waiting\"}")).isEqualTo(1);
        assertThat(value("sluice_tasks_total{labels=\"cpu_short\",process=\"a\",status=\"succeeded\"}")).isZero();
        assertThat(health().path("state").asText()).isEqualTo("running");
        assertThat(health().path("tasks").path("gated").asInt()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(3));
        open.countDown();
        ex.nextSubmission();
        ex.nextSubmission();
        clock.advance(Duration.ofSeconds(90));
        ex.complete("a (i=1)", 0);
        ex.complete("a (i=2)", 0);
        ex.nextSubmission();
        ex.complete("b", 1);
        run.get(10, TimeUnit.SECONDS);

        assertThat(value("sluice_tasks_total{labels=\"cpu_short\",process=\"a\",status=\"succeeded\"}")).isEqualTo(2);
        assertThat(value("sluice_tasks_total{labels=\"\",process=\"b\",status=\"ignored\"}")).isEqualTo(1);
        assertThat(value("sluice_tasks_total{labels=\"\",process=\"b\",status=\"succeeded\"}")).isZero();
        assertThat(value("sluice_task_attempts_total{labels=\"\",process=\"b\",status=\"failed\"}")).isEqualTo(1);
        assertThat(value("sluice_tasks_unfinished{labels=\"cpu_short\",process=\"a\",state=\"gated\"}")).isZero();
        assertThat(value("sluice_tasks_unfinished{labels=\"\",process=\"b\",state=\"running\"}")).isZero();
        // 90 s from submission to the end, for each task of a.
        assertThat(value("sluice_task_duration_seconds_count{labels=\"cpu_short\",process=\"a\"}")).isEqualTo(2);
        assertThat(value("sluice_task_duration_seconds_sum{labels=\"cpu_short\",process=\"a\"}")).isEqualTo(180);
        assertThat(value("sluice_task_duration_seconds_bucket{labels=\"cpu_short\",process=\"a\",le=\"60.0\"}")).isZero();
        assertThat(value("sluice_task_duration_seconds_bucket{labels=\"cpu_short\",process=\"a\",le=\"120.0\"}")).isEqualTo(2);
        // 3 s in the gate for each task of a; b's gate was already open.
        assertThat(value("sluice_gate_wait_seconds_sum{labels=\"cpu_short\",process=\"a\"}")).isEqualTo(6);
        assertThat(value("sluice_gate_wait_seconds_bucket{labels=\"cpu_short\",process=\"a\",le=\"2.5\"}")).isZero();
        assertThat(value("sluice_gate_wait_seconds_bucket{labels=\"cpu_short\",process=\"a\",le=\"5.0\"}")).isEqualTo(2);
        assertThat(value("sluice_gate_wait_seconds_sum{labels=\"\",process=\"b\"}")).isZero();
        assertThat(value("sluice_queue_wait_seconds_count{labels=\"cpu_short\",process=\"a\"}")).isEqualTo(2);
        assertThat(value("sluice_gate_calls_total{gate=\"licence\"}")).isEqualTo(3);
        assertThat(value("sluice_gate_failures_total{gate=\"licence\"}")).isZero();
        assertThat(value("sluice_submissions_total{executor=\"local\"}")).isEqualTo(3);
        assertThat(value("sluice_executor_errors_total{call=\"poll\",executor=\"local\"}")).isZero();
        assertThat(value("sluice_run_info{pipeline=\"p\",run_id=\"run-1\"}")).isEqualTo(1);

        JsonNode health = health();
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("run").asText()).isEqualTo("run-1");
        assertThat(health.path("state").asText()).isEqualTo("finished");
        assertThat(health.path("tasks").path("total").asInt()).isEqualTo(3);
        assertThat(health.path("tasks").path("succeeded").asInt()).isEqualTo(2);
        assertThat(health.path("tasks").path("ignored").asInt()).isEqualTo(1);
        assertThat(health.path("tasks").path("running").asInt()).isZero();
    }

    @Test
    void gateFailuresAndFailedPollsAreCountedByGateAndExecutor() throws Exception {
        FakeExecutor ex = new FakeExecutor(ExecutorCapacity.unlimited());
        ex.failingPolls.set(1);
        CompletableFuture<RunResult> run = MonitorRuns.start(monitor("""
                processes:
                  a: {command: [true], errorStrategy: ignore}
                  b: {command: [true]}
                """, ex, gate("licence", task -> {
                    if (task.name().equals("a")) {
                        throw new TaskException("no licence seat");
                    }
                })));
        ex.nextSubmission();
        await("the failed poll", () -> has("sluice_executor_errors_total{call=\"poll\",executor=\"local\"}", 1));
        ex.complete("b", 0);
        run.get(10, TimeUnit.SECONDS);

        assertThat(value("sluice_gate_calls_total{gate=\"licence\"}")).isEqualTo(2);
        assertThat(value("sluice_gate_failures_total{gate=\"licence\"}")).isEqualTo(1);
        assertThat(value("sluice_tasks_total{labels=\"\",process=\"a\",status=\"ignored\"}")).isEqualTo(1);
        assertThat(value("sluice_task_attempts_total{labels=\"\",process=\"a\",status=\"failed\"}")).isEqualTo(1);
        // The failed attempt never reached the executor: its gate wait counts, no duration.
        assertThat(value("sluice_gate_wait_seconds_count{labels=\"\",process=\"a\"}")).isEqualTo(1);
        assertThat(value("sluice_task_duration_seconds_count{labels=\"\",process=\"a\"}")).isZero();
        assertThat(value("sluice_tasks_total{labels=\"\",process=\"b\",status=\"succeeded\"}")).isEqualTo(1);
        assertThat(value("sluice_submissions_total{executor=\"local\"}")).isEqualTo(1);
        assertThat(value("sluice_executor_errors_total{call=\"poll\",executor=\"local\"}")).isEqualTo(1);
        assertThat(value("sluice_executor_errors_total{call=\"submit\",executor=\"local\"}")).isZero();
    }

    @Test
    void readinessNeedsTheRunGoingAndEveryExecutorUp() throws Exception {
        assertThat(metrics.ready()).as("starting").isFalse();
        metrics.runStarted(List.of());
        assertThat(metrics.ready()).isTrue();
        metrics.executorFailed("slurm", RunListener.ExecutorCall.START,
                new dev.sluice.spi.ExecutorException("sbatch was not found on the PATH"));
        metrics.executorFailed("docker", RunListener.ExecutorCall.POLL, new dev.sluice.spi.ExecutorException("busy"));
        assertThat(metrics.ready()).isFalse();
        JsonNode health = health();
        assertThat(health.path("status").asText()).isEqualTo("degraded");
        assertThat(health.path("executors").path("slurm").asText()).isEqualTo("down: sbatch was not found on the PATH");
        assertThat(health.path("executors").path("docker").asText()).as("a failed poll is not down").isEqualTo("up");
    }

    @Test
    void aServiceThatStoppedTakingTasksIsNotReady() {
        java.util.concurrent.atomic.AtomicBoolean taking = new java.util.concurrent.atomic.AtomicBoolean(true);
        metrics.alsoReadyWhen(taking::get);
        metrics.runStarted(List.of());
        assertThat(metrics.ready()).isTrue();
        taking.set(false);
        assertThat(metrics.ready()).as("draining").isFalse();
    }

    @Test
    void healthSaysStartingBeforeTheTasksAreKnown() throws Exception {
        JsonNode health = health();
        assertThat(health.path("state").asText()).isEqualTo("starting");
        assertThat(health.path("pipeline").asText()).isEqualTo("p");
        assertThat(health.path("tasks").path("total").asInt()).isZero();
    }

    /** A gate from a lambda. */
    private static TaskReadinessGate gate(String id, LambdaGate.Body body) {
        return LambdaGate.of(id, body);
    }
}
