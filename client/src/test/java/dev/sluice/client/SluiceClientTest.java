package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against a hand-written stand-in of the API: what it sends (token, JSON, paths) and how it
 * reads each answer, errors included. The real service is exercised in the host's ServeIT.
 */
class SluiceClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request the stand-in received. */
    record Seen(String method, String path, String authorization, String contentType, String body) {
    }

    /** The answers the stand-in gives, in order: status, headers ("Name: value"), body. */
    record Answer(int status, List<String> headers, String body) {
    }

    private HttpServer server;
    private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private SluiceClient client;

    @BeforeEach
    void start() throws Exception {
        serve(0);
        client = SluiceClient.connect(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                " s3cret-token-of-the-service \n");
    }

    /** Starts the stand-in on {@code port}: again on the same port, it is the service back after a restart. */
    private void serve(int port) throws java.io.IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                Answer a = answers.poll();
                for (String h : a.headers()) {
                    exchange.getResponseHeaders().set(h.substring(0, h.indexOf(':')), h.substring(h.indexOf(':') + 1).strip());
                }
                byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(a.status(), body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static final String VIEW = """
            {"id": "t-1", "class": "gpu", "state": "%s", "transitions": [
              {"state": "pending", "at": "2026-12-04T10:00:00Z"}, {"state": "%s", "at": "2026-12-04T10:00:01Z"}],
             "attempts": 1, "exit_code": %s, "error": %s, "work_dir": "/w/ab/cd", "cancel_requested": %s,
             "stderr_tail": ["loading", "no reads"], "devices": {"gpu": ["GPU-1"]},
             "callback": {"url": "https://orch.lab/done", "state": "waiting", "tries": 0, "last_error": null}}""";

    @Test
    void aSubmissionIsSentAsTheApiTakesIt() throws Exception {
        answers.add(new Answer(202, List.of("Location: /v1/tasks/t-1"), "{\"id\": \"t-1\", \"state\": \"pending\"}"));
        String id = client.submit(TaskRequest.command("gpu", "python3", "train.py").withEnv("EPOCHS", "3")
                .withInputs("/data/x").withTenant("lab-a").withWorkflowId("wf-9")
                .withImage("ghcr.io/lab/train:2").withMounts("/refs:/refs:ro").withCpus(4).withMemory("16GiB")
                .withTime(Duration.ofMinutes(90)).withAccelerators(1, "nvidia-h100").withHint("files/maxWait", "5m")
                .withCallback(java.net.URI.create("https://orch.lab/done"), "cb")
                .withContext(JSON.readTree("{\"step\": 2}")));
        assertThat(id).isEqualTo("t-1");
        Seen s = seen.poll();
        assertThat(s.method()).isEqualTo("POST");
        assertThat(s.path()).isEqualTo("/v1/tasks");
        assertThat(s.authorization()).isEqualTo("Bearer s3cret-token-of-the-service");
        assertThat(s.contentType()).isEqualTo("application/json");
        JsonNode body = JSON.readTree(s.body());
        assertThat(body).isEqualTo(JSON.readTree("""
                {"class": "gpu", "execution": {"command": ["python3", "train.py"], "env": {"EPOCHS": "3"},
                  "image": "ghcr.io/lab/train:2", "mounts": ["/refs:/refs:ro"],
                  "resources": {"cpus": 4, "memory": "16GiB", "time": "5400s", "accelerators": 1,
                                "acceleratorType": "nvidia-h100"}},
                 "hints": {"files/maxWait": "5m"}, "callback": {"url": "https://orch.lab/done", "token": "cb"},
                 "inputs": ["/data/x"], "workflow_id": "wf-9", "tenant": "lab-a", "context": {"step": 2}}"""));
        TaskRequest plain = TaskRequest.script("c", "true");
        assertThat(plain.withTenant("a")).as("a copy; the original unchanged").isNotEqualTo(plain);
        assertThat(plain.toJson()).isEqualTo(JSON.readTree("{\"class\": \"c\", \"execution\": {\"script\": \"true\"}}"));
    }

    @Test
    void aViewIsReadAndAwaitingStopsAtTheEnd() throws Exception {
        answers.add(new Answer(200, List.of(), VIEW.formatted("running", "running", "null", "null", "false")));
        answers.add(new Answer(200, List.of(), VIEW.formatted("failed", "failed", "3", "\"exited with code 3\"",
                "false")));
        TaskInfo ended = client.awaitEnd("t-1", Duration.ofSeconds(10));
        assertThat(ended.state()).isEqualTo(TaskInfo.State.FAILED);
        assertThat(ended.exitCode()).isEqualTo(3);
        assertThat(ended.error()).isEqualTo("exited with code 3");
        assertThat(ended.workDir()).isEqualTo("/w/ab/cd");
        assertThat(ended.stderrTail()).containsExactly("loading", "no reads");
        assertThat(ended.devices()).containsExactly(java.util.Map.entry("gpu", List.of("GPU-1")));
        assertThat(ended.callbackState()).contains("waiting");
        assertThat(ended.transitions()).extracting(TaskInfo.Transition::state)
                .containsExactly(TaskInfo.State.PENDING, TaskInfo.State.FAILED);
        assertThat(seen).extracting(Seen::path).containsExactly("/v1/tasks/t-1", "/v1/tasks/t-1");

        answers.add(new Answer(202, List.of(), VIEW.formatted("running", "running", "null", "null", "true")));
        assertThat(client.cancel("t-1").cancelRequested()).isTrue();
        assertThat(seen).extracting(Seen::method).endsWith("DELETE");
    }

    @Test
    void errorsCarryTheStatusTheMessageAndEachProblem() {
        answers.add(new Answer(400, List.of(), """
                {"error": "the task was not accepted; fix these and send it again", "problems": [
                  {"field": "class", "at": "1:11", "message": "unknown class 'gpus'; did you mean 'gpu'?"}]}"""));
        assertThatThrownBy(() -> client.submit(TaskRequest.script("gpus", "true")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("the task was not accepted; fix these and send it again");
                    assertThat(e.problems()).containsExactly(new ApiException.Problem("class", "1:11",
                            "unknown class 'gpus'; did you mean 'gpu'?"));
                });
        answers.add(new Answer(429, List.of("Retry-After: 7"), "{\"error\": \"class 'gpu' has 2 tasks waiting\"}"));
        assertThatThrownBy(() -> client.submit(TaskRequest.script("gpu", "true")))
                .isInstanceOfSatisfying(RetryLaterException.class, e -> {
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(e.getMessage()).contains("2 tasks waiting");
                });
        answers.add(new Answer(502, List.of(), "<html>bad gateway</html>"));
        assertThatThrownBy(() -> client.get("t-1")).isInstanceOf(ApiException.class)
                .hasMessageContaining("not JSON; is http://127.0.0.1:");
    }

    @Test
    void anIdIsSentAsOnePathSegment() throws Exception {
        answers.add(new Answer(404, List.of(), "{\"error\": \"no task a/b\"}"));
        assertThatThrownBy(() -> client.get("../admin?x=1#y /\u00e9")).isInstanceOf(ApiException.class);
        assertThat(seen.poll().path()).isEqualTo("/v1/tasks/..%2Fadmin%3Fx%3D1%23y%20%2F%C3%A9");
        answers.add(new Answer(409, List.of(), "{\"error\": \"ended\"}"));
        assertThatThrownBy(() -> client.cancel("t-1/x")).isInstanceOf(ApiException.class);
        assertThat(seen.poll()).extracting(Seen::method, Seen::path).containsExactly("DELETE", "/v1/tasks/t-1%2Fx");
        for (String id : List.of("", ".", "..")) {
            assertThatThrownBy(() -> client.get(id)).as(id).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + id + "' is not a task id; give the id that submit returned, e.g."
                            + " t-01JFQ7ZB3KXN5P9Q2W8M4R6T0V");
        }
        assertThat(seen).isEmpty();
    }

    @Test
    void awaitingWaitsOutAServiceThatRestarts() throws Exception {
        int port = server.getAddress().getPort();
        answers.add(new Answer(200, List.of(), VIEW.formatted("running", "running", "null", "null", "false")));
        answers.add(new Answer(200, List.of(), VIEW.formatted("succeeded", "succeeded", "0", "null", "false")));
        java.util.concurrent.CompletableFuture<TaskInfo> ended = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return client.awaitEnd("t-1", Duration.ofSeconds(20));
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        // The first read is answered; then the service is down (connections refused) for a while.
        while (seen.isEmpty()) {
            Thread.sleep(5);
        }
        server.stop(0);
        Thread.sleep(1_000);
        assertThat(ended).isNotDone();
        serve(port);
        TaskInfo info = ended.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(info.state()).isEqualTo(TaskInfo.State.SUCCEEDED);
        assertThat(seen).hasSize(2);
    }

    @Test
    void awaitingComesBackAfterTheRetryAfterOfA503() throws Exception {
        answers.add(new Answer(503, List.of("Retry-After: 1"), "{\"error\": \"the service is stopping\"}"));
        answers.add(new Answer(200, List.of(), VIEW.formatted("succeeded", "succeeded", "0", "null", "false")));
        long start = System.nanoTime();
        assertThat(client.awaitEnd("t-1", Duration.ofSeconds(20)).state()).isEqualTo(TaskInfo.State.SUCCEEDED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(seen).hasSize(2);
    }

    @Test
    void awaitingAServiceThatStaysDownTimesOutWithTheReason() {
        int port = server.getAddress().getPort();
        server.stop(0);
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.awaitEnd("t-1", Duration.ofMillis(800)))
                .isInstanceOfSatisfying(java.util.concurrent.TimeoutException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("task t-1 could not be read: nothing answers at"
                            + " http://127.0.0.1:" + port + " (connection refused) after PT0.8S");
                    assertThat(e.getCause()).isInstanceOf(java.net.ConnectException.class);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void awaitingEndsAtAnErrorOfTheApi() {
        answers.add(new Answer(404, List.of(), "{\"error\": \"no task t-1\"}"));
        assertThatThrownBy(() -> client.awaitEnd("t-1", Duration.ofSeconds(20)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(seen).hasSize(1);
    }
}
