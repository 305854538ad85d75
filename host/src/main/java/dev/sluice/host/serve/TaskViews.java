package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A {@link TaskView} as the API's JSON: the field names of {@code docs/user-guide/serve.md}. */
final class TaskViews {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskViews() {
    }

    static ObjectNode json(TaskView v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", v.id());
        o.put("class", v.taskClass());
        o.put("state", v.state().label());
        ArrayNode transitions = o.putArray("transitions");
        for (TaskView.Transition t : v.transitions()) {
            transitions.addObject().put("state", t.state().label()).put("at", t.at().toString());
        }
        o.put("attempts", v.attempts());
        if (v.exitCode() == null) {
            o.putNull("exit_code");
        } else {
            o.put("exit_code", v.exitCode());
        }
        // Secret values (secretEnv, environments' redacted variables) never leave the host.
        o.put("error", v.error() == null ? null : dev.sluice.host.logging.Redaction.redact(v.error()));
        o.put("work_dir", v.workDir());
        o.put("cancel_requested", v.cancelRequested());
        o.put("workflow_id", v.workflowId());
        o.put("tenant", v.tenant());
        o.set("context", v.context());
        return o;
    }

    /** A view read back from the ledger ({@link #json}'s form). */
    static TaskView fromJson(com.fasterxml.jackson.databind.JsonNode o) {
        java.util.List<TaskView.Transition> transitions = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode t : o.path("transitions")) {
            transitions.add(new TaskView.Transition(ApiState.valueOf(t.get("state").asText().toUpperCase(
                    java.util.Locale.ROOT)), java.time.Instant.parse(t.get("at").asText())));
        }
        com.fasterxml.jackson.databind.JsonNode context = o.get("context");
        return new TaskView(o.get("id").asText(), o.get("class").asText(),
                ApiState.valueOf(o.get("state").asText().toUpperCase(java.util.Locale.ROOT)), transitions,
                o.path("attempts").asInt(), o.hasNonNull("exit_code") ? o.get("exit_code").asInt() : null,
                text(o, "error"), text(o, "work_dir"), text(o, "workflow_id"), text(o, "tenant"),
                context == null || context.isNull() ? null : context, o.path("cancel_requested").asBoolean());
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode o, String field) {
        com.fasterxml.jackson.databind.JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
