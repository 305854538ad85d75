package dev.sluice.host.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures a run for Prometheus from the monitor's events, and answers the endpoint's
 * {@code /metrics} and {@code /healthz}. The listener methods run on the monitor's thread and only
 * touch meters looked up once per process, executor or gate; the endpoint's threads read the meters
 * and the state counts, which are atomic. docs/operator-guide/metrics.md lists every metric.
 */
public final class RunMetrics implements RunListener, HostEndpoint.Monitoring {
    /** States a task is counted in by {@code sluice_tasks_unfinished}. */
    static final List<TaskState> UNFINISHED = Arrays.stream(TaskState.values()).filter(s -> !s.isTerminal()).toList();
    /** Final statuses, counted by {@code sluice_tasks_total}. */
    static final List<TaskState> FINAL = Arrays.stream(TaskState.values()).filter(TaskState::isTerminal).toList();
    /** How an attempt that ran (or was in its gates) can end, counted by {@code sluice_task_attempts_total}. */
    static final List<TaskState> ATTEMPT_ENDS = List.of(TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED);
    /**
     * Histogram buckets of the durations and waits: tasks last from a fraction of a second to hours,
     * so 0.1 s to 1 h; anything longer is in the {@code +Inf} bucket only.
     */
    static final Duration[] BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1)};

    /** Made at the first health request, not at every run's start: an ObjectMapper is slow to set up. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private final PrometheusMeterRegistry registry;
    private final String runId;
    private final String pipelineName;
    /** Tasks by state over all processes, for /healthz. */
    private final Map<TaskState, AtomicInteger> byState = new EnumMap<>(TaskState.class);
    private final Map<String, ProcessMeters> processes = new HashMap<>();
    private final Map<String, ExecutorMeters> executors = new HashMap<>();
    /** Each executor met, "up" or why it could not start, for /healthz and /readyz (read on the endpoint's threads). */
    private final Map<String, String> executorStatus = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Map<String, GateMeters> gates = new HashMap<>();
    private volatile String phase = "starting";
    private volatile int taskCount;

    RunMetrics(PrometheusMeterRegistry registry, String runId, String pipelineName) {
        this.registry = registry;
        this.runId = runId;
        this.pipelineName = pipelineName;
        for (TaskState s : TaskState.values()) {
            byState.put(s, new AtomicInteger());
        }
        Gauge.builder("sluice.run.info", () -> 1)
                .description("Always 1; its labels name the run and its pipeline")
                .tags("run_id", runId, "pipeline", pipelineName).strongReference(true).register(registry);
    }

    // ---- RunListener: the monitor's thread -------------------------------------------------------

    @Override
    public void runStarted(List<TaskProgress> tasks) {
        count(tasks);
        taskCount = tasks.size();
        phase = "running";
    }

    @Override
    public void tasksAdded(List<TaskProgress> tasks) {
        count(tasks);
        taskCount += tasks.size();
    }

    private void count(List<TaskProgress> tasks) {
        for (TaskProgress task : tasks) {
            // Every series of a process or executor exists from the start, at zero, so that rate() and
            // absent() work from the first scrape.
            ProcessMeters p = process(task);
            executor(task.executorName());
            if (task.state().isTerminal()) {
                p.finished.get(task.state()).increment();
            } else {
                p.unfinished.get(task.state()).incrementAndGet();
            }
            byState.get(task.state()).incrementAndGet();
        }
    }

    @Override
    public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
        ProcessMeters p = process(task);
        if (!from.isTerminal()) {
            p.unfinished.get(from).decrementAndGet();
        }
        if (to.isTerminal()) {
            p.finished.get(to).increment();
        } else {
            p.unfinished.get(to).incrementAndGet();
        }
        byState.get(from).decrementAndGet();
        byState.get(to).incrementAndGet();
        if (from == TaskState.GATED && to != TaskState.CANCELLED) {
            // The gates decided (passed or failed the attempt); a cancelled attempt's wait was cut short.
            p.gateWait.record(task.gateWait());
        }
        if (to == TaskState.SUBMITTED) {
            executor(task.executorName()).submissions.increment();
            Duration queueWait = task.queueWait();
            if (queueWait != null) {
                p.queueWait.record(queueWait);
            }
        }
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        ProcessMeters p = process(task);
        Counter attempts = p.attempts.get(outcome);
        if (attempts == null) {
            return; // cached: no attempt ran
        }
        attempts.increment();
        Duration duration = task.duration();
        if (duration != null) {
            p.duration.record(duration);
        }
    }

    @Override
    public void gateFinished(TaskProgress task, String gateId, java.time.Instant at, Throwable failure) {
        GateMeters g = gates.computeIfAbsent(gateId, GateMeters::new);
        g.calls.increment();
        if (failure != null && !(failure instanceof InterruptedException)) {
            g.failures.increment();
        }
    }

    @Override
    public void executorFailed(String executor, ExecutorCall call, Exception error) {
        executor(executor).errors.get(call).increment();
        if (call == ExecutorCall.START) {
            executorStatus.put(executor, "down: " + dev.sluice.host.logging.Redaction.redact(
                    error.getMessage() == null ? "it could not start" : error.getMessage()));
        }
    }

    @Override
    public void runFinished(List<TaskProgress> tasks) {
        phase = "finished";
    }

    // ---- Monitoring: the endpoint's threads -------------------------------------------------------

    @Override
    public String metrics() {
        return registry.scrape();
    }

    @Override
    public String health() {
        Map<String, Object> tasks = new LinkedHashMap<>();
        tasks.put("total", taskCount);
        for (TaskState s : TaskState.values()) {
            tasks.put(s.label(), byState.get(s).get());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("status", ready() || !"running".equals(phase) ? "ok" : "degraded");
        doc.put("run", runId);
        doc.put("pipeline", pipelineName);
        doc.put("state", phase);
        doc.put("tasks", tasks);
        doc.put("executors", new LinkedHashMap<>(executorStatus));
        try {
            return Json.MAPPER.writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ready: the run goes and every executor it met is up (an orchestrator sends tasks only then). */
    @Override
    public boolean ready() {
        return "running".equals(phase) && executorStatus.values().stream().allMatch("up"::equals)
                && alsoReady.getAsBoolean();
    }

    /** What else readiness needs: a service is not ready once it stops taking tasks (it drains). */
    private volatile java.util.function.BooleanSupplier alsoReady = () -> true;

    public void alsoReadyWhen(java.util.function.BooleanSupplier condition) {
        this.alsoReady = condition;
    }

    // ---- meters -----------------------------------------------------------------------------------

    private ProcessMeters process(TaskProgress task) {
        ProcessMeters p = processes.get(task.processName());
        if (p == null) {
            p = new ProcessMeters(task.processName(), String.join(",", task.labels()));
            processes.put(task.processName(), p);
        }
        return p;
    }

    private ExecutorMeters executor(String name) {
        executorStatus.putIfAbsent(name, "up");
        ExecutorMeters e = executors.get(name);
        if (e == null) {
            e = new ExecutorMeters(name);
            executors.put(name, e);
        }
        return e;
    }

    private Timer timer(String name, String description, String process, String labels) {
        return Timer.builder(name).description(description).tags("process", process, "labels", labels)
                .serviceLevelObjectives(BUCKETS).register(registry);
    }

    /** One process's meters. */
    private final class ProcessMeters {
        final Map<TaskState, AtomicInteger> unfinished = new EnumMap<>(TaskState.class);
        final Map<TaskState, Counter> finished = new EnumMap<>(TaskState.class);
        final Map<TaskState, Counter> attempts = new EnumMap<>(TaskState.class);
        final Timer duration;
        final Timer gateWait;
        final Timer queueWait;

        /** {@code labels}: the process's labels, comma-separated, so that a task class can be summed over. */
        ProcessMeters(String process, String labels) {
            for (TaskState s : UNFINISHED) {
                AtomicInteger count = new AtomicInteger();
                unfinished.put(s, count);
                Gauge.builder("sluice.tasks.unfinished", count, AtomicInteger::get)
                        .description("Tasks not finished yet, by process and state")
                        .tags("process", process, "labels", labels, "state", s.label()).strongReference(true)
                        .register(registry);
            }
            for (TaskState s : FINAL) {
                finished.put(s, Counter.builder("sluice.tasks")
                        .description("Tasks that reached their final status, by process and status")
                        .tags("process", process, "labels", labels, "status", s.label()).register(registry));
            }
            for (TaskState s : ATTEMPT_ENDS) {
                attempts.put(s, Counter.builder("sluice.task.attempts")
                        .description("Attempts of tasks that ended, by process and how they ended")
                        .tags("process", process, "labels", labels, "status", s.label()).register(registry));
            }
            duration = timer("sluice.task.duration",
                    "Time from submission to the end of each attempt (the trace's duration), by process", process,
                    labels);
            gateWait = timer("sluice.gate.wait",
                    "Time each attempt spent in its readiness gates until they decided, by process", process, labels);
            queueWait = timer("sluice.queue.wait",
                    "Time from passing the gates to submission of each attempt, by process", process, labels);
        }
    }

    /** One executor's meters. */
    private final class ExecutorMeters {
        final Counter submissions;
        final Map<ExecutorCall, Counter> errors = new EnumMap<>(ExecutorCall.class);

        ExecutorMeters(String executor) {
            submissions = Counter.builder("sluice.submissions")
                    .description("Attempts handed to the executor, by executor")
                    .tags("executor", executor).register(registry);
            for (ExecutorCall call : ExecutorCall.values()) {
                errors.put(call, Counter.builder("sluice.executor.errors")
                        .description("Calls to the executor that failed, by executor and call")
                        .tags("executor", executor, "call", call.label()).register(registry));
            }
        }
    }

    /** One readiness gate's meters. */
    private final class GateMeters {
        final Counter calls;
        final Counter failures;

        GateMeters(String gate) {
            calls = Counter.builder("sluice.gate.calls")
                    .description("Calls of the gate's prepare() that ended, by gate")
                    .tags("gate", gate).register(registry);
            failures = Counter.builder("sluice.gate.failures")
                    .description("Calls of the gate's prepare() that failed their task, by gate")
                    .tags("gate", gate).register(registry);
        }
    }
}
