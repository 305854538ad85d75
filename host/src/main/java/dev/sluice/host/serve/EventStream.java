package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.sluice.yaml.Suggestions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/events}: the service's events as Server-Sent Events, each with its number as the SSE
 * id, so that a client that reconnects with {@code Last-Event-ID} (or {@code ?after=}) misses nothing,
 * across restarts too. The framing is written here on the JDK server's chunked responses, flushed after
 * each batch; each stream is the virtual thread of its call, reading the {@link EventFeed} at its own
 * pace. Filters by task, class, tenant and workflow; at most {@link #MAX_STREAMS} at once.
 * {@code docs/user-guide/serve.md} lists the fields, the resume rules and the errors.
 */
final class EventStream implements HttpHandler {
    static final String PATH = "/v1/events";
    /** Streams at once: each holds a connection and a thread, and reads the ring on every turn. */
    static final int MAX_STREAMS = 64;
    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PARAMETERS = List.of("task", "class", "tenant", "workflow_id", "after");

    private final EventFeed feed;
    private final BearerAuth auth;
    private final TaskBoard board;
    private final Set<String> classes;
    private final Semaphore streams;
    private final int maxStreams;

    EventStream(EventFeed feed, BearerAuth auth, TaskBoard board, Set<String> classes, int maxStreams) {
        this.feed = feed;
        this.auth = auth;
        this.board = board;
        this.classes = Set.copyOf(classes);
        this.streams = new Semaphore(maxStreams);
        this.maxStreams = maxStreams;
    }

    /** What a stream asked for: where to start, and which tasks' events (each set empty: any). */
    record Request(Long after, Set<String> tasks, Set<String> classes, Set<String> tenants, Set<String> workflows) {
    }

    /** A call's request, or the reason it is refused, with the fix. */
    record Parsed(Request request, int status, String error) {
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!auth.admit(exchange)) {
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (!path.equals(PATH) && !path.equals(PATH + "/")) {
                ApiErrors.send(exchange, 404, "no such resource " + path + "; the events are at " + PATH);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                ApiErrors.send(exchange, 405, exchange.getRequestMethod() + " is not taken here; read the events"
                        + " with GET");
                return;
            }
            Parsed parsed = parse(exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Last-Event-ID"));
            if (parsed.error() != null) {
                ApiErrors.send(exchange, parsed.status(), parsed.error());
                return;
            }
            if (!streams.tryAcquire()) {
                exchange.getResponseHeaders().set("Retry-After", "10");
                ApiErrors.send(exchange, 429, "this service already serves " + maxStreams + " event streams; close one"
                        + " you no longer read, or filter one stream (?class=, ?tenant=) instead of opening many");
                return;
            }
            try {
                stream(exchange, parsed.request());
            } finally {
                streams.release();
            }
        } catch (IOException e) {
            // The client went away: its next call resumes from the last id it received.
            log.debug("event stream {} ended: {}", exchange.getRequestURI(), e.getMessage());
        } catch (InterruptedException e) {
            // The endpoint is closing.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("event stream {} failed", exchange.getRequestURI(), e);
        }
    }

    private void stream(HttpExchange exchange, Request request) throws IOException, InterruptedException {
        try (EventFeed.Reader reader = feed.subscribe(request.after(), filter(request))) {
            if (reader == null) {
                exchange.getResponseHeaders().set("Retry-After", "30");
                ApiErrors.send(exchange, 503, "the service is stopping; connect again with Last-Event-ID once it is"
                        + " back, and nothing is missed");
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            // Proxies that buffer responses (nginx) would hold events back.
            exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            // A first line at once: the client knows the stream is open before the first event.
            out.write((": sluice events after " + reader.cursor() + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                List<EventFeed.Item> items = reader.next();
                if (items.isEmpty()) {
                    break;
                }
                StringBuilder text = new StringBuilder();
                boolean end = false;
                for (EventFeed.Item item : items) {
                    end |= frame(item, text);
                }
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (end) {
                    break;
                }
            }
            out.close();
        }
    }

    /** Appends the SSE frame of {@code item}; whether it ends the stream. */
    static boolean frame(EventFeed.Item item, StringBuilder text) {
        switch (item) {
            case EventFeed.Event e -> text.append("id: ").append(e.seq()).append("\nevent: ").append(e.name())
                    .append("\ndata: ").append(e.data()).append("\n\n");
            case EventFeed.Ping p -> text.append(": ping\n\n");
            case EventFeed.Reset r -> text.append("event: reset\ndata: ").append(resetData(r)).append("\n\n");
            case EventFeed.Shutdown s -> {
                text.append("event: shutdown\ndata: {\"message\":\"the service is stopping; connect again with"
                        + " Last-Event-ID once it is back, and nothing is missed\"}\n\n");
                return true;
            }
        }
        return false;
    }

    private static String resetData(EventFeed.Reset r) {
        String message = r.ahead()
                ? "event " + r.asked() + " is past this service's last event (" + r.last() + "): it is not one of"
                        + " this service's ids (was its work directory replaced?); new events follow. Read the tasks"
                        + " you follow again with GET /v1/tasks/{id}"
                : "the events after " + r.asked() + " are no longer all kept; the oldest kept is " + r.oldest()
                        + ", and the stream goes on from there. Read the tasks you follow again with GET"
                        + " /v1/tasks/{id} for what came before";
        try {
            return JSON.writeValueAsString(JSON.createObjectNode().put("asked_after", r.asked())
                    .put("oldest", r.oldest()).put("last", r.last()).put("message", message));
        } catch (IOException e) {
            throw new IllegalStateException("a reset is always JSON", e);
        }
    }

    /** The events of tasks the request names (AND across parameters, any value within one); the run's own always. */
    private Predicate<EventFeed.Event> filter(Request r) {
        if (r.tasks().isEmpty() && r.classes().isEmpty() && r.tenants().isEmpty() && r.workflows().isEmpty()) {
            return e -> true;
        }
        return e -> {
            if (e.task() == null) {
                return true;
            }
            if (!r.tasks().isEmpty() && !r.tasks().contains(e.task())) {
                return false;
            }
            if (r.classes().isEmpty() && r.tenants().isEmpty() && r.workflows().isEmpty()) {
                return true;
            }
            Optional<TaskView> view = board.get(e.task());
            return view.isPresent()
                    && (r.classes().isEmpty() || r.classes().contains(view.get().taskClass()))
                    && (r.tenants().isEmpty() || r.tenants().contains(view.get().origin().tenant()))
                    && (r.workflows().isEmpty() || r.workflows().contains(view.get().origin().workflowId()));
        };
    }

    /** Reads the query and the {@code Last-Event-ID} header (which wins: clients send it on reconnecting). */
    Parsed parse(String rawQuery, String lastEventId) {
        Map<String, Set<String>> params = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name;
                String value;
                try {
                    name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return refused(400, "the query '" + rawQuery + "' is not URL-encoded; encode the values (%XX)");
                }
                if (!PARAMETERS.contains(name)) {
                    return refused(400, "unknown parameter '" + name + "'" + Suggestions.closest(name, PARAMETERS)
                            .map(s -> "; did you mean '" + s + "'?").orElse("") + "; the parameters are "
                            + String.join(", ", PARAMETERS));
                }
                if (value.isBlank()) {
                    return refused(400, "parameter '" + name + "' has no value; give one, as in ?" + name + "="
                            + example(name) + ", or leave it out");
                }
                params.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(value);
            }
        }
        Long after = null;
        if (lastEventId != null && !lastEventId.isBlank()) {
            after = eventId(lastEventId.strip());
            if (after == null) {
                return refused(400, "Last-Event-ID '" + lastEventId + "' is not an event id; send the id: of the last"
                        + " event received (a whole number), or no Last-Event-ID to start from new events");
            }
        } else if (params.containsKey("after")) {
            Set<String> values = params.get("after");
            after = values.size() == 1 ? eventId(values.iterator().next()) : null;
            if (after == null) {
                return refused(400, "after=" + String.join(",", values) + " is not one event id; give the id: of the"
                        + " last event received (a whole number, 0 for every event kept), or leave it out to start"
                        + " from new events");
            }
        }
        Set<String> tasks = params.getOrDefault("task", Set.of());
        for (String id : tasks) {
            if (!TaskIds.looksLikeOne(id)) {
                return refused(400, "task=" + id + " is not a task id; ids look like t-01JFQ7ZB3KXN5P9Q2W8M4R6T0V");
            }
            if (board.get(id).isEmpty()) {
                return refused(404, "no task " + id + " in this service (ids are kept while the service runs)");
            }
        }
        Set<String> wanted = params.getOrDefault("class", Set.of());
        for (String c : wanted) {
            if (!classes.contains(c)) {
                return refused(400, "unknown class '" + c + "'" + Suggestions.closest(c, classes)
                        .map(s -> "; did you mean '" + s + "'?").orElse("") + "; the classes are "
                        + String.join(", ", classes.stream().sorted().toList()));
            }
        }
        return new Parsed(new Request(after, tasks, wanted, params.getOrDefault("tenant", Set.of()),
                params.getOrDefault("workflow_id", Set.of())), 200, null);
    }

    private static Long eventId(String text) {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Long.parseLong(text);
    }

    private static String example(String name) {
        return switch (name) {
            case "task" -> "t-01JFQ7ZB3KXN5P9Q2W8M4R6T0V";
            case "after" -> "1234";
            case "workflow_id" -> "wf-9";
            case "tenant" -> "lab-a";
            default -> "cpu_short";
        };
    }

    private static Parsed refused(int status, String error) {
        return new Parsed(null, status, error);
    }
}
