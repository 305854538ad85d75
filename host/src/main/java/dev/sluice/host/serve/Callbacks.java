package dev.sluice.host.serve;

import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each ended task's final view to its callback URL: a {@code POST} of the JSON that {@code GET
 * /v1/tasks/{id}} answers, with the task's token as bearer token. Each delivery runs on a virtual thread
 * of its own, never on the monitor's or an API thread, and a bounded number send at once. A failed try
 * (no answer, 408, 429 or 5xx) is tried again after a backoff (1 s doubling to 5 min, or the receiver's
 * {@code Retry-After}) until {@code serve.callbacks.giveUpAfter} has passed since the task ended; any other
 * answer ends it. A delivery is at least once: one that was under way when the service stopped is sent
 * again at the next start, so a receiver tells repeats apart by the task's id.
 */
final class Callbacks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Callbacks.class);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** The longest wait a receiver's Retry-After may ask for. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    /** Sends under way at once, at most: a burst of ends cannot open thousands of connections. */
    static final int MAX_SENDING = 32;

    /** How one try went: the receiver's status, and how long it asked us to wait, or {@code null}. */
    record Answer(int status, Duration retryAfter) {
    }

    /** Sends one try; the seam tests replace. */
    interface Sender {
        Answer send(URI url, String token, String body, Duration timeout) throws IOException, InterruptedException;
    }

    /** Hears of each change of a delivery (the board shows it; a settled one the ledger keeps). */
    interface Listener {
        void changed(String id, TaskView.Delivery delivery);
    }

    private final CallbackSettings settings;
    private final Sender sender;
    private final TimeSource time;
    private final Listener listener;
    private final ServeMetrics metrics;
    private final Semaphore sending = new Semaphore(MAX_SENDING);
    /** Where each task with a callback sends it, until it is delivered or given up. */
    private final Map<String, Submission.Callback> pending = new ConcurrentHashMap<>();
    private final Map<String, Thread> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Callbacks(CallbackSettings settings, Sender sender, TimeSource time, Listener listener, ServeMetrics metrics) {
        this.settings = settings;
        this.sender = sender;
        this.time = time;
        this.listener = listener;
        this.metrics = metrics;
    }

    /** A task with a callback was accepted (or taken back at a start): its callback waits for its end. */
    void register(String id, Submission.Callback callback) {
        if (callback != null) {
            pending.put(id, callback);
        }
    }

    /** Task {@code id} was not taken after all (the service was stopping): it has no callback to send. */
    void forget(String id) {
        pending.remove(id);
    }

    /** The callback of task {@code id} that has not been delivered or given up, if any. */
    Optional<Submission.Callback> pendingFor(String id) {
        return Optional.ofNullable(pending.get(id));
    }

    /**
     * Task {@code view} ended: its callback, if it has one, is sent from now on. Returns at once.
     *
     * @param endedAt when the task ended, from which {@code giveUpAfter} counts
     * @param body    what is sent: the task's final view as JSON (made on the delivery's thread)
     */
    void ended(String id, Instant endedAt, java.util.function.Supplier<String> body) {
        Submission.Callback callback = pending.get(id);
        if (callback == null || closed) {
            return;
        }
        Thread t = Thread.ofVirtual().name("sluice-callback-" + id).unstarted(() -> {
            try {
                deliver(id, callback, endedAt, body);
            } finally {
                running.remove(id);
            }
        });
        running.put(id, t);
        t.start();
    }

    private void deliver(String id, Submission.Callback callback, Instant endedAt,
            java.util.function.Supplier<String> made) {
        Instant giveUpAt = endedAt.plus(settings.giveUpAfter());
        String body = made.get();
        Duration backoff = FIRST_BACKOFF;
        int tries = 0;
        String lastError = null;
        try {
            while (!closed) {
                tries++;
                listener.changed(id, new TaskView.Delivery(callback.url().toString(), "sending", tries - 1, lastError));
                Duration wait;
                sending.acquire();
                try {
                    Answer answer;
                    try {
                        answer = sender.send(callback.url(), callback.token(), body, settings.timeout());
                    } catch (RuntimeException e) {
                        // The request could not even be made (the HTTP client refused its URL or header): no
                        // retry can change that. Its message may hold the token, so it is not repeated.
                        metrics.callback("failed");
                        settle(id, new TaskView.Delivery(callback.url().toString(), "failed", tries, "the callback"
                                + " could not be sent: the HTTP client refused its URL or token; not tried again"));
                        log.warn("task {}: callback to {} could not be sent ({})", id, withoutQuery(callback.url()),
                                e.getClass().getSimpleName());
                        return;
                    }
                    if (answer.status() / 100 == 2) {
                        metrics.callback("delivered");
                        settle(id, new TaskView.Delivery(callback.url().toString(), "delivered", tries, null));
                        return;
                    }
                    lastError = "answered " + answer.status();
                    if (!retryable(answer.status())) {
                        metrics.callback("failed");
                        settle(id, new TaskView.Delivery(callback.url().toString(), "failed", tries, lastError
                                + (answer.status() / 100 == 3 ? " (callbacks follow no redirects; give the final URL)"
                                : "; not tried again")));
                        return;
                    }
                    // The receiver's wait when it asks for a longer one than ours, never less than ours.
                    wait = answer.retryAfter() != null ? max(min(answer.retryAfter(), MAX_RETRY_AFTER), backoff)
                            : backoff;
                } catch (IOException e) {
                    lastError = describe(e);
                    wait = backoff;
                } finally {
                    sending.release();
                }
                if (time.now().plus(wait).isAfter(giveUpAt)) {
                    metrics.callback("failed");
                    settle(id, new TaskView.Delivery(callback.url().toString(), "failed", tries, lastError
                            + "; given up after " + tries + " tries (serve.callbacks.giveUpAfter: "
                            + dev.sluice.spi.Units.formatDuration(settings.giveUpAfter()) + ")"));
                    log.warn("task {}: callback to {} given up after {} tries: {}", id, withoutQuery(callback.url()),
                            tries, lastError);
                    return;
                }
                metrics.callback("retried");
                listener.changed(id, new TaskView.Delivery(callback.url().toString(), "waiting", tries, lastError));
                time.sleep(wait);
                backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
            }
        } catch (InterruptedException e) {
            // The service stops: the callback stays pending in the ledger, and the next start sends it.
            Thread.currentThread().interrupt();
        }
    }

    private void settle(String id, TaskView.Delivery delivery) {
        pending.remove(id);
        listener.changed(id, delivery);
    }

    private static boolean retryable(int status) {
        return status == 408 || status == 425 || status == 429 || status / 100 == 5;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A URL for the log: without its query, where a careless receiver puts secrets. */
    static String withoutQuery(URI url) {
        String s = url.toString();
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q) + "?...";
    }

    /** A failed try for people: what went wrong, without Java's names. */
    static String describe(IOException e) {
        String what = switch (e) {
            case java.net.http.HttpConnectTimeoutException t -> "no connection within the timeout";
            case java.net.http.HttpTimeoutException t -> "no answer within the timeout";
            case java.net.ConnectException c -> "connection refused";
            case java.net.UnknownHostException u -> "unknown host " + u.getMessage();
            case javax.net.ssl.SSLException t -> "the TLS handshake failed; check the receiver's certificate";
            default -> e.getMessage() == null || e.getMessage().isBlank() ? "the connection failed" : e.getMessage();
        };
        return what;
    }

    /** Deliveries under way (sending or waiting to try again). */
    int underWay() {
        return running.size();
    }

    /** Stops every delivery; what was not delivered is sent again at the next start. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : running.values()) {
            t.interrupt();
        }
        for (Thread t : running.values()) {
            try {
                t.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The sender the service uses: the JDK's HTTP client, no redirects, on virtual threads. */
    static Sender http(Duration connectTimeout) {
        // Made at the first callback: a service that sends none keeps no client (and its selector thread).
        com.google.common.base.Supplier<HttpClient> clients = com.google.common.base.Suppliers.memoize(() ->
                HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout)
                        .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build());
        return (url, token, body, timeout) -> {
            HttpClient client = clients.get();
            HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/json").header("User-Agent", "sluice-serve")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            Duration retryAfter = response.headers().firstValue("Retry-After").flatMap(Callbacks::seconds).orElse(null);
            return new Answer(response.statusCode(), retryAfter);
        };
    }

    /** A Retry-After of seconds; a date or anything else is ignored (the backoff applies). */
    private static Optional<Duration> seconds(String value) {
        try {
            long s = Long.parseLong(value.trim());
            return s >= 0 ? Optional.of(Duration.ofSeconds(s)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
