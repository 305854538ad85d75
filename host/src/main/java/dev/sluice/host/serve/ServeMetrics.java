package dev.sluice.host.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;

/**
 * The service's own metrics, beside the run's (docs/operator-guide/metrics.md): submissions by class and
 * outcome, cancels by outcome, callback tries by outcome, and the tasks waiting to start. Labels take only bounded values: a class
 * the config declares (or {@code -}) and a fixed set of outcomes, never a tenant or an id.
 */
final class ServeMetrics {
    static final Set<String> SUBMISSION_OUTCOMES = Set.of("accepted", "invalid", "limited", "stopping", "failed");

    private final MeterRegistry registry;
    private final Set<String> classes;

    /** @param registry where they go, or {@code null}: counted nowhere */
    ServeMetrics(MeterRegistry registry, Set<String> classes, Admission admission) {
        this.registry = registry;
        this.classes = Set.copyOf(classes);
        if (registry != null) {
            Gauge.builder("sluice.serve.waiting", admission, Admission::waiting)
                    .description("Tasks accepted by the API and not yet started").register(registry);
        }
    }

    /** A submission answered: accepted, invalid (400, 413, 415), limited (429), stopping or failed (503). */
    void submission(String taskClass, String outcome) {
        if (registry != null) {
            Counter.builder("sluice.serve.submissions").description("Task submissions by class and outcome")
                    .tag("class", taskClass != null && classes.contains(taskClass) ? taskClass : "-")
                    .tag("outcome", outcome).register(registry).increment();
        }
    }

    /** A DELETE answered: accepted (202), ended (409) or failed (503). */
    void cancel(String outcome) {
        if (registry != null) {
            Counter.builder("sluice.serve.cancels").description("Cancels asked through the API, by outcome")
                    .tag("outcome", outcome).register(registry).increment();
        }
    }

    /** A callback's try: delivered, retried (it failed and is tried again) or failed (given up, or refused). */
    void callback(String outcome) {
        if (registry != null) {
            Counter.builder("sluice.serve.callbacks").description("Callback tries by outcome")
                    .tag("outcome", outcome).register(registry).increment();
        }
    }
}
