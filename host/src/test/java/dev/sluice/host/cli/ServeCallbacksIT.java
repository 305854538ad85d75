package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a submitted task sets itself and what it is told back, through the real service: its own
 * resources within its class's bounds, the end of its stderr, and its callback, retried until the
 * orchestrator's receiver takes it, across a restart of the service.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeCallbacksIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A receiver of callbacks: answers 503 to the first {@code refusals} calls, then 204. */
    private record Receiver(HttpServer server, BlockingQueue<String> calls) {
        static Receiver on(int port, int refusals) throws Exception {
            BlockingQueue<String> calls = new LinkedBlockingQueue<>();
            AtomicInteger seen = new AtomicInteger();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.createContext("/done", exchange -> {
                try (exchange) {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    calls.add(exchange.getRequestHeaders().getFirst("Authorization") + " " + body);
                    int status = seen.incrementAndGet() <= refusals ? 503 : 204;
                    exchange.sendResponseHeaders(status, -1);
                }
            });
            server.start();
            return new Receiver(server, calls);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/done";
        }
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), """
                serve:
                  metricLabels: [tenant]
                  classes:
                    quick:
                      maxResources: {cpus: 2, time: 1h}
                  callbacks: {allowedHosts: [127.0.0.1]}
                """);
    }

    @Test
    void aTaskAsksForItsOwnResourcesWithinItsClassAndShowsTheEndOfItsStderr() throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        ServedService served = ServedService.start(dir, config(), output);
        try {
            String id = served.submit("""
                    {"class": "quick", "execution": {"script": "echo one >&2; echo two >&2; sleep 30",
                     "resources": {"cpus": 2, "time": "1s"}}, "tenant": "lab-a", "workflow_id": "wf-7"}""");
            JsonNode v = served.await(id, null);
            assertThat(v.get("state").asText()).isEqualTo("failed");
            assertThat(v.get("error").asText()).as("its own time limit, not the class's hour").contains("time limit of 1s");
            assertThat(v.get("stderr_tail")).extracting(JsonNode::asText).containsExactly("one", "two");

            HttpResponse<String> tooBig = served.call("POST", "/v1/tasks", """
                    {"class": "quick", "execution": {"command": ["true"], "resources": {"cpus": 3}},
                     "hints": {"files/maxWait": "1m"}}""", true);
            assertThat(tooBig.statusCode()).isEqualTo(400);
            JsonNode problems = JSON.readTree(tooBig.body()).get("problems");
            assertThat(problems.findValuesAsText("field")).containsExactly("hints.files/maxWait",
                    "execution.resources.cpus");
            assertThat(problems.get(1).get("message").asText()).isEqualTo("asks for 3 CPUs; class 'quick' allows at"
                    + " most 2 (serve.classes.quick.maxResources.cpus)");
            // Its tenant and workflow go with it: on every event line about it, on the service's audit lines in
            // the JSON log, and as the metric label the operator chose.
            Path runDir;
            try (var runs = Files.list(dir.resolve("work/runs"))) {
                runDir = runs.filter(Files::isDirectory).findFirst().orElseThrow();
            }
            List<JsonNode> events = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(runDir.resolve("events.jsonl"))) {
                JsonNode e = JSON.readTree(line);
                if (id.equals(e.path("task").asText())) {
                    events.add(e);
                }
            }
            assertThat(events).isNotEmpty().allSatisfy(e -> {
                assertThat(e.get("tenant").asText()).isEqualTo("lab-a");
                assertThat(e.get("workflow_id").asText()).isEqualTo("wf-7");
            });
            List<JsonNode> audit = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(runDir.resolve("log.jsonl"))) {
                JsonNode l = JSON.readTree(line);
                if (l.path("logger").asText().equals("sluice.serve.audit") && id.equals(l.path("task").asText())) {
                    audit.add(l);
                }
            }
            assertThat(audit).extracting(l -> l.get("message").asText()).containsExactly("task accepted");
            assertThat(audit).allSatisfy(l -> assertThat(l.get("tenant").asText()).isEqualTo("lab-a"));
            String metrics = served.call("GET", "/metrics", null, false).body();
            assertThat(metrics).contains("sluice_serve_tasks_ended_total{class=\"quick\",state=\"failed\",tenant=\"lab-a\"} 1.0");
            assertThat(served.stop()).isZero();
        } finally {
            served.process.destroyForcibly();
        }
    }

    @Test
    void aCallbackIsRetriedUntilTakenAndOneNotTakenBeforeAStopIsSentAfterTheNextStart() throws Exception {
        Receiver receiver = Receiver.on(0, 1);
        int downPort;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            downPort = free.getLocalPort();
        }
        List<String> output = new CopyOnWriteArrayList<>();
        ServedService served = ServedService.start(dir, config(), output);
        String later;
        try {
            String id = served.submit("""
                    {"class": "quick", "execution": {"script": "echo done"},
                     "callback": {"url": "%s", "token": "orchestrator-secret"}}""".formatted(receiver.url()));
            // Refused once (503), taken at the second try a second later.
            String first = receiver.calls().poll(30, TimeUnit.SECONDS);
            String second = receiver.calls().poll(30, TimeUnit.SECONDS);
            assertThat(first).isEqualTo(second);
            assertThat(second).startsWith("Bearer orchestrator-secret {");
            JsonNode sent = JSON.readTree(second.substring(second.indexOf('{')));
            assertThat(sent.get("id").asText()).isEqualTo(id);
            assertThat(sent.get("state").asText()).isEqualTo("succeeded");
            assertThat(sent.get("exit_code").asInt()).isZero();
            assertThat(sent.has("callback")).as("the body is the task's view, less its callback's own state").isFalse();
            JsonNode delivered = awaitCallback(served, id, "delivered");
            assertThat(delivered.get("tries").asInt()).isEqualTo(2);
            assertThat(delivered.toString()).doesNotContain("orchestrator-secret");

            // A receiver that is down: the task ends, its callback waits for it, and the service stops.
            later = served.submit("""
                    {"class": "quick", "execution": {"command": ["true"]},
                     "callback": "http://127.0.0.1:%d/done"}""".formatted(downPort));
            JsonNode waiting = awaitCallback(served, later, "waiting");
            assertThat(waiting.get("last_error").asText()).isEqualTo("connection refused");
            assertThat(served.stop()).isZero();
        } finally {
            served.process.destroyForcibly();
            receiver.server().stop(0);
        }
        Receiver back = Receiver.on(downPort, 0);
        ServedService again = ServedService.start(dir, config(), output);
        try {
            String call = back.calls().poll(30, TimeUnit.SECONDS);
            assertThat(call).as("sent after the restart").isNotNull().startsWith("null {");
            assertThat(JSON.readTree(call.substring(call.indexOf('{'))).get("id").asText()).isEqualTo(later);
            assertThat(awaitCallback(again, later, "delivered").get("tries").asInt()).isEqualTo(1);
            assertThat(again.stop()).isZero();
        } finally {
            again.process.destroyForcibly();
            back.server().stop(0);
        }
        // Delivered once: a third start sends nothing again.
        Receiver quiet = Receiver.on(downPort, 0);
        ServedService third = ServedService.start(dir, config(), output);
        try {
            assertThat(quiet.calls().poll(3, TimeUnit.SECONDS)).isNull();
            assertThat(third.view(later).get("callback").get("state").asText()).isEqualTo("delivered");
            assertThat(third.stop()).isZero();
        } finally {
            third.process.destroyForcibly();
            quiet.server().stop(0);
        }
    }

    @Test
    void aTaskTakenBackAtARestartIsJudgedByTheConfigOfThatStart() throws Exception {
        String config = """
                serve:
                  onStop: end
                  classes:
                    quick:
                      maxResources: {cpus: %d}
                executors:
                  local: {queueSize: 1}
                """;
        Path file = Files.writeString(dir.resolve("config.yaml"), config.formatted(2));
        List<String> output = new CopyOnWriteArrayList<>();
        ServedService served = ServedService.start(dir, file, output);
        String waiting;
        try {
            String sleeper = served.submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"sleep\", \"60\"]}}");
            served.await(sleeper, "running");
            waiting = served.submit("""
                    {"class": "quick", "execution": {"command": ["true"], "resources": {"cpus": 2}}}""");
            assertThat(served.view(waiting).get("state").asText()).isIn("pending", "queued");
            assertThat(served.stop()).isZero();
        } finally {
            served.process.destroyForcibly();
        }
        // The operator lowers the bound; the task accepted under the old one fails, saying why.
        Files.writeString(file, config.formatted(1));
        ServedService again = ServedService.start(dir, file, output);
        try {
            JsonNode v = again.await(waiting, null);
            assertThat(v.get("state").asText()).isEqualTo("failed");
            assertThat(v.get("error").asText()).isEqualTo("the config changed since it was accepted, and it may no"
                    + " longer run: execution.resources.cpus: asks for 2 CPUs; class 'quick' allows at most 1"
                    + " (serve.classes.quick.maxResources.cpus)");
            assertThat(v.get("attempts").asInt()).isZero();
            assertThat(again.stop()).isZero();
        } finally {
            again.process.destroyForcibly();
        }
    }

    private static JsonNode awaitCallback(ServedService served, String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode c = served.view(id).get("callback");
            if (c != null && c.get("state").asText().equals(state) && (!state.equals("waiting")
                    || c.get("tries").asInt() > 0)) {
                return c;
            }
            assertThat(System.nanoTime()).as("callback of %s: %s", id, c).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
