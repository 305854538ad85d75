package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Submission} as the ledger keeps it: the checked task, in the API's own field names (memory in
 * bytes, time as ISO-8601, exact).
 */
final class Submissions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Submissions() {
    }

    static ObjectNode toJson(Submission s) {
        ObjectNode o = JSON.createObjectNode().put("class", s.taskClass());
        Submission.Execution e = s.execution();
        ObjectNode x = o.putObject("execution");
        if (e.argv() != null) {
            e.argv().forEach(x.putArray("command")::add);
        } else {
            x.put("script", e.script());
        }
        ObjectNode env = x.putObject("env");
        e.env().forEach(env::put);
        if (e.image() != null) {
            x.put("image", e.image());
        }
        if (!e.mounts().isEmpty()) {
            e.mounts().forEach(x.putArray("mounts")::add);
        }
        Submission.Ask r = e.resources();
        if (!r.isEmpty()) {
            ObjectNode res = x.putObject("resources");
            res.put("cpus", r.cpus());
            res.put("memory_bytes", r.memoryBytes());
            res.put("time", r.time() == null ? null : r.time().toString());
            res.put("accelerators", r.accelerators());
            res.put("accelerator_type", r.acceleratorType());
        }
        if (!s.hints().isEmpty()) {
            ObjectNode hints = o.putObject("hints");
            s.hints().forEach(hints::put);
        }
        s.inputs().forEach(p -> o.withArray("inputs").add(p.toString()));
        if (s.callback() != null) {
            o.putObject("callback").put("url", s.callback().url().toString()).put("token", s.callback().token());
        }
        o.put("workflow_id", s.origin().workflowId());
        o.put("tenant", s.origin().tenant());
        o.set("context", s.origin().context());
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
        List<String> mounts = new ArrayList<>();
        x.path("mounts").forEach(m -> mounts.add(m.asText()));
        Submission.Ask ask = Submission.Ask.NONE;
        JsonNode r = x.get("resources");
        if (r != null) {
            ask = new Submission.Ask(r.hasNonNull("cpus") ? r.get("cpus").asInt() : null,
                    r.hasNonNull("memory_bytes") ? r.get("memory_bytes").asLong() : null,
                    r.hasNonNull("time") ? Duration.parse(r.get("time").asText()) : null,
                    r.hasNonNull("accelerators") ? r.get("accelerators").asInt() : null, text(r, "accelerator_type"));
        }
        Submission.Execution execution = new Submission.Execution(argv, text(x, "script"), strings(x.path("env")),
                text(x, "image"), mounts, ask);
        List<Path> inputs = new ArrayList<>();
        o.path("inputs").forEach(p -> inputs.add(Path.of(p.asText())));
        JsonNode c = o.get("callback");
        Submission.Callback callback = c == null || c.isNull() ? null
                : new Submission.Callback(URI.create(c.get("url").asText()), text(c, "token"));
        JsonNode context = o.get("context");
        return new Submission(o.get("class").asText(), execution, strings(o.path("hints")), inputs, callback,
                new Submission.Origin(text(o, "workflow_id"), text(o, "tenant"),
                        context == null || context.isNull() ? null : context));
    }

    private static Map<String, String> strings(JsonNode o) {
        Map<String, String> out = new LinkedHashMap<>();
        o.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
