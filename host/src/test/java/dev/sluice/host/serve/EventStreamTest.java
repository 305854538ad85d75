package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.host.events.EventLog;
import dev.sluice.spi.testing.FakeTimeSource;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/events} on the JDK's server, as a client reads it: SSE frames with the number as id, the
 * event's name and its line with the task's state; filters; the shutdown event at the stop; and every
 * refusal a JSON error that names the fix.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventStreamTest {
    private static final String TOKEN = "0123456789abcdef0123";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private final FakeTimeSource time = new FakeTimeSource();
    private final HttpClient http = HttpClient.newHttpClient();
    private final TaskBoard board = new TaskBoard(time, v -> { }, id -> { });
    private EventFeed feed;
    private HttpServer server;
    private String url;
    private String labA;
    private String labB;
    private long seq;

    @BeforeEach
    void start() throws Exception {
        feed = new EventFeed(16, 0, new EventArchive(work), time);
        labA = accepted("lab-a");
        labB = accepted("lab-b");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(EventStream.PATH, new EventStream(feed, new BearerAuth(TOKEN), board, Set.of("quick",
                "slow"), 1));
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        feed.close();
        server.stop(0);
    }

    private String accepted(String tenant) {
        String id = TaskIds.next(time.now().toEpochMilli());
        Submission s = Submission.command("quick", List.of("true"));
        board.accepted(TaskView.accepted(id, new Submission(s.taskClass(), s.execution(), Map.of(), List.of(), null,
                new Submission.Origin("wf-1", tenant, null)), Instant.now()));
        return id;
    }

    /** Events as the event log hands them over: "name task". */
    private void turn(String... events) {
        List<EventLog.Line> lines = new ArrayList<>();
        for (String e : events) {
            String[] parts = e.split(" ");
            String task = parts.length > 1 ? parts[1] : null;
            long n = ++seq;
            lines.add(new EventLog.Line(n, parts[0], task, "{\"run\":\"r\",\"seq\":" + n + ",\"event\":\"" + parts[0]
                    + "\"" + (task == null ? "" : ",\"task\":\"" + task + "\"") + "}"));
        }
        feed.written(lines);
    }

    private HttpResponse<InputStream> open(String query, String lastEventId, boolean authorized) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + EventStream.PATH + query))
                .timeout(Duration.ofSeconds(10));
        if (authorized) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private JsonNode refused(String query, String lastEventId, boolean authorized, int status) throws Exception {
        HttpResponse<InputStream> r = open(query, lastEventId, authorized);
        String body;
        try (InputStream in = r.body()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(r.statusCode()).as(body).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(body).doesNotContain("Exception");
        return JSON.readTree(body);
    }

    /** The next frame's lines (up to the blank line that ends it), or {@code null} at the stream's end. */
    private static List<String> frame(BufferedReader in) throws Exception {
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                return lines;
            }
            lines.add(line);
        }
        return lines.isEmpty() ? null : lines;
    }

    @Test
    void eachEventIsAFrameWithItsIdNameAndLineWithTheStateAndTheStopEndsTheStream() throws Exception {
        turn("run_started", "task_pending " + labA);
        HttpResponse<InputStream> r = open("?after=1", null, true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream; charset=utf-8");
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertThat(frame(in)).containsExactly(": sluice events after 1");
            assertThat(frame(in)).containsExactly("id: 2", "event: task_pending", "data: {\"run\":\"r\",\"seq\":2,"
                    + "\"event\":\"task_pending\",\"task\":\"" + labA + "\",\"state\":\"pending\"}");
            turn("task_failed " + labA, "task_retried " + labA, "task_failed " + labA);
            assertThat(frame(in)).contains("id: 3", "event: task_failed").last().asString().endsWith(
                    "\"state\":\"pending\"}");
            assertThat(frame(in)).contains("id: 4", "event: task_retried");
            assertThat(frame(in)).contains("id: 5", "event: task_failed").last().asString().endsWith(
                    "\"state\":\"failed\"}");
            time.awaitSleepers(1, Duration.ofSeconds(5));
            time.advance(EventFeed.PING);
            assertThat(frame(in)).containsExactly(": ping");
            turn("run_finished");
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(feed::close);
            assertThat(frame(in)).containsExactly("id: 6", "event: run_finished", "data: {\"run\":\"r\",\"seq\":6,"
                    + "\"event\":\"run_finished\"}");
            List<String> shutdown = frame(in);
            assertThat(shutdown.get(0)).isEqualTo("event: shutdown");
            assertThat(shutdown.get(1)).startsWith("data: {\"message\":\"the service is stopping; connect again with"
                    + " Last-Event-ID");
            assertThat(frame(in)).as("the stream ends").isNull();
            stopping.get(5, TimeUnit.SECONDS);
        }
        JsonNode after = refused("", null, true, 503);
        assertThat(after.get("error").asText()).contains("the service is stopping; connect again with Last-Event-ID");
    }

    @Test
    void aStreamFilteredByTenantGetsThatTenantsTasksAndTheRunsOwnEvents() throws Exception {
        HttpResponse<InputStream> r = open("?tenant=lab-b&class=quick", "0", true);
        assertThat(r.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            frame(in);
            turn("run_started", "task_pending " + labA, "task_pending " + labB, "task_completed " + labA,
                    "task_cancelled " + labB);
            assertThat(frame(in)).contains("id: 1", "event: run_started");
            assertThat(frame(in)).contains("id: 3", "event: task_pending");
            assertThat(frame(in)).contains("id: 5", "event: task_cancelled").last().asString()
                    .contains(labB).endsWith("\"state\":\"cancelled\"}");
        }
    }

    @Test
    void badCallsGetAJsonErrorNamingTheFix() throws Exception {
        JsonNode noToken = refused("", null, false, 401);
        assertThat(noToken.get("error").asText()).contains("Authorization: Bearer <token>");
        assertThat(refused("", "last", true, 400).get("error").asText()).isEqualTo("Last-Event-ID 'last' is not an"
                + " event id; send the id: of the last event received (a whole number), or no Last-Event-ID to start"
                + " from new events");
        assertThat(refused("?after=-3", null, true, 400).get("error").asText()).startsWith("after=-3 is not one event"
                + " id; give the id: of the last event received");
        assertThat(refused("?clas=quick", null, true, 400).get("error").asText()).isEqualTo("unknown parameter 'clas';"
                + " did you mean 'class'?; the parameters are task, class, tenant, workflow_id, after");
        assertThat(refused("?class=quik", null, true, 400).get("error").asText()).isEqualTo("unknown class 'quik';"
                + " did you mean 'quick'?; the classes are quick, slow");
        assertThat(refused("?tenant=", null, true, 400).get("error").asText()).contains("has no value");
        assertThat(refused("?task=nope", null, true, 400).get("error").asText()).contains("ids look like t-");
        assertThat(refused("?task=t-00000000000000000000000000", null, true, 404).get("error").asText())
                .startsWith("no task t-00000000000000000000000000");
    }

    @Test
    void aStreamOverTheLimitGets429WithRetryAfter() throws Exception {
        HttpResponse<InputStream> first = open("", null, true);
        assertThat(first.statusCode()).isEqualTo(200);
        HttpResponse<InputStream> second = open("", null, true);
        String body = new String(second.body().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Retry-After")).contains("10");
        assertThat(JSON.readTree(body).get("error").asText()).startsWith("this service already serves 1 event streams");
        first.body().close();
    }
}
