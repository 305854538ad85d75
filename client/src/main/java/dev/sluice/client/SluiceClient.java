package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A client of {@code sluice serve}'s task API ({@code docs/user-guide/serve.md}): submit a task, read its
 * state, cancel it, wait for its end. Thread-safe; one client per service. Every call throws
 * {@link ApiException} for an answer the API gives as an error (with its status, message and, for a
 * refused submission, each problem), {@link RetryLaterException} when a limit asks to come back later.
 *
 * <pre>{@code
 * SluiceClient sluice = SluiceClient.connect(URI.create("http://127.0.0.1:8765"), token);
 * String id = sluice.submit(TaskRequest.command("cpu_short", "python3", "align.py").withTenant("lab-a"));
 * TaskInfo done = sluice.awaitEnd(id, Duration.ofMinutes(10));
 * }</pre>
 */
public final class SluiceClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http;

    private SluiceClient(URI base, String token, HttpClient http) {
        this.base = base;
        this.token = token;
        this.http = http;
    }

    /**
     * A client of the service at {@code base} (the URL {@code sluice serve} prints first), with its token.
     */
    public static SluiceClient connect(URI base, String token) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(token, "token");
        String url = base.toString();
        return new SluiceClient(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url),
                token.strip(), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    /** Submits a task; returns its id at once, before it runs. */
    public String submit(TaskRequest task) throws IOException, InterruptedException {
        JsonNode answer = call("POST", "/v1/tasks", task.toJson());
        return answer.get("id").asText();
    }

    /** The task's state now. */
    public TaskInfo get(String id) throws IOException, InterruptedException {
        return TaskInfo.of(call("GET", taskPath(id), null));
    }

    /**
     * Asks for the task to end; returns its state with {@code cancelRequested} set. A task that has ended
     * is an {@link ApiException} with status 409.
     */
    public TaskInfo cancel(String id) throws IOException, InterruptedException {
        return TaskInfo.of(call("DELETE", taskPath(id), null));
    }

    /**
     * The path of the task {@code id}, the id encoded as one path segment: an id is the caller's text, and
     * a '/', '?' or '#' in it must not reach another path of the API.
     *
     * @throws IllegalArgumentException for an id that no path segment can carry (empty, "." or "..")
     */
    static String taskPath(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException("'" + id + "' is not a task id; give the id that submit returned,"
                    + " e.g. t-01JFQ7ZB3KXN5P9Q2W8M4R6T0V");
        }
        StringBuilder path = new StringBuilder("/v1/tasks/");
        for (byte b : id.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            // RFC 3986's unreserved characters stand as they are; every other byte is percent-encoded.
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                path.append(c);
            } else {
                path.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return path.toString();
    }

    /**
     * Reads the task's state until it has ended, at most {@code timeout}; polls every 200 ms at first and
     * less often (up to every 5 s) as it goes on. The service being out of reach for a while (restarting,
     * a connection refused or timed out) is waited out at the same pace, and an answer asking to come back
     * later ({@link RetryLaterException}) after the time it names; any other error of the API ends the wait.
     *
     * @throws java.util.concurrent.TimeoutException when it has not ended in time; its cause is the last
     *                                               failure to reach the service, if the last read failed
     * @throws ApiException                          when the API answers with an error (a task not known: 404)
     */
    public TaskInfo awaitEnd(String id, Duration timeout)
            throws IOException, InterruptedException, java.util.concurrent.TimeoutException {
        Instant deadline = Instant.now().plus(timeout);
        long pause = 200;
        while (true) {
            long wait = pause;
            String still;
            IOException failure = null;
            try {
                TaskInfo info = get(id);
                if (info.state().isTerminal()) {
                    return info;
                }
                still = "is still " + info.state().label();
            } catch (RetryLaterException e) {
                failure = e;
                wait = Math.max(pause, e.retryAfter().toMillis());
                still = "could not be read: the service answered " + e.status() + " (" + e.getMessage() + ")";
            } catch (ApiException e) {
                throw e;
            } catch (IOException e) {
                // Connection refused, reset or timed out: a service restarting answers again in a moment.
                failure = e;
                still = "could not be read: " + unreachable(e);
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                java.util.concurrent.TimeoutException timedOut = new java.util.concurrent.TimeoutException("task "
                        + id + " " + still + " after " + timeout);
                timedOut.initCause(failure);
                throw timedOut;
            }
            // A last read at the deadline rather than a pause past it.
            Thread.sleep(Math.min(wait, left));
            pause = Math.min(5_000, pause * 2);
        }
    }

    /** Why the service could not be reached, in words. */
    private String unreachable(IOException e) {
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "connecting to " + base + " timed out";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return base + " did not answer within " + CALL_TIMEOUT.toSeconds() + " s";
        }
        if (e instanceof java.net.ConnectException) {
            return "nothing answers at " + base + " (connection refused)";
        }
        return "the connection to " + base + " failed" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }

    private JsonNode call(String method, String path, ObjectNode body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(CALL_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer;
        try {
            answer = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ApiException(response.statusCode(), "the service answered " + response.statusCode()
                    + " with a body that is not JSON; is " + base + " a sluice serve?", List.of());
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return answer;
        }
        String message = answer.path("error").asText("the service answered " + status);
        List<ApiException.Problem> problems = new ArrayList<>();
        for (JsonNode p : answer.path("problems")) {
            problems.add(new ApiException.Problem(p.path("field").asText(), p.path("at").asText(null),
                    p.path("message").asText()));
        }
        if (status == 429 || status == 503) {
            long seconds = response.headers().firstValueAsLong("Retry-After").orElse(5);
            throw new RetryLaterException(status, message, Duration.ofSeconds(seconds));
        }
        throw new ApiException(status, message, problems);
    }
}
