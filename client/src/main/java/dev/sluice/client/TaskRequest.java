package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A task to submit: its class, its command or script, and what else the API takes
 * ({@code docs/user-guide/serve.md}). Immutable; each {@code with...} returns a copy. The service checks
 * everything: what its class does not let a task set is refused there, with the field and the fix.
 */
public final class TaskRequest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode body;

    private TaskRequest(ObjectNode body) {
        this.body = body;
    }

    /** A task of {@code taskClass} running {@code program} with {@code args}. */
    public static TaskRequest command(String taskClass, String program, String... args) {
        ObjectNode o = start(taskClass);
        var argv = o.withObject("execution").putArray("command").add(Objects.requireNonNull(program, "program"));
        for (String a : args) {
            argv.add(Objects.requireNonNull(a, "args"));
        }
        return new TaskRequest(o);
    }

    /** A task of {@code taskClass} running {@code script} with {@code /bin/sh -eu}. */
    public static TaskRequest script(String taskClass, String script) {
        ObjectNode o = start(taskClass);
        o.withObject("execution").put("script", Objects.requireNonNull(script, "script"));
        return new TaskRequest(o);
    }

    private static ObjectNode start(String taskClass) {
        return JSON.createObjectNode().put("class", Objects.requireNonNull(taskClass, "taskClass"));
    }

    /** The class, which the service's config routes. */
    public String taskClass() {
        return body.get("class").asText();
    }

    /** An environment variable, over the class's. */
    public TaskRequest withEnv(String name, String value) {
        return with(o -> o.withObject("execution").withObject("env").put(name, value));
    }

    /** Absolute paths the task reads. */
    public TaskRequest withInputs(String... paths) {
        return with(o -> {
            var inputs = o.putArray("inputs");
            List.of(paths).forEach(inputs::add);
        });
    }

    /** The container image it runs in, for a class that runs containers. */
    public TaskRequest withImage(String image) {
        return with(o -> o.withObject("execution").put("image", image));
    }

    /** Bind mounts, {@code /host/path:/container/path[:ro]}, after the class's. */
    public TaskRequest withMounts(String... mounts) {
        return with(o -> {
            var list = o.withObject("execution").putArray("mounts");
            List.of(mounts).forEach(list::add);
        });
    }

    /** CPUs it asks for, over its class's. */
    public TaskRequest withCpus(int cpus) {
        return with(o -> resources(o).put("cpus", cpus));
    }

    /** Memory it asks for, as the API writes sizes: {@code 4GiB}, {@code 512MB}. */
    public TaskRequest withMemory(String memory) {
        return with(o -> resources(o).put("memory", memory));
    }

    /** Its time limit, past which it is stopped. */
    public TaskRequest withTime(Duration time) {
        return with(o -> resources(o).put("time", time.toSeconds() + "s"));
    }

    /** Accelerators (GPUs) it asks for, and of which kind ({@code null}: any). */
    public TaskRequest withAccelerators(int count, String type) {
        return with(o -> {
            ObjectNode r = resources(o).put("accelerators", count);
            if (type != null) {
                r.put("acceleratorType", type);
            }
        });
    }

    /** A hint for a plugin ({@code files/maxWait}), for a class that lets a task set it. */
    public TaskRequest withHint(String key, String value) {
        return with(o -> o.withObject("hints").put(key, value));
    }

    /** Where its final state is sent, with {@code token} as bearer token ({@code null}: none). */
    public TaskRequest withCallback(URI url, String token) {
        return with(o -> {
            ObjectNode c = o.putObject("callback").put("url", url.toString());
            if (token != null) {
                c.put("token", token);
            }
        });
    }

    /** The orchestrator's workflow, kept and given back. */
    public TaskRequest withWorkflowId(String value) {
        return with(o -> o.put("workflow_id", value));
    }

    /** Who submits, kept, given back and limited. */
    public TaskRequest withTenant(String value) {
        return with(o -> o.put("tenant", value));
    }

    /** Any JSON, kept and given back. */
    public TaskRequest withContext(JsonNode value) {
        return with(o -> o.set("context", value.deepCopy()));
    }

    /** The body that is sent, a copy. */
    public ObjectNode toJson() {
        return body.deepCopy();
    }

    private static ObjectNode resources(ObjectNode o) {
        return o.withObject("execution").withObject("resources");
    }

    private TaskRequest with(java.util.function.Consumer<ObjectNode> change) {
        ObjectNode copy = body.deepCopy();
        change.accept(copy);
        return new TaskRequest(copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskRequest t && t.body.equals(body);
    }

    @Override
    public int hashCode() {
        return body.hashCode();
    }

    @Override
    public String toString() {
        return body.toString();
    }
}
