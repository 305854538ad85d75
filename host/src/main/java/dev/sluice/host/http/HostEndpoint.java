package dev.sluice.host.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.spi.CallbackEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's HTTP endpoint for one run: tasks report their end to it ({@code POST
 * /v1/callbacks/<executor>/<key>} with a bearer token derived from the run's secret for that key, or
 * for that executor), and the call reaches the executor's
 * {@link dev.sluice.spi.TaskExecutor#callback}; monitoring reads the run's metrics ({@code GET
 * /metrics}, Prometheus text format) and health ({@code GET /healthz}, JSON) without a token. Served by
 * the JDK's own HTTP server on virtual threads; bound to loopback unless an address is asked for.
 */
public final class HostEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostEndpoint.class);
    static final String CALLBACKS = "/v1/callbacks/";
    /** Callbacks carry an exit code or a short status; anything longer is refused. */
    static final int MAX_BODY = 4096;

    /** Receives the callbacks for one executor. */
    @FunctionalInterface
    public interface Receiver {
        /** @return whether the key named one of the executor's tasks */
        boolean accept(String key, String body);
    }

    /** What {@code /metrics} and {@code /healthz} answer; called on the endpoint's threads. */
    public interface Monitoring {
        /** The run's metrics in the Prometheus text exposition format, version 0.0.4. */
        String metrics();

        /** A short JSON object on the run: its id, where it is, its tasks by state, its executors. */
        String health();

        /** Whether the run takes work: it goes and its executors are up ({@code /readyz}: 200, else 503). */
        default boolean ready() {
            return true;
        }
    }

    static final String METRICS = "/metrics";
    static final String HEALTH = "/healthz";
    static final String READY = "/readyz";
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService threads;
    private final String token;
    private final URI base;
    private final Map<String, Receiver> receivers = new ConcurrentHashMap<>();

    private HostEndpoint(HttpServer server, ExecutorService threads, String token, URI base) {
        this.server = server;
        this.threads = threads;
        this.token = token;
        this.base = base;
    }

    /**
     * Starts the endpoint.
     *
     * @param address where to listen; a wildcard address ({@code 0.0.0.0}) listens everywhere and is
     *                advertised to tasks by the machine's host name
     * @param port    the port, or 0 for any free one
     * @throws IOException when the address cannot be bound, with the reason
     */
    public static HostEndpoint start(InetAddress address, int port) throws IOException {
        return start(address, port, null);
    }

    /**
     * Starts the endpoint, serving {@code /metrics} and {@code /healthz} from {@code monitoring}.
     *
     * @param monitoring what monitoring reads; {@code null}: only callbacks are served
     * @see #start(InetAddress, int)
     */
    public static HostEndpoint start(InetAddress address, int port, Monitoring monitoring) throws IOException {
        return start(address, port, monitoring, Options.RUN);
    }

    /**
     * The command-line options that set the endpoint's port and address, for the message when it cannot
     * listen: each command names its own ({@code sluice run}'s {@code --http-port}, {@code sluice serve}'s
     * {@code --port}).
     */
    public record Options(String port, String address) {
        /** {@code sluice run}'s. */
        public static final Options RUN = new Options("--http-port", "--http-address");
        /** {@code sluice serve}'s. */
        public static final Options SERVE = new Options("--port", "--address");
    }

    /**
     * As {@link #start(InetAddress, int, Monitoring)}, with the options that the message names when the
     * address cannot be bound.
     */
    public static HostEndpoint start(InetAddress address, int port, Monitoring monitoring, Options options)
            throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 64);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + address.getHostAddress() + ":" + port + ": " + e.getMessage()
                    + "; pick another " + options.port() + " (0 takes any free one) or " + options.address(), e);
        }
        ExecutorService threads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("sluice-http-", 1).factory());
        server.setExecutor(threads);
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        int boundPort = server.getAddress().getPort();
        URI base = URI.create("http://" + advertisedHost(address) + ":" + boundPort);
        HostEndpoint endpoint = new HostEndpoint(server, threads, HexFormat.of().formatHex(secret), base);
        server.createContext(CALLBACKS, endpoint::handleCallback);
        if (monitoring != null) {
            server.createContext(METRICS, exchange -> serve(exchange, METRICS, METRICS_CONTENT_TYPE,
                    monitoring::metrics));
            server.createContext(HEALTH, exchange -> serve(exchange, HEALTH, "application/json",
                    monitoring::health));
            // Readiness, for load balancers and orchestrators: the health document, with 503 while not ready.
            server.createContext(READY, exchange -> serve(exchange, READY, "application/json", monitoring::health,
                    monitoring::ready));
        }
        server.start();
        log.info("host endpoint listening on {}:{} (callbacks at {}{}{})", address.getHostAddress(), boundPort, base,
                CALLBACKS, monitoring == null ? "" : ", metrics at " + METRICS + ", health at " + HEALTH);
        return endpoint;
    }

    private static String advertisedHost(InetAddress address) {
        if (!address.isAnyLocalAddress()) {
            String literal = address.getHostAddress();
            return literal.contains(":") ? "[" + literal + "]" : literal;
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * Serves {@code path} (and what is under it) with {@code handler}, beside the callbacks, metrics and
     * health, on the endpoint's virtual threads: the task API of {@code sluice serve}.
     */
    public void context(String path, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** The URL tasks reach the endpoint at, e.g. {@code http://127.0.0.1:40123}. */
    public URI url() {
        return base;
    }

    /** Routes an executor's callbacks to {@code receiver} and returns what the executor hands its tasks. */
    public CallbackEndpoint register(String executor, Receiver receiver) {
        receivers.put(executor, receiver);
        URI url = URI.create(base + CALLBACKS + executor);
        return new CallbackEndpoint() {
            @Override
            public URI url() {
                return url;
            }

            @Override
            public String token() {
                return executorToken(executor);
            }

            @Override
            public String tokenFor(String key) {
                return keyToken(executor, key);
            }

            @Override
            public String toString() {
                return url.toString();
            }
        };
    }

    /** The token of every key of {@code executor}'s ({@link CallbackEndpoint#token}). */
    private String executorToken(String executor) {
        return derived("executor\n" + executor);
    }

    /** The token of one key of {@code executor}'s ({@link CallbackEndpoint#tokenFor}). */
    private String keyToken(String executor, String key) {
        return derived("key\n" + executor + "\n" + key);
    }

    /** HMAC-SHA256 of {@code purpose} under the run's secret: tokens that cannot be turned into one another. */
    private String derived(String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has HmacSHA256", e);
        }
    }

    private void handleCallback(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                respond(exchange, 405, "callbacks are POST requests\n");
                return;
            }
            String rest = exchange.getRequestURI().getPath().substring(CALLBACKS.length());
            int slash = rest.indexOf('/');
            String executor = slash <= 0 ? "" : rest.substring(0, slash);
            String key = slash <= 0 ? "" : rest.substring(slash + 1);
            // The token of this key, or the executor's own: a task holding its key's token can report its
            // own end and no other; the run's secret itself is never accepted, nor handed out.
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] given = auth == null ? new byte[0] : auth.getBytes(StandardCharsets.UTF_8);
            boolean forKey = MessageDigest.isEqual(("Bearer " + keyToken(executor, key)).getBytes(StandardCharsets.UTF_8),
                    given);
            boolean forExecutor = MessageDigest.isEqual(("Bearer " + executorToken(executor))
                    .getBytes(StandardCharsets.UTF_8), given);
            if (!forKey && !forExecutor) {
                respond(exchange, 401, "missing or wrong token\n");
                return;
            }
            Receiver receiver = receivers.get(executor);
            if (receiver == null || key.isEmpty() || key.contains("/")) {
                respond(exchange, 404, "no such callback: " + exchange.getRequestURI().getPath() + "\n");
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (body.length > MAX_BODY) {
                respond(exchange, 413, "a callback's body is at most " + MAX_BODY + " bytes\n");
                return;
            }
            boolean known;
            try {
                known = receiver.accept(key, new String(body, StandardCharsets.UTF_8).trim());
            } catch (RuntimeException e) {
                log.warn("the callback {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
                respond(exchange, 500, "the executor failed handling the callback\n");
                return;
            }
            if (known) {
                exchange.sendResponseHeaders(204, -1);
            } else {
                respond(exchange, 404, "no task with key " + key + "\n");
            }
        }
    }

    /** A GET (or HEAD) of a monitoring page; a context also matches longer paths, which are not ours. */
    private static void serve(HttpExchange exchange, String path, String contentType,
            java.util.function.Supplier<String> body) throws IOException {
        serve(exchange, path, contentType, body, () -> true);
    }

    private static void serve(HttpExchange exchange, String path, String contentType,
            java.util.function.Supplier<String> body, java.util.function.BooleanSupplier ok) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(path)) {
                respond(exchange, 404, "no such page: " + exchange.getRequestURI().getPath() + "\n");
                return;
            }
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                respond(exchange, 405, path + " is read with GET\n");
                return;
            }
            String text;
            try {
                text = body.get();
            } catch (RuntimeException e) {
                // The cause is the host's to read, with its trace; the scraper or prober gets words.
                log.warn("serving {} failed", path, e);
                respond(exchange, 500, "serving " + path + " failed inside the host; its log has the cause\n");
                return;
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            int status = ok.getAsBoolean() ? 200 : 503;
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            if ("HEAD".equals(method)) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
