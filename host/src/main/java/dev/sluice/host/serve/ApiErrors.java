package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** An error of the API as the orchestrator reads it: {@code {"error": "what is wrong, and the fix"}}. */
final class ApiErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiErrors() {
    }

    static void send(HttpExchange exchange, int status, String message) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", message));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
