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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve} as an orchestrator meets it: tasks of two classes submitted over the API run as
 * the config routes them, each reaches its end (a failure fails only its own task), a cancel ends a
 * running one, bad calls get JSON errors naming the field and the fix, and SIGTERM stops the service
 * with exit 0.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private String url;
    private String token;
    /** The service the helpers below call; set by {@link #startService}. */
    private ServedService served;

    private HttpResponse<String> call(String method, String path, String body, boolean authorized) throws Exception {
        return served.call(method, path, body, authorized);
    }

    private String submit(String body) throws Exception {
        return served.submit(body);
    }

    private JsonNode view(String id) throws Exception {
        return served.view(id);
    }

    private JsonNode await(String id, String state) throws Exception {
        return served.await(id, state);
    }

    @Test
    void tasksSubmittedOverTheApiRunUntilTheServiceIsStopped() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  classes:
                    quick: {}
                    tagged: {}
                process:
                  withLabel:
                    tagged:
                      env: {KIND: tagged}
                """);
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process service = startService(config, output);
        try {
            Path tokenFile = dir.resolve("work/api-token");
            long shown = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (output.isEmpty() && System.nanoTime() < shown) {
                Thread.sleep(10);
            }
            assertThat(output).first().isEqualTo("Token: in " + tokenFile
                    + " (made by sluice serve; set serve.auth in the config to choose one)");
            assertThat(Files.getPosixFilePermissions(tokenFile)).hasToString("[OWNER_READ, OWNER_WRITE]");

            List<String> ok = new ArrayList<>();
            List<String> failing = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ok.add(submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"true\"]}}"));
                failing.add(submit("{\"class\": \"quick\", \"execution\": {\"script\": \"exit 3\"}}"));
            }
            String tagged = submit("""
                    {"class": "tagged", "execution": {"script": "echo $KIND-$MINE", "env": {"MINE": "own"}},
                     "workflow_id": "wf-9", "tenant": "lab-a", "context": {"step": 2}}""");
            String sleeper = submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"sleep\", \"60\"]}}");

            for (String id : ok) {
                assertThat(await(id, null).get("state").asText()).isEqualTo("succeeded");
            }
            for (String id : failing) {
                JsonNode v = await(id, null);
                assertThat(v.get("state").asText()).isEqualTo("failed");
                assertThat(v.get("exit_code").asInt()).isEqualTo(3);
                assertThat(v.get("error").asText()).contains("exit");
            }
            JsonNode t = await(tagged, "succeeded");
            assertThat(Files.readString(Path.of(t.get("work_dir").asText()).resolve(".command.out")))
                    .isEqualTo("tagged-own\n");
            assertThat(t.get("workflow_id").asText()).isEqualTo("wf-9");
            assertThat(t.get("tenant").asText()).isEqualTo("lab-a");
            assertThat(t.get("context").get("step").asInt()).isEqualTo(2);
            assertThat(t.get("transitions").findValuesAsText("state"))
                    .containsExactly("pending", "queued", "running", "succeeded");

            // A failed task failed only itself: the service still takes and runs tasks.
            await(sleeper, "running");
            HttpResponse<String> cancel = call("DELETE", "/v1/tasks/" + sleeper, null, true);
            assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
            assertThat(JSON.readTree(cancel.body()).get("cancel_requested").asBoolean()).isTrue();
            JsonNode cancelled = await(sleeper, "cancelled");
            assertThat(cancelled.get("error").asText()).isEqualTo("cancelled through the API");
            assertThat(call("DELETE", "/v1/tasks/" + sleeper, null, true).statusCode()).isEqualTo(409);

            // Bad calls: JSON errors naming the field, the place and the fix; nothing queued.
            HttpResponse<String> bad = call("POST", "/v1/tasks", "{\"class\": \"quik\", \"execution\": {}}", true);
            assertThat(bad.statusCode()).isEqualTo(400);
            Map<String, String> byField = new java.util.HashMap<>();
            JSON.readTree(bad.body()).get("problems").forEach(p -> byField.put(p.get("field").asText(),
                    p.get("message").asText()));
            assertThat(byField.get("class")).contains("unknown class 'quik'; did you mean 'quick'?");
            assertThat(byField.get("execution")).contains("give command (a list) or script (a text)");
            assertThat(call("POST", "/v1/tasks", "{\"class\": \"quick\", \"execution\": {\"command\": [\"true\"]}}",
                    false).statusCode()).isEqualTo(401);
            assertThat(call("GET", "/v1/tasks/t-00000000000000000000000000", null, true).statusCode()).isEqualTo(404);
            assertThat(call("PUT", "/v1/tasks", "{}", true).statusCode()).isEqualTo(405);
            HttpResponse<String> notJson = call("POST", "/v1/tasks", "{\"class\": ", true);
            assertThat(notJson.statusCode()).isEqualTo(400);
            assertThat(notJson.body()).contains("malformed JSON").doesNotContain("YAML");

            // SIGTERM; Process.destroy() would also close our end of its output before the summary is read.
            assertThat(served.stop()).as(String.join("\n", output)).isZero();
            String all = output.stream().collect(Collectors.joining("\n"));
            assertThat(all).contains("11 succeeded, 10 failed, 1 cancelled").doesNotContain("Exception");
        } finally {
            service.destroyForcibly();
        }
    }

    /** Starts the service on {@code config}; returns it once its first lines are read (URL and token set). */
    private Process startService(Path config, List<String> output) throws Exception {
        served = ServedService.start(dir, config, output);
        url = served.url;
        token = served.token;
        return served.process;
    }

    @Test
    void nothingAcceptedIsLostWhenTheServiceIsKilledAndStartedAgain() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  onStop: end
                  classes:
                    quick: {}
                executors:
                  local: {queueSize: 2}
                """);
        List<String> before = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process first = startService(config, before);
        List<String> done = new ArrayList<>();
        List<String> sleepers = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        String cancelledWhileQueued;
        try {
            for (int i = 0; i < 5; i++) {
                done.add(submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"true\"]}}"));
            }
            for (String id : done) {
                await(id, "succeeded");
            }
            for (int i = 0; i < 2; i++) {
                sleepers.add(submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"sleep\", \"600\"]}}"));
            }
            for (String id : sleepers) {
                await(id, "running");
            }
            for (int i = 0; i < 3; i++) {
                waiting.add(submit("{\"class\": \"quick\", \"execution\": {\"script\": \"echo ran > "
                        + dir.resolve("ran-" + i) + "\"}}"));
            }
            cancelledWhileQueued = waiting.remove(2);
            assertThat(view(cancelledWhileQueued).get("state").asText()).isIn("pending", "queued");
            assertThat(call("DELETE", "/v1/tasks/" + cancelledWhileQueued, null, true).statusCode()).isEqualTo(202);
            await(cancelledWhileQueued, "cancelled");
            assertThat(view(waiting.get(0)).get("state").asText()).as("the queue is full").isIn("pending", "queued");
        } finally {
            first.destroyForcibly(); // kill -9: no stop, no summary, nothing flushed by the service itself
        }
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

        List<String> after = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process second = startService(config, after);
        try {
            for (String id : done) {
                assertThat(view(id).get("state").asText()).as("ended before the kill: answered from the ledger")
                        .isEqualTo("succeeded");
            }
            assertThat(view(cancelledWhileQueued).get("state").asText()).isEqualTo("cancelled");
            // The sleepers died with the killed host and run again, under their ids, first (in the order
            // they were accepted), so the waiting tasks are still queued behind them.
            for (String id : sleepers) {
                await(id, "running");
            }
            assertThat(view(waiting.get(0)).get("state").asText()).isIn("pending", "queued");
            for (String id : sleepers) {
                assertThat(call("DELETE", "/v1/tasks/" + id, null, true).statusCode()).isEqualTo(202);
                await(id, "cancelled");
            }
            for (String id : waiting) {
                await(id, "succeeded");
            }
            assertThat(dir.resolve("ran-0")).exists();
            assertThat(dir.resolve("ran-2")).as("cancelled before it started: never ran").doesNotExist();
            // A task the service's stop ends is not cancelled for the orchestrator: it runs at the next start.
            sleepers.clear();
            sleepers.add(submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"sleep\", \"600\"]}}"));
            await(sleepers.get(0), "running");
            assertThat(served.stop()).as(String.join("\n", after)).isZero();
        } finally {
            second.destroyForcibly();
        }
        // The cancelled one's end is written in the background: the kill may have come before it (then the
        // start cancels it from its cancel record instead).
        assertThat(String.join("\n", after)).containsPattern("Taken back from before the restart: (4 task\\(s\\) not"
                + " ended, which go on; 6|5 task\\(s\\) not ended, which go on; 5) ended, which GET still answers for");

        List<String> third = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process again = startService(config, third);
        try {
            JsonNode v = await(sleepers.get(0), "running");
            assertThat(v.get("cancel_requested").asBoolean()).isFalse();
            assertThat(call("DELETE", "/v1/tasks/" + sleepers.get(0), null, true).statusCode()).isEqualTo(202);
            await(sleepers.get(0), "cancelled");
            served.stop();
        } finally {
            again.destroyForcibly();
        }
        assertThat(String.join("\n", third)).contains("Taken back from before the restart: 1 task(s) not ended");
    }

    /**
     * The account: 1,000 tasks of three classes through the API from 8 threads, some cancelled,
     * the service killed (-9) in the middle and started again; every task ends as it should.
     */
    @Test
    void aThousandTasksOfMixedClassesAreAllAccountedForAcrossAKill() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  classes:
                    ok: {}
                    failing: {}
                    slow: {}
                executors:
                  local: {queueSize: 4}
                """);
        Map<String, String> bodies = Map.of(
                "ok", "{\"class\": \"ok\", \"execution\": {\"command\": [\"true\"]}}",
                "failing", "{\"class\": \"failing\", \"execution\": {\"script\": \"exit 1\"}}",
                "slow", "{\"class\": \"slow\", \"execution\": {\"command\": [\"sleep\", \"0.3\"]}}");
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process first = startService(config, output);
        Map<String, String> expected = new java.util.concurrent.ConcurrentHashMap<>();
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> submitted = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                submitted.add(threads.submit(() -> {
                    for (int i = thread; i < 1000; i += 8) {
                        String cls = i % 10 < 6 ? "ok" : i % 10 < 9 ? "failing" : "slow";
                        String id = submit(bodies.get(cls));
                        // Every other slow task is cancelled at once, in whatever state it is.
                        if (cls.equals("slow") && i % 20 == 9) {
                            HttpResponse<String> r = call("DELETE", "/v1/tasks/" + id, null, true);
                            assertThat(r.statusCode()).as(r.body()).isIn(202, 409);
                            // Asked in time it is cancelled, unless it was running and ended first.
                            expected.put(id, r.statusCode() == 202 ? "cancelled|succeeded" : "succeeded");
                        } else {
                            expected.put(id, cls.equals("failing") ? "failed" : "succeeded");
                        }
                    }
                    return null;
                }));
            }
            for (var f : submitted) {
                f.get(120, TimeUnit.SECONDS);
            }
        }
        assertThat(expected).hasSize(1000);
        // Killed while most tasks are still waiting their turn.
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Process second = startService(config, output);
        try {
            java.util.Set<String> open = new java.util.HashSet<>(expected.keySet());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            Map<String, String> ended = new java.util.HashMap<>();
            while (!open.isEmpty()) {
                assertThat(System.nanoTime()).as("%d tasks not ended, e.g. %s", open.size(), open.iterator().next())
                        .isLessThan(deadline);
                for (java.util.Iterator<String> it = open.iterator(); it.hasNext(); ) {
                    String id = it.next();
                    String state = view(id).get("state").asText();
                    if (List.of("succeeded", "failed", "cancelled").contains(state)) {
                        ended.put(id, state);
                        it.remove();
                    }
                }
                Thread.sleep(200);
            }
            assertThat(ended.keySet()).isEqualTo(expected.keySet());
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertThat(ended.get(e.getKey())).as(e.getKey()).matches(e.getValue());
            }
            // The kill came in the middle: some tasks had ended before it, and some had not.
            String takenBack = output.stream().filter(l -> l.startsWith("Taken back")).findFirst().orElseThrow();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) task\\(s\\) not ended.*; (\\d+) ended")
                    .matcher(takenBack);
            assertThat(m.find()).as(takenBack).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as(takenBack).isPositive();
            assertThat(Integer.parseInt(m.group(2))).as(takenBack).isPositive();
            assertThat(served.stop()).isZero();
        } finally {
            second.destroyForcibly();
        }
    }

    /** SIGTERM drains: nothing new is taken or started, running tasks end, queued ones wait for the next start. */
    @Test
    void aStopDrainsRunningTasksAndLeavesQueuedOnesForTheNextStart() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  drainTimeout: 1m
                  classes:
                    quick: {}
                executors:
                  local: {queueSize: 2}
                """);
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process service = startService(config, output);
        String running;
        String victim;
        String queued;
        Path go = dir.resolve("go");
        try {
            // Runs until the test says so: a drain waits for it, whatever the machine's pace.
            running = submit("{\"class\": \"quick\", \"execution\": {\"script\": \"while [ ! -e " + go
                    + " ]; do sleep 0.1; done; echo done\"}}");
            victim = submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"sleep\", \"600\"]}}");
            await(running, "running");
            await(victim, "running");
            queued = submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"true\"]}}");
            service.toHandle().destroy();
            // Taken no more while it drains.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int status;
            do {
                status = call("POST", "/v1/tasks", "{\"class\": \"quick\", \"execution\": {\"command\":"
                        + " [\"true\"]}}", true).statusCode();
            } while (status == 202 && System.nanoTime() < deadline);
            assertThat(status).isEqualTo(503);
            assertThat(view(running).get("state").asText()).isEqualTo("running");
            // A cancel is still taken while the service drains, and ends the task now.
            HttpResponse<String> cancel = call("DELETE", "/v1/tasks/" + victim, null, true);
            assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
            await(victim, "cancelled");
            Files.createFile(go);
            assertThat(service.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(service.exitValue()).as(String.join("\n", output)).isZero();
        } finally {
            service.destroyForcibly();
        }
        assertThat(String.join("\n", output)).contains("draining");
        Process again = startService(config, output);
        try {
            assertThat(view(running).get("state").asText()).as("it ended while the service drained")
                    .isEqualTo("succeeded");
            assertThat(view(victim).get("state").asText()).as("cancelled for good: not run again")
                    .isEqualTo("cancelled");
            await(queued, "succeeded");
            served.stop();
        } finally {
            again.destroyForcibly();
        }
    }

    /** A full class queue is a 429 that names the setting and says when to come back; nothing is kept. */
    @Test
    void aFullClassIsRefusedWith429AndRetryAfter() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  onStop: end
                  classes:
                    one: {maxQueued: 1}
                executors:
                  local: {queueSize: 1}
                """);
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process service = startService(config, output);
        try {
            String running = submit("{\"class\": \"one\", \"execution\": {\"command\": [\"sleep\", \"60\"]}}");
            await(running, "running");
            String waiting = submit("{\"class\": \"one\", \"execution\": {\"command\": [\"true\"]}}");
            HttpResponse<String> refused = call("POST", "/v1/tasks",
                    "{\"class\": \"one\", \"execution\": {\"command\": [\"true\"]}}", true);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).contains("5");
            assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("class 'one' has 1 tasks waiting"
                    + " to start, its limit (serve.classes.one.maxQueued); try again later");
            assertThat(call("DELETE", "/v1/tasks/" + running, null, true).statusCode()).isEqualTo(202);
            await(waiting, "succeeded");
            assertThat(call("POST", "/v1/tasks", "{\"class\": \"one\", \"execution\": {\"command\": [\"true\"]}}",
                    true).statusCode()).as("room again once the waiting task started").isEqualTo(202);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("sluice_serve_submissions_total{class=\"one\",outcome=\"limited\"} 1.0")
                    .contains("sluice_serve_submissions_total{class=\"one\",outcome=\"accepted\"} 3.0")
                    .contains("sluice_serve_cancels_total{outcome=\"accepted\"} 1.0")
                    .contains("sluice_serve_waiting ");
            served.stop();
        } finally {
            service.destroyForcibly();
        }
    }

    /** The Java client (sluice-client) against the real service: submit, wait, cancel, a refusal's problems. */
    @Test
    void theJavaClientSubmitsWaitsAndCancels() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                serve:
                  onStop: end
                  classes:
                    quick: {}
                """);
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process service = startService(config, output);
        try {
            dev.sluice.client.SluiceClient sluice = dev.sluice.client.SluiceClient.connect(URI.create(url), token);
            String id = sluice.submit(dev.sluice.client.TaskRequest.script("quick", "echo $WHO").withEnv("WHO", "me")
                    .withTenant("lab-a"));
            dev.sluice.client.TaskInfo done = sluice.awaitEnd(id, Duration.ofSeconds(60));
            assertThat(done.state()).isEqualTo(dev.sluice.client.TaskInfo.State.SUCCEEDED);
            assertThat(Files.readString(Path.of(done.workDir()).resolve(".command.out"))).isEqualTo("me\n");
            assertThat(done.raw().get("tenant").asText()).isEqualTo("lab-a");

            String sleeper = sluice.submit(dev.sluice.client.TaskRequest.command("quick", "sleep", "60"));
            assertThat(sluice.cancel(sleeper).cancelRequested()).isTrue();
            assertThat(sluice.awaitEnd(sleeper, Duration.ofSeconds(60)).state())
                    .isEqualTo(dev.sluice.client.TaskInfo.State.CANCELLED);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> sluice.submit(
                    dev.sluice.client.TaskRequest.command("quik", "true")))
                    .isInstanceOfSatisfying(dev.sluice.client.ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.problems()).singleElement().satisfies(p -> {
                            assertThat(p.field()).isEqualTo("class");
                            assertThat(p.message()).contains("did you mean 'quick'?");
                        });
                    });
            served.stop();
        } finally {
            service.destroyForcibly();
        }
    }

    /** A second service on the same work directory is refused before it touches anything there. */
    @Test
    void aSecondServiceOnOneWorkDirectoryIsRefused() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "serve:\n  onStop: end\n  classes:\n    quick: {}\n");
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process first = startService(config, output);
        try {
            String id = submit("{\"class\": \"quick\", \"execution\": {\"command\": [\"true\"]}}");
            await(id, "succeeded");
            // Its end is written in the background: wait for it, so that the file no longer changes.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(dir.resolve("work/tasks.jsonl")).contains("\"r\":\"ended\"")) {
                assertThat(System.nanoTime()).as("the end recorded").isLessThan(deadline);
                Thread.sleep(20);
            }
            byte[] ledger = Files.readAllBytes(dir.resolve("work/tasks.jsonl"));
            SluiceProcess.Result second = SluiceProcess.run(dir, "serve", "-c", config.toString(), "--port", "0", "-w",
                    dir.resolve("work").toString());
            assertThat(second.exitCode()).isEqualTo(2);
            assertThat(second.stderr()).contains("another sluice serve is using the work directory "
                    + dir.resolve("work")).doesNotContain("Exception");
            assertThat(Files.readAllBytes(dir.resolve("work/tasks.jsonl"))).as("its ledger untouched").isEqualTo(ledger);
            assertThat(view(id).get("state").asText()).isEqualTo("succeeded");
            served.stop();
        } finally {
            first.destroyForcibly();
        }
    }
}
