package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.DockerEngine;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A submitted task's own image and mounts on the real Docker Engine ({@code .ci/docker-up}): it runs in
 * the container its submission names, with the mount it names, and what the docker plugin
 * refuses (an image outside its allow-list, a mount outside its allowed host paths) is a 400 naming the
 * submission's field, before anything runs.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeDockerIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DockerEngine.require();
    }

    @Test
    void aTaskRunsInTheImageItNamesWithItsMountAndWhatThePluginRefusesIsA400() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "from the host\n");
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                serve:
                  classes:
                    box: {}
                process:
                  withLabel:
                    box: {executor: docker}
                plugins:
                  docker: {network: none, monitorPeriod: 1s, allowedImages: ["sluice-test/*"],
                           allowedHostPaths: ["%s"]}
                """.formatted(dir));
        List<String> output = new CopyOnWriteArrayList<>();
        ServedService served = ServedService.start(dir, config, output);
        try {
            String id = served.submit("""
                    {"class": "box", "execution": {"command": ["sh", "-c",
                     "test -f /.dockerenv && cat /data/in.txt && echo written > /data/out.txt 2>/dev/null || echo read-only"],
                     "image": "%s", "mounts": ["%s:/data:ro"]}}""".formatted(DockerEngine.TEST_IMAGE, data));
            JsonNode v = served.await(id, null);
            assertThat(v.get("state").asText()).as(v.toString()).isEqualTo("succeeded");
            assertThat(Files.readString(Path.of(v.get("work_dir").asText()).resolve(".command.out")))
                    .as("in a container, its mount there, read-only").isEqualTo("from the host\nread-only\n");

            HttpResponse<String> image = served.call("POST", "/v1/tasks", """
                    {"class": "box", "execution": {"command": ["true"], "image": "evil.example/miner:latest"}}""",
                    true);
            assertThat(image.statusCode()).as(image.body()).isEqualTo(400);
            JsonNode p = JSON.readTree(image.body()).get("problems").get(0);
            assertThat(p.get("field").asText()).isEqualTo("execution.image");
            assertThat(p.get("message").asText()).contains("evil.example/miner:latest", "allow-list");

            HttpResponse<String> mount = served.call("POST", "/v1/tasks", """
                    {"class": "box", "execution": {"command": ["true"], "image": "%s", "mounts": ["/:/host"]}}"""
                    .formatted(DockerEngine.TEST_IMAGE), true);
            assertThat(mount.statusCode()).as(mount.body()).isEqualTo(400);
            JsonNode m = JSON.readTree(mount.body()).get("problems").get(0);
            assertThat(m.get("field").asText()).isEqualTo("execution.mounts");
            assertThat(m.get("message").asText()).contains("is not among the host paths the operator lets tasks"
                    + " mount");
            assertThat(served.stop()).as(String.join("\n", output)).isZero();
        } finally {
            served.process.destroyForcibly();
        }
    }
}
