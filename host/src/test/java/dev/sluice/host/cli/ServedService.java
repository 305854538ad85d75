package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code sluice serve} of the built distribution on any free port, for the service's integration
 * tests, with calls to its API as an orchestrator makes them. Its output after the first line (the URL)
 * is collected into the list it is given.
 */
final class ServedService {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ENDS = List.of("succeeded", "failed", "cancelled");

    final Process process;
    final String url;
    final String token;
    private final Thread reader;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServedService(Process process, String url, String token, Thread reader) {
        this.process = process;
        this.url = url;
        this.token = token;
        this.reader = reader;
    }

    /** Starts a service on {@code config} with {@code dir/work} as its work directory. */
    static ServedService start(Path dir, Path config, List<String> output) throws Exception {
        Process process = SluiceProcess.builder(dir, "serve", "-c", config.toString(), "--port", "0", "-w",
                dir.resolve("work").toString()).redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = lines.readLine();
        assertThat(first).as("the first line is the URL").startsWith("sluice serve: http://127.0.0.1:");
        String token = Files.readString(dir.resolve("work/api-token")).strip();
        Thread reader = Thread.ofVirtual().start(() -> lines.lines().forEach(output::add));
        return new ServedService(process, first.substring("sluice serve: ".length()), token, reader);
    }

    HttpResponse<String> call(String method, String path, String body, boolean authorized) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (authorized) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a task (the whole body); it must be accepted, pending, at the place its Location names. */
    String submit(String body) throws Exception {
        HttpResponse<String> r = call("POST", "/v1/tasks", body, true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(r.headers().firstValue("Location")).contains("/v1/tasks/" + answer.get("id").asText());
        assertThat(answer.get("state").asText()).isEqualTo("pending");
        return answer.get("id").asText();
    }

    JsonNode view(String id) throws Exception {
        HttpResponse<String> r = call("GET", "/v1/tasks/" + id, null, true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Waits for the task to reach {@code state} (any final one when {@code null}); returns its view. */
    JsonNode await(String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JsonNode v = view(id);
            String now = v.get("state").asText();
            boolean terminal = ENDS.contains(now);
            if (state == null ? terminal : now.equals(state)) {
                return v;
            }
            assertThat(terminal).as("task %s ended %s, awaited %s: %s", id, now, state, v).isFalse();
            assertThat(System.nanoTime()).as("task %s still %s", id, now).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * SIGTERM, and the exit code once it ended. Through the process handle: Process.destroy() would also
     * close our end of its output before the summary is read.
     */
    int stop() throws InterruptedException {
        process.toHandle().destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
        reader.join(10_000);
        return process.exitValue();
    }

    /** kill -9, for tests of what a killed service leaves. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
}
