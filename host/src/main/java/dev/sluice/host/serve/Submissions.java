package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link Submission} as the ledger keeps it: the checked task, in the API's own field names. */
final class Submissions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Submissions() {
    }

    static ObjectNode toJson(Submission s) {
        ObjectNode o = JSON.createObjectNode().put("class", s.taskClass());
        ObjectNode x = o.putObject("execution");
        if (s.argv() != null) {
            s.argv().forEach(x.putArray("command")::add);
        } else {
            x.put("script", s.script());
        }
        ObjectNode env = x.putObject("env");
        s.env().forEach(env::put);
        s.inputs().forEach(p -> o.withArray("inputs").add(p.toString()));
        o.put("workflow_id", s.workflowId());
        o.put("tenant", s.tenant());
        o.set("context", s.context());
        return o;
    }

    static Submission fromJson(JsonNode o) {
        JsonNode x = o.get("execution");
        List<String> argv = null;
        if (x.hasNonNull("command")) {
            argv = new ArrayList<>();
            for (JsonNode a : x.get("command")) {
                argv.add(a.asText());
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        x.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        List<Path> inputs = new ArrayList<>();
        o.path("inputs").forEach(p -> inputs.add(Path.of(p.asText())));
        JsonNode context = o.get("context");
        return new Submission(o.get("class").asText(), argv, x.hasNonNull("script") ? x.get("script").asText() : null,
                env, inputs, text(o, "workflow_id"), text(o, "tenant"),
                context == null || context.isNull() ? null : context);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
