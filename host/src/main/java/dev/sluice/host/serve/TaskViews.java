package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.host.logging.Redaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        TaskView.Attempt last = v.last();
        o.put("attempts", last.number());
        if (last.exitCode() == null) {
            o.putNull("exit_code");
        } else {
            o.put("exit_code", last.exitCode());
        }
        // Secret values (secretEnv, environments' redacted variables) never leave the host.
        o.put("error", last.error() == null ? null : Redaction.redact(last.error()));
        o.put("work_dir", last.workDir());
        ObjectNode devices = o.putObject("devices");
        last.devices().forEach((kind, ids) -> ids.forEach(devices.withArray(kind)::add));
        o.put("cancel_requested", v.cancelRequested());
        if (v.callback() != null) {
            o.set("callback", delivery(v.callback()));
        }
        o.put("workflow_id", v.origin().workflowId());
        o.put("tenant", v.origin().tenant());
        o.set("context", v.origin().context());
        return o;
    }

    static ObjectNode delivery(TaskView.Delivery d) {
        return JSON.createObjectNode().put("url", d.url()).put("state", d.state()).put("tries", d.tries())
                .put("last_error", d.lastError());
    }

    /** {@link #json}, with the end of the latest attempt's stderr as the API answers it (read now, from its file). */
    static ObjectNode withStderr(TaskView v, int maxLines) {
        ObjectNode o = json(v);
        ArrayNode tail = o.putArray("stderr_tail");
        if (v.last().workDir() != null) {
            for (String line : dev.sluice.host.report.RunSummary.stderrTail(
                    java.nio.file.Path.of(v.last().workDir(), ".command.err"), maxLines)) {
                tail.add(Redaction.redact(line));
            }
        }
        return o;
    }

    /** A view read back from the ledger ({@link #json}'s form). */
    static TaskView fromJson(JsonNode o) {
        List<TaskView.Transition> transitions = new ArrayList<>();
        for (JsonNode t : o.path("transitions")) {
            transitions.add(new TaskView.Transition(state(t), Instant.parse(t.get("at").asText())));
        }
        Map<String, List<String>> devices = new LinkedHashMap<>();
        o.path("devices").properties().forEach(e -> {
            List<String> ids = new ArrayList<>();
            e.getValue().forEach(id -> ids.add(id.asText()));
            devices.put(e.getKey(), ids);
        });
        TaskView.Attempt last = new TaskView.Attempt(o.path("attempts").asInt(),
                o.hasNonNull("exit_code") ? o.get("exit_code").asInt() : null, text(o, "error"), text(o, "work_dir"),
                devices);
        JsonNode c = o.get("callback");
        TaskView.Delivery callback = c == null || c.isNull() ? null : new TaskView.Delivery(c.get("url").asText(),
                c.get("state").asText(), c.path("tries").asInt(), text(c, "last_error"));
        JsonNode context = o.get("context");
        return new TaskView(o.get("id").asText(), o.get("class").asText(), new Submission.Origin(
                text(o, "workflow_id"), text(o, "tenant"), context == null || context.isNull() ? null : context),
                state(o), transitions, last, o.path("cancel_requested").asBoolean(), callback);
    }

    private static ApiState state(JsonNode o) {
        return ApiState.valueOf(o.get("state").asText().toUpperCase(Locale.ROOT));
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
