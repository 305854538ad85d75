package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A task's state as {@code GET /v1/tasks/{id}} gives it.
 *
 * @param exitCode the last attempt's exit code, or {@code null}
 * @param error    why it failed or was cancelled, or {@code null}
 * @param workDir  the last attempt's work directory (on the service's machine), or {@code null}
 * @param raw      the whole answer, for fields this version does not know
 */
public record TaskInfo(String id, String taskClass, State state, List<Transition> transitions, int attempts,
        Integer exitCode, String error, String workDir, boolean cancelRequested, JsonNode raw) {

    /** The API's states. */
    public enum State {
        PENDING, GATED, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean isTerminal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static State of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    /** The last lines of the latest attempt's stderr, as the service read them when asked. */
    public List<String> stderrTail() {
        List<String> lines = new ArrayList<>();
        raw.path("stderr_tail").forEach(l -> lines.add(l.asText()));
        return List.copyOf(lines);
    }

    /** What the gates assigned the latest attempt, by kind ({@code gpu}). */
    public java.util.Map<String, List<String>> devices() {
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        raw.path("devices").properties().forEach(e -> {
            List<String> ids = new ArrayList<>();
            e.getValue().forEach(id -> ids.add(id.asText()));
            out.put(e.getKey(), List.copyOf(ids));
        });
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * How its callback is going ({@code waiting}, {@code sending}, {@code delivered}, {@code failed}), or
     * empty when it has none.
     */
    public java.util.Optional<String> callbackState() {
        JsonNode c = raw.get("callback");
        return c == null || c.isNull() ? java.util.Optional.empty() : java.util.Optional.of(c.path("state").asText());
    }

    /** A state entered, and when. */
    public record Transition(State state, Instant at) {
    }

    static TaskInfo of(JsonNode o) {
        List<Transition> transitions = new ArrayList<>();
        for (JsonNode t : o.path("transitions")) {
            transitions.add(new Transition(State.of(t.get("state").asText()), Instant.parse(t.get("at").asText())));
        }
        return new TaskInfo(o.get("id").asText(), o.path("class").asText(), State.of(o.get("state").asText()),
                List.copyOf(transitions), o.path("attempts").asInt(),
                o.hasNonNull("exit_code") ? o.get("exit_code").asInt() : null,
                o.hasNonNull("error") ? o.get("error").asText() : null,
                o.hasNonNull("work_dir") ? o.get("work_dir").asText() : null,
                o.path("cancel_requested").asBoolean(), o);
    }
}
