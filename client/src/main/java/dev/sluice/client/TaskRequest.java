package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A task to submit: its class, its command or script, and what else the API takes. Immutable; each
 * {@code with...} returns a copy.
 *
 * @param taskClass  the class, which the service's config routes
 * @param command    the program and its arguments, or {@code null} with a script
 * @param script     a script for {@code /bin/sh -eu}, or {@code null} with a command
 * @param env        environment variables, over the class's
 * @param inputs     absolute paths the task reads
 * @param workflowId the orchestrator's workflow, kept and given back, or {@code null}
 * @param tenant     who submits, kept, given back and limited, or {@code null}
 * @param context    any JSON, kept and given back, or {@code null}
 */
public record TaskRequest(String taskClass, List<String> command, String script, Map<String, String> env,
        List<String> inputs, String workflowId, String tenant, JsonNode context) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TaskRequest {
        Objects.requireNonNull(taskClass, "taskClass");
        if ((command == null) == (script == null)) {
            throw new IllegalArgumentException("give a command or a script, not both or neither");
        }
        command = command == null ? null : List.copyOf(command);
        env = Map.copyOf(env);
        inputs = List.copyOf(inputs);
    }

    /** A task of {@code taskClass} running {@code program} with {@code args}. */
    public static TaskRequest command(String taskClass, String program, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(program));
        argv.addAll(List.of(args));
        return new TaskRequest(taskClass, argv, null, Map.of(), List.of(), null, null, null);
    }

    /** A task of {@code taskClass} running {@code script} with {@code /bin/sh -eu}. */
    public static TaskRequest script(String taskClass, String script) {
        return new TaskRequest(taskClass, null, script, Map.of(), List.of(), null, null, null);
    }

    public TaskRequest withEnv(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put(name, value);
        return new TaskRequest(taskClass, command, script, more, inputs, workflowId, tenant, context);
    }

    public TaskRequest withInputs(String... paths) {
        return new TaskRequest(taskClass, command, script, env, List.of(paths), workflowId, tenant, context);
    }

    public TaskRequest withWorkflowId(String value) {
        return new TaskRequest(taskClass, command, script, env, inputs, value, tenant, context);
    }

    public TaskRequest withTenant(String value) {
        return new TaskRequest(taskClass, command, script, env, inputs, workflowId, value, context);
    }

    public TaskRequest withContext(JsonNode value) {
        return new TaskRequest(taskClass, command, script, env, inputs, workflowId, tenant, value);
    }

    ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode().put("class", taskClass);
        ObjectNode x = o.putObject("execution");
        if (command != null) {
            command.forEach(x.putArray("command")::add);
        } else {
            x.put("script", script);
        }
        if (!env.isEmpty()) {
            ObjectNode e = x.putObject("env");
            env.forEach(e::put);
        }
        if (!inputs.isEmpty()) {
            inputs.forEach(o.putArray("inputs")::add);
        }
        if (workflowId != null) {
            o.put("workflow_id", workflowId);
        }
        if (tenant != null) {
            o.put("tenant", tenant);
        }
        if (context != null) {
            o.set("context", context);
        }
        return o;
    }
}
