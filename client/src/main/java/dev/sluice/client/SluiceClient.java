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
        return TaskInfo.of(call("GET", "/v1/tasks/" + id, null));
    }

    /**
     * Asks for the task to end; returns its state with {@code cancelRequested} set. A task that has ended
     * is an {@link ApiException} with status 409.
     */
    public TaskInfo cancel(String id) throws IOException, InterruptedException {
        return TaskInfo.of(call("DELETE", "/v1/tasks/" + id, null));
    }

    /**
     * Reads the task's state until it has ended, at most {@code timeout}; polls every 200 ms at first and
     * less often (up to every 5 s) as it goes on.
     *
     * @throws java.util.concurrent.TimeoutException when it has not ended in time
     */
    public TaskInfo awaitEnd(String id, Duration timeout)
            throws IOException, InterruptedException, java.util.concurrent.TimeoutException {
        Instant deadline = Instant.now().plus(timeout);
        long pause = 200;
        while (true) {
            TaskInfo info = get(id);
            if (info.state().isTerminal()) {
                return info;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new java.util.concurrent.TimeoutException("task " + id + " is still " + info.state().label()
                        + " after " + timeout);
            }
            Thread.sleep(pause);
            pause = Math.min(5_000, pause * 2);
        }
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
