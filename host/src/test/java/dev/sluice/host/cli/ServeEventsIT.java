package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/events} as an orchestrator reads it, on the built distribution: a client sees every
 * task's end on the stream, with its state; it disconnects, tasks end while it is away, the service is
 * stopped (open streams get {@code event: shutdown}) and started again, and the client reconnects with
 * {@code Last-Event-ID}: it gets every event it missed, across the restart, and what it read in all is
 * every line of the service's event files, in order, none twice.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeEventsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ENDS = Set.of("succeeded", "failed", "cancelled");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The service the helpers call; set by {@link #startService}. */
    private ServedService served;

    @TempDir
    Path dir;

    private String url;
    private String token;

    /** One SSE event as the client read it. */
    record Frame(long id, String event, JsonNode data) {
        String task() {
            return data.path("task").asText(null);
        }

        String state() {
            return data.path("state").asText(null);
        }
    }

    /** A client reading one stream on its own thread, frame by frame, until the stream ends or it hangs up. */
    final class Sse implements AutoCloseable {
        final List<Frame> frames = new CopyOnWriteArrayList<>();
        final List<String> others = new CopyOnWriteArrayList<>();
        final InputStream body;
        final Thread reader;
        volatile boolean ended;

        Sse(String lastEventId, String query) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/v1/events" + query))
                    .header("Authorization", "Bearer " + token);
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream; charset=utf-8");
            body = r.body();
            reader = Thread.ofVirtual().start(this::read);
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                Long id = null;
                String event = null;
                String data = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("id: ")) {
                        id = Long.parseLong(line.substring(4));
                    } else if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data = line.substring(6);
                    } else if (line.isEmpty()) {
                        if (id != null) {
                            frames.add(new Frame(id, event, JSON.readTree(data)));
                        } else if (event != null) {
                            others.add(event + " " + data);
                        }
                        id = null;
                        event = null;
                        data = null;
                    }
                }
            } catch (IOException e) {
                // Hung up by the test.
            } finally {
                ended = true;
            }
        }

        /** The last frame of {@code task}, or {@code null}. */
        Frame last(String task) {
            Frame last = null;
            for (Frame f : frames) {
                if (task.equals(f.task())) {
                    last = f;
                }
            }
            return last;
        }

        void await(String what, Predicate<Sse> done) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!done.test(this)) {
                assertThat(System.nanoTime()).as("awaited %s; read %s", what, frames).isLessThan(deadline);
                Thread.sleep(20);
            }
        }

        /** Whether every one of {@code tasks} was last seen ended. */
        boolean ended(List<String> tasks) {
            return tasks.stream().allMatch(t -> last(t) != null && ENDS.contains(last(t).state()));
        }

        @Override
        public void close() throws Exception {
            body.close();
            reader.join(10_000);
        }
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return served.call(method, path, body, true);
    }

    private String submit(String execution) throws Exception {
        HttpResponse<String> r = call("POST", "/v1/tasks", "{\"class\": \"quick\", \"execution\": " + execution + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).get("id").asText();
    }

    private String state(String id) throws Exception {
        return JSON.readTree(call("GET", "/v1/tasks/" + id, null).body()).get("state").asText();
    }

    private void awaitState(String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!state(id).equals(state)) {
            assertThat(System.nanoTime()).as("task %s never %s", id, state).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private Process startService(Path config, List<String> output) throws Exception {
        served = ServedService.start(dir, config, output);
        url = served.url;
        token = served.token;
        return served.process;
    }

    private void stop(Process service, List<String> output) throws InterruptedException {
        assertThat(served.process).isSameAs(service);
        assertThat(served.stop()).as(String.join("\n", output)).isZero();
    }

    /** Every line of the service's event files, by number: what a client that missed nothing has read. */
    private Map<Long, String> eventFiles() throws IOException {
        Map<Long, String> byId = new TreeMap<>();
        try (Stream<Path> runs = Files.list(dir.resolve("work/runs"))) {
            for (Path run : runs.toList()) {
                List<String> lines = Files.readAllLines(run.resolve("events.jsonl"));
                for (int i = 0; i < lines.size(); i++) {
                    JsonNode e;
                    try {
                        e = JSON.readTree(lines.get(i));
                    } catch (IOException torn) {
                        // Only the last line of a killed service's file can be cut short; it was never sent.
                        assertThat(i).as("a torn line only at the end").isEqualTo(lines.size() - 1);
                        continue;
                    }
                    assertThat(byId.put(e.get("seq").asLong(), e.get("event").asText())).as("numbered once").isNull();
                }
            }
        }
        return byId;
    }

    @Test
    void aClientSeesEveryTasksEndAndAfterReconnectingAcrossARestartMissesNothing() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  onStop: end
                  classes:
                    quick: {}
                executors:
                  local: {queueSize: 4}
                """);
        List<String> output = new CopyOnWriteArrayList<>();
        Process first = startService(config, output);
        List<Frame> read = new ArrayList<>();
        List<String> ok = new ArrayList<>();
        List<String> failing = new ArrayList<>();
        List<String> sleepers = new ArrayList<>();
        List<String> whileAway = new ArrayList<>();
        long lastId;
        try {
            try (Sse stream = new Sse(null, "?after=0")) {
                for (int i = 0; i < 6; i++) {
                    ok.add(submit("{\"command\": [\"true\"]}"));
                }
                for (int i = 0; i < 3; i++) {
                    failing.add(submit("{\"script\": \"exit 3\"}"));
                }
                for (int i = 0; i < 2; i++) {
                    sleepers.add(submit("{\"command\": [\"sleep\", \"600\"]}"));
                }
                stream.await("every quick task's end, and the sleepers running", s -> s.ended(ok) && s.ended(failing)
                        && sleepers.stream().allMatch(t -> s.last(t) != null && "running".equals(s.last(t).state())));
                for (String id : ok) {
                    assertThat(stream.last(id).event()).isEqualTo("task_completed");
                    assertThat(stream.last(id).state()).isEqualTo("succeeded");
                    assertThat(state(id)).as("the stream and GET agree").isEqualTo("succeeded");
                }
                for (String id : failing) {
                    assertThat(stream.last(id).state()).isEqualTo("failed");
                    assertThat(stream.last(id).data().path("error").asText()).contains("exit");
                    assertThat(state(id)).isEqualTo("failed");
                }
                assertThat(stream.frames.get(0).event()).isEqualTo("run_started");
                assertThat(stream.frames).allSatisfy(f -> {
                    assertThat(f.data().get("seq").asLong()).isEqualTo(f.id());
                    assertThat(f.data().get("event").asText()).isEqualTo(f.event());
                    assertThat(f.data().has("state")).as("%s", f).isEqualTo(f.task() != null
                            && !f.event().startsWith("gate_") && !f.event().equals("task_status"));
                });
                read.addAll(stream.frames);
            }
            // Hung up. Meanwhile a cancel, and more tasks that end.
            lastId = read.get(read.size() - 1).id();
            assertThat(call("DELETE", "/v1/tasks/" + sleepers.get(0), null).statusCode()).isEqualTo(202);
            awaitState(sleepers.get(0), "cancelled");
            for (int i = 0; i < 3; i++) {
                whileAway.add(submit("{\"script\": \"echo away\"}"));
            }
            for (String id : whileAway) {
                awaitState(id, "succeeded");
            }
            // A stream open at the stop is told so, and ends.
            Sse open = new Sse(null, "");
            stop(first, output);
            open.await("the stream's end", s -> s.ended);
            assertThat(open.others).hasSize(1).first().asString().startsWith("shutdown {\"message\":\"the service is"
                    + " stopping");
            assertThat(open.frames).extracting(Frame::event).contains("run_finished");
        } finally {
            first.destroyForcibly();
        }

        Process second = startService(config, output);
        try (Sse resumed = new Sse(Long.toString(lastId), "")) {
            // The sleeper the stop ended runs again; cancelled now, for good.
            resumed.await("the stopped sleeper running again", s -> s.frames.stream().anyMatch(f ->
                    f.event().equals("run_started")) && "running".equals(s.last(sleepers.get(1)) == null ? null
                    : s.last(sleepers.get(1)).state()));
            assertThat(call("DELETE", "/v1/tasks/" + sleepers.get(1), null).statusCode()).isEqualTo(202);
            resumed.await("the last cancel", s -> s.ended(List.of(sleepers.get(1))));
            stop(second, output);
            resumed.await("the stream's end", s -> s.ended);
            assertThat(resumed.others).hasSize(1).first().asString().startsWith("shutdown ");

            assertThat(resumed.frames.get(0).id()).as("from the event after the last one read").isEqualTo(lastId + 1);
            for (String id : whileAway) {
                assertThat(resumed.last(id).state()).as("ended while the client was away").isEqualTo("succeeded");
            }
            assertThat(resumed.frames).filteredOn(f -> sleepers.get(0).equals(f.task())).extracting(Frame::event)
                    .containsExactly("task_cancelled");
            assertThat(resumed.frames).filteredOn(f -> sleepers.get(1).equals(f.task()))
                    .extracting(f -> f.event() + " " + f.state()).startsWith("task_cancelled cancelled",
                            "task_pending pending").endsWith("task_cancelled cancelled");
            read.addAll(resumed.frames);
        } finally {
            second.destroyForcibly();
        }
        // Everything the service wrote was read, in order, none twice: ids one after another, from 1.
        Map<Long, String> written = eventFiles();
        Map<Long, String> got = new TreeMap<>();
        for (Frame f : read) {
            assertThat(got.put(f.id(), f.event())).as("id %d read once", f.id()).isNull();
        }
        assertThat(read).extracting(Frame::id).isSorted();
        assertThat(got).isEqualTo(written);
        assertThat(got.keySet()).first().isEqualTo(1L);
        assertThat(got.keySet()).last().isEqualTo((long) got.size());
        assertThat(String.join("\n", output)).doesNotContain("Exception");
    }

    @Test
    void aClientReadingAcrossAKillOfTheServiceMissesNothingAndSeesNoIdTwice() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  onStop: end
                  classes:
                    quick: {}
                """);
        List<String> output = new CopyOnWriteArrayList<>();
        Process first = startService(config, output);
        List<Frame> read = new ArrayList<>();
        List<String> before = new ArrayList<>();
        List<String> across = new ArrayList<>();
        try (Sse stream = new Sse(null, "?after=0")) {
            for (int i = 0; i < 5; i++) {
                before.add(submit("{\"command\": [\"true\"]}"));
            }
            stream.await("their ends", s -> s.ended(before));
            // Two: the machine may have only two CPUs, and both run at once.
            for (int i = 0; i < 2; i++) {
                across.add(submit("{\"command\": [\"sleep\", \"5\"]}"));
            }
            stream.await("the sleepers running", s -> across.stream().allMatch(t -> s.last(t) != null
                    && "running".equals(s.last(t).state())));
            // kill -9: no stop, no flush, no goodbye to the stream.
            served.kill();
            stream.await("the stream's end", s -> s.ended);
            assertThat(stream.others).as("no shutdown event from a killed service").isEmpty();
            read.addAll(stream.frames);
        } finally {
            first.destroyForcibly();
        }
        long lastId = read.get(read.size() - 1).id();
        Process second = startService(config, output);
        try (Sse resumed = new Sse(Long.toString(lastId), "")) {
            // The sleepers, which died with the service, run again and end.
            resumed.await("the sleepers' ends", s -> s.ended(across));
            stop(second, output);
            resumed.await("the stream's end", s -> s.ended);
            assertThat(resumed.frames.get(0).id()).as("from the event after the last one read").isEqualTo(lastId + 1);
            read.addAll(resumed.frames);
        } finally {
            second.destroyForcibly();
        }
        // No id twice, none missing: what the killed service never wrote it never sent, and the next start
        // numbered on from what it had written.
        Map<Long, String> got = new TreeMap<>();
        for (Frame f : read) {
            assertThat(got.put(f.id(), f.event())).as("id %d read once", f.id()).isNull();
        }
        assertThat(read).extracting(Frame::id).isSorted();
        assertThat(got).isEqualTo(eventFiles());
        assertThat(got.keySet()).first().isEqualTo(1L);
        assertThat(got.keySet()).last().isEqualTo((long) got.size());
        for (String id : across) {
            assertThat(read.stream().filter(f -> id.equals(f.task())).reduce((a, b) -> b).orElseThrow().state())
                    .as("run again after the kill, to its end").isEqualTo("succeeded");
        }
    }
}
