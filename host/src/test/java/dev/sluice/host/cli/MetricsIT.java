package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run --metrics-port} end to end: a real run serves its metrics, which Prometheus's own
 * checker accepts, and its health while tasks are still going.
 */
class MetricsIT {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aRunningPipelineServesMetricsThatPromtoolAcceptsAndItsHealth() throws Exception {
        Path promtool = Tools.require("promtool");
        Path go = dir.resolve("go");
        Path pipeline = dir.resolve("metrics.yaml");
        Files.writeString(pipeline, """
                plugins:
                  - id: files
                processes:
                  quick:
                    matrix: {n: [1, 2, 3]}
                    script: echo {{ Task.Param.n }}
                  broken:
                    script: exit 3
                    errorStrategy: ignore
                  hold:
                    script: while [ ! -e %1$s ]; do sleep 0.1; done
                  gated:
                    inputs: [%1$s]
                    hints: {files/stableFor: 100ms, files/pollInterval: 50ms}
                    script: cat %1$s
                """.formatted(go));
        Path log = dir.resolve("host.log");
        Process host = SluiceProcess.builder(dir, "run", pipeline.toString(), "--progress", "plain",
                "--metrics-port", "0").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            URI base = endpoint(log, host);
            // Wait until every task but the last two has ended, one runs and one waits in the files gate.
            JsonNode health = null;
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (System.nanoTime() < deadline) {
                health = new ObjectMapper().readTree(get(base.resolve("/healthz")).body());
                JsonNode tasks = health.path("tasks");
                if (tasks.path("succeeded").asInt() == 3 && tasks.path("ignored").asInt() == 1
                        && tasks.path("running").asInt() == 1 && tasks.path("gated").asInt() == 1) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(health.path("status").asText()).as("%s", health).isEqualTo("ok");
            assertThat(health.path("state").asText()).isEqualTo("running");
            assertThat(health.path("tasks").path("total").asInt()).isEqualTo(6);
            assertThat(health.path("tasks").path("running").asInt()).as("%s", health).isEqualTo(1);

            HttpResponse<String> scrape = get(base.resolve("/metrics"));
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            String metrics = scrape.body();
            Path file = dir.resolve("metrics.txt");
            Files.writeString(file, metrics, StandardCharsets.UTF_8);
            Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
                    .redirectErrorStream(true).start();
            String lint = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(check.exitValue()).as("promtool check metrics: %s", lint).isZero();
            assertThat(lint).as("promtool's lint of\n%s", metrics).isEmpty();

            assertThat(metrics)
                    .contains("sluice_tasks_total{labels=\"\",process=\"quick\",status=\"succeeded\"} 3.0")
                    .contains("sluice_tasks_total{labels=\"\",process=\"broken\",status=\"ignored\"} 1.0")
                    .contains("sluice_task_attempts_total{labels=\"\",process=\"broken\",status=\"failed\"} 1.0")
                    .contains("sluice_tasks_unfinished{labels=\"\",process=\"hold\",state=\"running\"} 1.0")
                    .contains("sluice_tasks_unfinished{labels=\"\",process=\"gated\",state=\"gated\"} 1.0")
                    .contains("sluice_task_duration_seconds_count{labels=\"\",process=\"quick\"} 3")
                    .contains("sluice_gate_wait_seconds_count{labels=\"\",process=\"quick\"} 3")
                    .contains("sluice_queue_wait_seconds_count{labels=\"\",process=\"quick\"} 3")
                    .contains("sluice_gate_calls_total{gate=\"files\"} 5.0")
                    .contains("sluice_gate_failures_total{gate=\"files\"} 0.0")
                    .contains("sluice_submissions_total{executor=\"local\"} 5.0")
                    .contains("sluice_executor_errors_total{call=\"poll\",executor=\"local\"} 0.0")
                    .contains("sluice_plugin_files_tasks_waited_total 1.0")
                    .containsPattern("sluice_run_info\\{pipeline=\"metrics\",run_id=\"\\d{8}-\\d{6}-[0-9a-f]{4}\"} 1");

            Files.writeString(go, "go\n");
            assertThat(host.waitFor(60, TimeUnit.SECONDS)).as("the run ends once %s exists", go).isTrue();
            assertThat(host.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            host.destroyForcibly();
        }
    }

    /** The endpoint's URL, from the line the run prints under its header. */
    private static URI endpoint(Path log, Process host) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline && host.isAlive()) {
            String line = Files.readString(log).lines().filter(l -> l.startsWith("Endpoint: ")).findFirst()
                    .orElse(null);
            if (line != null) {
                return URI.create(line.substring("Endpoint: ".length()).split(" ")[0]);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no Endpoint line in:\n" + Files.readString(log));
    }

    private HttpResponse<String> get(URI url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
