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
}
