package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A task as an orchestrator submits it ({@code POST /v1/tasks}), checked by {@link SubmissionReader}.
 *
 * @param taskClass  the class that routes it (operator config: {@code process.withLabel.<class>})
 * @param argv       the command, or {@code null} when it runs a script
 * @param script     the script for {@code /bin/sh -eu}, or {@code null}
 * @param env        its environment variables, over the class's
 * @param inputs     absolute input paths (the files gate waits for them, where installed)
 * @param workflowId the orchestrator's workflow, for auditing, or {@code null}
 * @param tenant     who submitted it, for auditing, or {@code null}
 * @param context    anything else the orchestrator wants back, or {@code null}; stored, never read
 */
public record Submission(String taskClass, List<String> argv, String script, Map<String, String> env,
        List<Path> inputs, String workflowId, String tenant, JsonNode context) {
    public Submission {
        argv = argv == null ? null : List.copyOf(argv);
        env = Map.copyOf(env);
        inputs = List.copyOf(inputs);
    }
}
