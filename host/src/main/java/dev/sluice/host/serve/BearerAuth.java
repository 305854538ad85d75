package dev.sluice.host.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The service's bearer token, checked on every call of the API ({@code /v1/tasks} and {@code /v1/events})
 * in one place, so that both answer a missing or wrong token alike. The executors' callback tokens are
 * not this one ({@link dev.sluice.host.http.HostEndpoint}).
 */
final class BearerAuth {
    private final byte[] tokenDigest;

    BearerAuth(String token) {
        this.tokenDigest = sha256(token);
    }

    /** Whether the call carries the token. */
    boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Digests of equal length, compared in constant time: the token does not leak through timing.
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).strip()));
    }

    /** Whether the call may go on; when not, it has been answered 401 with what to send. */
    boolean admit(HttpExchange exchange) throws IOException {
        if (authorized(exchange)) {
            return true;
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"sluice\"");
        ApiErrors.send(exchange, 401, "no valid bearer token: send the header Authorization: Bearer <token>, with the"
                + " token sluice serve named when it started (serve.auth in the config)");
        return false;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
