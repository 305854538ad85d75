package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.sluice.host.monitor.Intake;
import dev.sluice.spi.TimeSource;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task API on the host's endpoint: {@code POST /v1/tasks}, {@code GET} and {@code DELETE
 * /v1/tasks/{id}}. Every call carries the service's bearer token; every error is a JSON body saying
 * what is wrong and the fix ({@code docs/user-guide/serve.md} lists them). Runs on the endpoint's
 * virtual threads; it reads the {@link TaskBoard} and hands tasks and cancels to the run's
 * {@link Intake}, never touching the monitor's state.
 */
final class ApiRouter implements HttpHandler {
    static final String TASKS = "/v1/tasks";
    /** The lines of a task's stderr a view ends with. */
    static final int STDERR_LINES = 20;
    private static final Logger log = LoggerFactory.getLogger(ApiRouter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaskFactory factory;
    private final CallbackSettings callbackSettings;
    private final Callbacks callbacks;
    /** A task ended for its orchestrator: the service records it and sends its callback. */
    private final java.util.function.Consumer<TaskView> ended;
    private final Intake intake;
    private final TaskBoard board;
    private final TaskLedger ledger;
    private final Admission admission;
    private final ServeMetrics metrics;
    private final TimeSource time;
    private final BearerAuth auth;
    private final long maxBodyBytes;

    ApiRouter(TaskService service, String token, long maxBodyBytes) {
        this.factory = service.factory();
        this.callbackSettings = service.settings().callbacks();
        this.callbacks = service.callbacks();
        this.ended = service::ended;
        this.intake = service.intake();
        this.board = service.board();
        this.ledger = service.ledger();
        this.admission = service.admission();
        this.metrics = service.metrics();
        this.time = service.time();
        this.auth = new BearerAuth(token);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!auth.admit(exchange)) {
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals(TASKS) || path.equals(TASKS + "/")) {
                if (method.equals("POST")) {
                    submit(exchange);
                } else {
                    notAllowed(exchange, "POST");
                }
            } else if (path.startsWith(TASKS + "/") && path.indexOf('/', TASKS.length() + 1) < 0) {
                String id = path.substring(TASKS.length() + 1);
                switch (method) {
                    case "GET" -> view(exchange, id);
                    case "DELETE" -> cancel(exchange, id);
                    default -> notAllowed(exchange, "GET, DELETE");
                }
            } else {
                error(exchange, 404, "no such resource " + path + "; the API has " + TASKS + " and " + TASKS + "/{id}");
            }
        } catch (IOException e) {
            // The client went away; nothing was accepted that it was not told of.
            log.debug("API call {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                    e.getMessage());
        } catch (RuntimeException e) {
            log.error("API call {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            try {
                error(exchange, 500, "the service failed on this call (a bug; its log has the details)");
            } catch (IOException | RuntimeException ignored) {
                // The response may have begun already.
            }
        }
    }

    private void submit(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            metrics.submission(null, "invalid");
            error(exchange, 415, "the body is " + type + "; send JSON with Content-Type: application/json");
            return;
        }
        String body = body(exchange);
        if (body == null) {
            metrics.submission(null, "invalid");
            error(exchange, 413, "the body is larger than " + maxBodyBytes + " bytes (serve.maxBodyBytes); send"
                    + " large data by reference (a path in inputs)");
            return;
        }
        Submission s;
        try {
            s = SubmissionReader.read(body, factory.classes().keySet(), callbackSettings);
        } catch (InvalidInputException e) {
            metrics.submission(null, "invalid");
            invalid(exchange, e);
            return;
        }
        java.util.List<TaskFactory.Problem> found = factory.problems(s);
        if (!found.isEmpty()) {
            ObjectNode out = JSON.createObjectNode();
            out.put("error", "the task cannot run; fix these and send it again");
            ArrayNode problems = out.putArray("problems");
            found.forEach(p -> problems.addObject().put("field", p.field()).put("message", p.message()));
            metrics.submission(s.taskClass(), "invalid");
            send(exchange, 400, out);
            return;
        }
        String id = TaskIds.next(time.now().toEpochMilli());
        Admission.Refusal refused = admission.admit(id, s.taskClass(), s.origin().tenant());
        if (refused != null) {
            metrics.submission(s.taskClass(), "limited");
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(refused.retryAfterSeconds()));
            error(exchange, 429, refused.reason());
            return;
        }
        java.time.Instant at = time.now();
        TaskView view = TaskView.accepted(id, s, at);
        if (!intake.isOpen()) {
            admission.started(id);
            metrics.submission(s.taskClass(), "stopping");
            stopping(exchange);
            return;
        }
        board.accepted(view);
        try {
            // On disk before the orchestrator hears of it: a restart runs it, whatever happens next.
            ledger.accepted(new TaskLedger.Accepted(id, s, at));
        } catch (java.io.UncheckedIOException e) {
            board.withdrawn(id);
            admission.started(id);
            metrics.submission(s.taskClass(), "failed");
            ledgerFailed(exchange, e);
            return;
        }
        callbacks.register(id, s.callback());
        if (!intake.offer(factory.arrival(id, s))) {
            callbacks.forget(id);
            board.withdrawn(id);
            admission.started(id);
            // Closed between the check and the offer: it was recorded, so record that it is not to run.
            TaskView withdrawn = view.moved(ApiState.CANCELLED, time.now(),
                    TaskView.Attempt.failedBeforeStart("the service was stopping"));
            ledger.ended(withdrawn);
            metrics.submission(s.taskClass(), "stopping");
            stopping(exchange);
            return;
        }
        metrics.submission(s.taskClass(), "accepted");
        Audit.accepted(id, s);
        exchange.getResponseHeaders().set("Location", TASKS + "/" + id);
        ObjectNode out = JSON.createObjectNode();
        out.put("id", id);
        out.put("state", view.state().label());
        send(exchange, 202, out);
    }

    private void view(HttpExchange exchange, String id) throws IOException {
        Optional<TaskView> view = board.get(id);
        if (view.isEmpty()) {
            unknown(exchange, id);
            return;
        }
        send(exchange, 200, TaskViews.withStderr(view.get(), STDERR_LINES));
    }

    private void cancel(HttpExchange exchange, String id) throws IOException {
        Optional<TaskView> view = board.get(id);
        if (view.isEmpty()) {
            unknown(exchange, id);
            return;
        }
        TaskBoard.Cancel asked = board.cancelRequested(id);
        if (asked == TaskBoard.Cancel.UNKNOWN) {
            unknown(exchange, id);
            return;
        }
        if (asked == TaskBoard.Cancel.ENDED) {
            metrics.cancel("ended");
            error(exchange, 409, "task " + id + " has ended (" + view.get().state().label() + "); there is nothing to"
                    + " cancel");
            return;
        }
        try {
            // On disk before the answer: the next start honours it, whatever happens to this one.
            ledger.cancelled(id);
        } catch (java.io.UncheckedIOException e) {
            metrics.cancel("failed");
            ledgerFailed(exchange, e);
            return;
        }
        TaskView now = board.get(id).orElse(view.get().withCancelRequested());
        Audit.cancelAsked(now);
        if (asked == TaskBoard.Cancel.ENDS_NOW) {
            // Already ended by the stop, not yet for the orchestrator: now it is, and will not run again; its
            // callback, if any, goes out as for any end.
            ended.accept(now);
        } else if (!intake.cancel(id, "cancelled through the API")) {
            // The run has ended: the cancel is on disk, and the next start cancels the task without running it.
            log.debug("task {}: cancel recorded for the next start", id);
        }
        metrics.cancel("accepted");
        send(exchange, 202, TaskViews.json(now));
    }

    /** The ledger cannot be written (a full disk): nothing is accepted that could be lost. */
    private static void ledgerFailed(HttpExchange exchange, java.io.UncheckedIOException e) throws IOException {
        log.error("the service's ledger cannot be written", e);
        exchange.getResponseHeaders().set("Retry-After", "30");
        error(exchange, 503, e.getMessage() + " (" + dev.sluice.kit.IoErrors.describe(e.getCause()) + "), so the"
                + " service cannot keep what it is sent; free space there, then send it again");
    }

    private static void stopping(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", "30");
        error(exchange, 503, "the service is stopping and takes no new task; send it to the service once it is back");
    }

    private void unknown(HttpExchange exchange, String id) throws IOException {
        error(exchange, 404, TaskIds.looksLikeOne(id) ? "no task " + id + " in this service (ids are kept across"
                + " restarts of the service, in its work directory)" : "'" + id + "' is not a task id; ids look like t-01JFQ7ZB3KXN5P9Q2W8M4R6T0V");
    }

    /** The body as text, or {@code null} when it is larger than allowed (read no further than that). */
    private String body(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // Counted as it is read instead.
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = exchange.getRequestBody()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (out.size() + n > maxBodyBytes) {
                    return null;
                }
                out.write(buffer, 0, n);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void invalid(HttpExchange exchange, InvalidInputException e) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("error", "the task was not accepted; fix these and send it again");
        ArrayNode problems = out.putArray("problems");
        for (Problem p : e.problems()) {
            ObjectNode o = problems.addObject();
            o.put("field", p.field());
            if (p.location() != null && p.location().line() > 0) {
                o.put("at", p.location().line() + ":" + p.location().column());
            }
            o.put("message", p.message());
        }
        send(exchange, 400, out);
    }

    private static void notAllowed(HttpExchange exchange, String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        error(exchange, 405, exchange.getRequestMethod() + " is not taken here; use " + allowed);
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("error", message);
        send(exchange, status, out);
    }

    private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
