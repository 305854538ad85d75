package dev.sluice.host.monitor;

import dev.sluice.kit.HealthProbeLoop;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health probes of running attempts: the plugins' monitors and the executor's own, each on a
 * {@link HealthProbeLoop} of its own from launch to end. What a probe finds reaches the loop as an
 * event; the supervisor decides nothing.
 */
final class ProbeSupervisor {
    private static final Logger log = LoggerFactory.getLogger(ProbeSupervisor.class);

    /** Where a probe's findings go, from the probe's thread. */
    interface Findings {
        void status(TaskProgress rec, int attempt, String message);

        void unhealthy(TaskProgress rec, int attempt, String message);
    }

    private final List<TaskHealthMonitor> monitors;
    private final TimeSource time;
    private final Findings findings;
    private final Map<TaskProgress, List<Thread>> probes = new HashMap<>();

    ProbeSupervisor(List<TaskHealthMonitor> monitors, TimeSource time, Findings findings) {
        this.monitors = List.copyOf(monitors);
        this.time = time;
        this.findings = findings;
    }

    /** The attempt as its executor knows it now: the id it started with, once that differs from the submitted one. */
    private static SubmittedTask asStarted(TaskProgress rec, SubmittedTask submitted) {
        SubmittedTask started = rec.startedTask;
        return started != null && started.attempt() == submitted.attempt() && started.taskId().equals(submitted.taskId())
                ? started : submitted;
    }

    /** Starts probing the launched attempt with every monitor that applies to it. */
    void start(TaskProgress rec, List<TaskHealthMonitor> executorsOwn) {
        List<TaskHealthMonitor> all = monitors;
        if (!executorsOwn.isEmpty()) {
            all = new ArrayList<>(monitors);
            all.addAll(executorsOwn);
        }
        if (all.isEmpty()) {
            return;
        }
        TaskHandle task = rec.task();
        SubmittedTask submitted = rec.submitted();
        int attempt = task.attempt();
        List<Thread> threads = new ArrayList<>();
        for (TaskHealthMonitor monitor : all) {
            Duration period;
            int threshold;
            try {
                if (!PluginCalls.call(monitor, () -> monitor.appliesTo(task))) {
                    continue;
                }
                period = PluginCalls.call(monitor, monitor::period);
                threshold = PluginCalls.call(monitor, monitor::failureThreshold);
            } catch (RuntimeException e) {
                log.warn("health monitor '{}' failed in appliesTo, period or failureThreshold: {}", monitor.id(),
                        PluginCalls.describe(e), e);
                continue;
            }
            threads.add(HealthProbeLoop.start("probe-" + monitor.id() + "-" + rec.id, time, period, threshold,
                    monitor.getClass().getClassLoader(), () -> monitor.probe(task, asStarted(rec, submitted)),
                    new HealthProbeLoop.Outcome() {
                        @Override
                        public void status(String message) {
                            findings.status(rec, attempt, message);
                        }

                        @Override
                        public void unhealthy(String message) {
                            findings.unhealthy(rec, attempt, "health monitor '" + monitor.id() + "': " + message);
                        }

                        @Override
                        public void threw(RuntimeException e) {
                            log.warn("health monitor '{}' failed probing task {} ({}): {}", monitor.id(), rec.id,
                                    rec.name(), PluginCalls.describe(e), e);
                        }
                    }));
        }
        if (!threads.isEmpty()) {
            probes.put(rec, threads);
        }
    }

    /** The attempt ended: its probes stop. */
    void stop(TaskProgress rec) {
        List<Thread> threads = probes.remove(rec);
        if (threads != null) {
            threads.forEach(Thread::interrupt);
        }
    }

    /** The run ended: every probe stops. */
    void stopAll() {
        probes.values().forEach(threads -> threads.forEach(Thread::interrupt));
        probes.clear();
    }
}
