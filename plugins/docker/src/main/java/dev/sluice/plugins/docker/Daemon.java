package dev.sluice.plugins.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/** A connection to the engine and the wording of its errors. */
final class Daemon implements AutoCloseable {
    private final String host;
    private final DockerClient client;

    private Daemon(String host, DockerClient client) {
        this.host = host;
        this.client = client;
    }

    /** A client for the engine at {@code host}; connects lazily. */
    static Daemon at(String host) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withDockerTlsVerify(false).build();
        DockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(URI.create(host))
                .maxConnections(256)
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        return new Daemon(host, DockerClientImpl.getInstance(config, http));
    }

    DockerClient client() {
        return client;
    }

    /** Whether the failure is the engine not answering at all (as opposed to refusing a request). */
    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
            if (t instanceof DockerException) {
                return false;
            }
        }
        return false;
    }

    /** "cannot reach the Docker daemon at ...", with the cause and the fix. */
    String unreachable(Throwable e) {
        return "cannot reach the Docker daemon at " + host + " (" + rootMessage(e) + "); start the engine "
                + "(dockerd) or point plugins.docker.host at it";
    }

    /** What the engine said, without docker-java's wrapping: {@code {"message":"..."}} becomes the message. */
    String describe(Throwable e) {
        if (isUnreachable(e)) {
            return unreachable(e);
        }
        if (e instanceof DockerException de) {
            String body = de.getMessage() == null ? "" : de.getMessage();
            int start = body.indexOf("{\"message\":\"");
            if (start >= 0) {
                int from = start + "{\"message\":\"".length();
                int end = body.indexOf("\"}", from);
                if (end > from) {
                    return body.substring(from, end).replace("\\\"", "\"");
                }
            }
            return body.replaceFirst("^Status \\d+: ", "").trim();
        }
        return rootMessage(e);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            // Closing a connection pool has nothing left to tell.
        }
    }
}
