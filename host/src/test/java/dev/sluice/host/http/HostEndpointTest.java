package dev.sluice.host.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.CallbackEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The host's endpoint over real HTTP: callbacks reach their executor with the token, and only with it. */
class HostEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private HostEndpoint endpoint;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private CallbackEndpoint started() throws IOException {
        endpoint = HostEndpoint.start(InetAddress.getLoopbackAddress(), 0);
        return endpoint.register("slurm", (key, body) -> {
            received.add(key + "=" + body);
            return key.equals("42");
        });
    }

    private HttpResponse<String> post(URI url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCallbackWithTheTokenReachesTheExecutor() throws Exception {
        CallbackEndpoint callbacks = started();
        assertThat(callbacks.url().toString()).matches("http://127\\.0\\.0\\.1:\\d+/v1/callbacks/slurm");
        HttpResponse<String> r = post(URI.create(callbacks.url() + "/42"), callbacks.token(), "3\n");
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(received).containsExactly("42=3");
    }

    @Test
    void aCallbackWithoutTheRightTokenIsRefusedAndNeverReachesTheExecutor() throws Exception {
        CallbackEndpoint callbacks = started();
        assertThat(post(URI.create(callbacks.url() + "/42"), null, "0").statusCode()).isEqualTo(401);
        assertThat(post(URI.create(callbacks.url() + "/42"), callbacks.token() + "x", "0").statusCode()).isEqualTo(401);
        assertThat(received).isEmpty();
    }

    @Test
    void aKeysTokenIsAcceptedForThatKeyOnlySoATaskCanReportItsOwnEndAndNoOther() throws Exception {
        CallbackEndpoint callbacks = started();
        String own = callbacks.tokenFor("42");
        assertThat(own).isNotEqualTo(callbacks.token()).isNotEqualTo(callbacks.tokenFor("43")).hasSize(64);
        assertThat(post(URI.create(callbacks.url() + "/43"), own, "0").statusCode()).as("another task's key")
                .isEqualTo(401);
        assertThat(post(URI.create(callbacks.url() + "/4"), own, "0").statusCode()).isEqualTo(401);
        CallbackEndpoint docker = endpoint.register("docker", (key, body) -> true);
        assertThat(post(URI.create(docker.url() + "/42"), own, "0").statusCode()).as("the same key of another executor")
                .isEqualTo(401);
        assertThat(received).isEmpty();
        assertThat(post(URI.create(callbacks.url() + "/42"), own, "0").statusCode()).isEqualTo(204);
        assertThat(received).containsExactly("42=0");
    }

    @Test
    void unknownKeysExecutorsMethodsAndLongBodiesGetTheirOwnAnswers() throws Exception {
        CallbackEndpoint callbacks = started();
        assertThat(post(URI.create(callbacks.url() + "/7"), callbacks.token(), "0").statusCode()).isEqualTo(404);
        assertThat(post(URI.create(endpoint.url() + "/v1/callbacks/docker/42"), callbacks.token(), "0").statusCode())
                .as("slurm's token is not docker's").isEqualTo(401);
        assertThat(post(URI.create(callbacks.url() + "/42"), callbacks.token(), "x".repeat(5000)).statusCode())
                .isEqualTo(413);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(callbacks.url() + "/42"))
                .header("Authorization", "Bearer " + callbacks.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(received).containsExactly("7=0");
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        started();
        int port = endpoint.url().getPort();
        assertThatThrownBy(() -> HostEndpoint.start(InetAddress.getLoopbackAddress(), port))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot listen on 127.0.0.1:" + port)
                .hasMessageContaining("pick another --http-port (0 takes any free one) or --http-address");
        // sluice serve's options are --port and --address: the message names what the user can type.
        assertThatThrownBy(() -> HostEndpoint.start(InetAddress.getLoopbackAddress(), port, null,
                HostEndpoint.Options.SERVE)).isInstanceOf(IOException.class)
                .hasMessageContaining("pick another --port (0 takes any free one) or --address")
                .hasMessageNotContaining("--http");
    }

    @Test
    void aPageThatFailsIs500InWordsWithoutTheJavaType() throws Exception {
        endpoint = HostEndpoint.start(InetAddress.getLoopbackAddress(), 0, new HostEndpoint.Monitoring() {
            @Override
            public String metrics() {
                throw new IllegalStateException("registry closed");
            }

            @Override
            public String health() {
                return "{}";
            }
        });
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(500);
        assertThat(metrics.body()).isEqualTo("serving /metrics failed inside the host; its log has the cause\n")
                .doesNotContain("Exception").doesNotContain("java.");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(endpoint.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAndHealthAreServedWithoutAToken() throws Exception {
        endpoint = HostEndpoint.start(InetAddress.getLoopbackAddress(), 0, new HostEndpoint.Monitoring() {
            @Override
            public String metrics() {
                return "# TYPE up gauge\nup 1\n";
            }

            @Override
            public String health() {
                return "{\"status\":\"ok\"}\n";
            }
        });
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(metrics.body()).isEqualTo("# TYPE up gauge\nup 1\n");
        HttpResponse<String> health = get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}\n");
        assertThat(get("/metrics/more").statusCode()).isEqualTo(404);
        assertThat(post(URI.create(endpoint.url() + "/metrics"), null, "").statusCode()).isEqualTo(405);
    }

    @Test
    void readinessIs503WithTheHealthDocumentWhileNotReady() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean(false);
        endpoint = HostEndpoint.start(InetAddress.getLoopbackAddress(), 0, new HostEndpoint.Monitoring() {
            @Override
            public String metrics() {
                return "";
            }

            @Override
            public String health() {
                return "{\"executors\":{\"slurm\":\"down: sbatch not found\"}}\n";
            }

            @Override
            public boolean ready() {
                return ready.get();
            }
        });
        HttpResponse<String> notReady = get("/readyz");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("down: sbatch not found");
        assertThat(get("/healthz").statusCode()).as("health answers whatever readiness says").isEqualTo(200);
        ready.set(true);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void withoutMonitoringOnlyCallbacksAreServed() throws Exception {
        started();
        assertThat(get("/metrics").statusCode()).isEqualTo(404);
        assertThat(get("/healthz").statusCode()).isEqualTo(404);
    }
}
