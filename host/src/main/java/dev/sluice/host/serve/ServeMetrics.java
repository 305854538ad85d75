package dev.sluice.host.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Set;

/**
 * The service's own metrics, beside the run's (docs/operator-guide/metrics.md): submissions by class and
 * outcome, cancels by outcome, callback tries by outcome, and the tasks waiting to start. Labels take only bounded values: a class
 * the config declares (or {@code -}) and a fixed set of outcomes, never a tenant or an id.
 */
final class ServeMetrics {
    static final Set<String> SUBMISSION_OUTCOMES = Set.of("accepted", "invalid", "limited", "stopping", "failed");
    static final Set<String> CANCEL_OUTCOMES = Set.of("accepted", "ended", "failed");
    static final Set<String> CALLBACK_OUTCOMES = Set.of("delivered", "retried", "failed");

    /** Distinct values a label of the operator's choosing takes at most; later ones count as {@code other}. */
    static final int MAX_LABEL_VALUES = 100;

    private final MeterRegistry registry;
    private final Set<String> classes;
    private final java.util.List<String> originLabels;
    /** The values seen per origin label, up to {@link #MAX_LABEL_VALUES}. */
    private final java.util.Map<String, Set<String>> seen = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param registry where they go, or {@code null}: counted nowhere */
    ServeMetrics(MeterRegistry registry, Set<String> classes, Admission admission) {
        this(registry, classes, admission, java.util.List.of());
    }

    /**
     * @param originLabels what of a task's origin labels its end ({@code serve.metricLabels}: tenant,
     *                     workflow_id)
     */
    ServeMetrics(MeterRegistry registry, Set<String> classes, Admission admission, java.util.List<String> originLabels) {
        this.registry = registry;
        this.classes = Set.copyOf(classes);
        this.originLabels = java.util.List.copyOf(originLabels);
        if (registry != null) {
            Gauge.builder("sluice.serve.waiting", admission, Admission::waiting)
                    .description("Tasks accepted by the API and not yet started").register(registry);
            // Every series there will be, at 0 from the start: a rate over a counter that appears late misses
            // its first increase.
            for (String outcome : SUBMISSION_OUTCOMES) {
                classes.forEach(c -> submission(c, outcome, 0));
            }
            // A body that names no class it has is only ever invalid.
            submission(null, "invalid", 0);
            for (String outcome : CANCEL_OUTCOMES) {
                cancelCounter(outcome);
            }
            for (String outcome : CALLBACK_OUTCOMES) {
                callbackCounter(outcome);
            }
        }
    }

    /** A submission answered: accepted, invalid (400, 413, 415), limited (429), stopping or failed (503). */
    void submission(String taskClass, String outcome) {
        submission(taskClass, outcome, 1);
    }

    private void submission(String taskClass, String outcome, int count) {
        if (registry != null) {
            String cls = taskClass != null && classes.contains(taskClass) ? taskClass : "-";
            // Found once per class and outcome: a submission should not pay for the registry's lookup.
            submissions.computeIfAbsent(cls + "\n" + outcome, k -> Counter.builder("sluice.serve.submissions")
                    .description("Task submissions by class and outcome").tag("class", cls).tag("outcome", outcome)
                    .register(registry)).increment(count);
        }
    }

    private final java.util.Map<String, Counter> submissions = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<List<String>, Counter> endedCounters = new java.util.concurrent.ConcurrentHashMap<>();

    /** A DELETE answered: accepted (202), ended (409) or failed (503). */
    void cancel(String outcome) {
        if (registry != null) {
            cancelCounter(outcome).increment();
        }
    }

    private Counter cancelCounter(String outcome) {
        return Counter.builder("sluice.serve.cancels").description("Cancels asked through the API, by outcome")
                .tag("outcome", outcome).register(registry);
    }

    /** A callback's try: delivered, retried (it failed and is tried again) or failed (given up, or refused). */
    void callback(String outcome) {
        if (registry != null) {
            callbackCounter(outcome).increment();
        }
    }

    private Counter callbackCounter(String outcome) {
        return Counter.builder("sluice.serve.callbacks").description("Callback tries by outcome")
                .tag("outcome", outcome).register(registry);
    }

    /**
     * A task ended for its orchestrator: counted by class and state, and by the origin labels the operator
     * chose (a value past the first {@link #MAX_LABEL_VALUES} of a label is {@code other}; none is {@code -}).
     */
    void ended(TaskView v) {
        if (registry == null) {
            return;
        }
        List<String> tags = new java.util.ArrayList<>(2 + 2 * originLabels.size());
        tags.add(v.taskClass());
        tags.add(v.state().label());
        for (String label : originLabels) {
            tags.add(bounded(label, label.equals("tenant") ? v.origin().tenant() : v.origin().workflowId()));
        }
        // Found once per set of labels: the monitor's thread should not pay for the registry's lookup.
        endedCounters.computeIfAbsent(tags, t -> {
            Counter.Builder b = Counter.builder("sluice.serve.tasks.ended")
                    .description("Tasks ended for their orchestrators, by class, state and the origin labels chosen")
                    .tag("class", t.get(0)).tag("state", t.get(1));
            for (int i = 0; i < originLabels.size(); i++) {
                b.tag(originLabels.get(i), t.get(2 + i));
            }
            return b.register(registry);
        }).increment();
    }

    private String bounded(String label, String value) {
        if (value == null) {
            return "-";
        }
        Set<String> values = seen.computeIfAbsent(label, k -> java.util.concurrent.ConcurrentHashMap.newKeySet());
        if (values.contains(value)) {
            return value;
        }
        synchronized (values) {
            if (values.size() < MAX_LABEL_VALUES) {
                values.add(value);
                return value;
            }
        }
        return "other";
    }
}
