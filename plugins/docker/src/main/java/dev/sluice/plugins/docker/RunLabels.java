package dev.sluice.plugins.docker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The labels and names of the containers a run creates, so that they can be found again (by a later run too). */
final class RunLabels {
    static final String RUN = "dev.sluice.run-id";
    static final String PIPELINE = "dev.sluice.pipeline";
    static final String WORK_ROOT = "dev.sluice.work-root";
    static final String OWNER = "dev.sluice.owner";
    static final String ISOLATION = "dev.sluice.isolation";
    static final String TASK = "dev.sluice.task";

    private final String runId;
    private final String pipeline;
    private final String workRoot;
    private final String owner;
    private final AtomicInteger sessionSeq = new AtomicInteger();

    /** @param owner the sluice process that creates the containers ({@link Leftovers#ownerLabel}) */
    RunLabels(String runId, String pipeline, String workRoot, String owner) {
        this.runId = runId;
        this.pipeline = pipeline;
        this.workRoot = workRoot;
        this.owner = owner;
    }

    /** The labels of a container; {@code taskId} is {@code null} for a session container. */
    Map<String, String> of(DockerSettings.Isolation isolation, String taskId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RUN, runId);
        labels.put(PIPELINE, pipeline);
        labels.put(WORK_ROOT, workRoot);
        labels.put(OWNER, owner);
        labels.put(ISOLATION, isolation.label());
        if (taskId != null) {
            labels.put(TASK, taskId);
        }
        return labels;
    }

    /** The label that every container of this run carries. */
    Map<String, String> run() {
        return Map.of(RUN, runId);
    }

    /** {@code sluice-<run>-s<n>}, numbered in the order they start. */
    String sessionName() {
        return prefix() + "s" + sessionSeq.incrementAndGet();
    }

    /** {@code sluice-<run>-t<task>-<attempt>}. */
    String taskName(String taskId, int attempt) {
        return prefix() + "t" + taskId + "-" + attempt;
    }

    private String prefix() {
        return "sluice-" + runId.replaceAll("[^a-zA-Z0-9_.-]", "-") + "-";
    }
}
