package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.testing.FakeTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Callbacks on a fake clock and a fake receiver: what is retried and how long it waits, what ends a
 * delivery at once, when it is given up, and that a stop leaves it to the next start.
 */
class CallbacksTest {
    private static final URI URL = URI.create("http://orch.lab/done");
    private final FakeTimeSource time = new FakeTimeSource();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> changes = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch settled = new CountDownLatch(1);
    /** What the receiver answers, in order; an answer of -1 is a refused connection. */
    private final Queue<Callbacks.Answer> answers = new ConcurrentLinkedQueue<>();
    private final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    private Callbacks callbacks;

    private Callbacks callbacks(Duration giveUpAfter) {
        Callbacks.Sender sender = (url, token, body, timeout) -> {
            sent.add(url + " " + token + " " + body + " at " + time.now());
            Callbacks.Answer a = answers.poll();
            if (a == null || a.status() < 0) {
                throw new java.net.ConnectException("Connection refused");
            }
            return a;
        };
        callbacks = new Callbacks(new CallbackSettings(List.of(), giveUpAfter, Duration.ofSeconds(5)), sender, time,
                (id, d) -> {
                    changes.add(d.state() + "/" + d.tries() + (d.lastError() == null ? "" : " " + d.lastError()));
                    if (d.state().equals("delivered") || d.state().equals("failed")) {
                        settled.countDown();
                    }
                }, new ServeMetrics(registry, java.util.Set.of("c"), new Admission(Limit.NONE, java.util.Map.of(),
                        Limit.NONE, time)));
        callbacks.register("t-1", new Submission.Callback(URL, "tok"));
        return callbacks;
    }

    /** Waits until try {@code n} has been sent and the delivery sleeps before the next. */
    private void awaitWaitAfterTry(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(sent.size() >= n && time.sleepers() == 1 && changes.get(changes.size() - 1).startsWith("waiting/" + n))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("try " + n + " was not followed by a wait; changes: " + changes);
            }
            Thread.sleep(1);
        }
    }

    @AfterEach
    void close() {
        if (callbacks != null) {
            callbacks.close();
        }
    }

    private double count(String outcome) {
        var c = registry.find("sluice.serve.callbacks").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anAnswerOf2xxDeliversItAtTheFirstTry() throws Exception {
        answers.add(new Callbacks.Answer(204, null));
        callbacks(Duration.ofHours(1)).ended("t-1", time.now(), () -> "{\"id\":\"t-1\"}");
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).containsExactly(URL + " tok {\"id\":\"t-1\"} at 2026-01-01T00:00:00Z");
        assertThat(changes).containsExactly("sending/0", "delivered/1");
        assertThat(callbacks.pendingFor("t-1")).isEmpty();
        assertThat(count("delivered")).isEqualTo(1);
    }

    @Test
    void aFailedTryIsTriedAgainAfterABackoffThatDoublesOrAfterTheReceiversRetryAfter() throws Exception {
        answers.add(new Callbacks.Answer(503, null));
        answers.add(new Callbacks.Answer(-1, null));
        answers.add(new Callbacks.Answer(429, Duration.ofSeconds(30)));
        answers.add(new Callbacks.Answer(200, null));
        callbacks(Duration.ofHours(1)).ended("t-1", time.now(), () -> "{}");
        List<Duration> waits = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(30));
        for (int i = 0; i < waits.size(); i++) {
            awaitWaitAfterTry(i + 1);
            time.advance(waits.get(i));
        }
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).extracting(s -> s.substring(s.indexOf(" at ") + 4)).containsExactly(
                "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:03Z", "2026-01-01T00:00:33Z");
        assertThat(changes).containsExactly("sending/0", "waiting/1 answered 503", "sending/1 answered 503",
                "waiting/2 connection refused", "sending/2 connection refused", "waiting/3 answered 429",
                "sending/3 answered 429", "delivered/4");
        assertThat(count("retried")).isEqualTo(3);
    }

    @Test
    void anAnswerThatNoRetryCanChangeEndsItAtOnce() throws Exception {
        answers.add(new Callbacks.Answer(404, null));
        callbacks(Duration.ofHours(1)).ended("t-1", time.now(), () -> "{}");
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(changes).last().isEqualTo("failed/1 answered 404; not tried again");
        assertThat(sent).hasSize(1);
        assertThat(count("failed")).isEqualTo(1);
    }

    @Test
    void aReceiverThatNeverAnswersIsGivenUpOnceTheTimeHasPassed() throws Exception {
        callbacks(Duration.ofSeconds(10)).ended("t-1", time.now(), () -> "{}");
        // Tries at 0, 1, 3 and 7 s; the next would be at 15 s, past 10 s.
        int[] waits = {1, 2, 4};
        for (int i = 0; i < waits.length; i++) {
            awaitWaitAfterTry(i + 1);
            time.advance(Duration.ofSeconds(waits[i]));
        }
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).hasSize(4);
        assertThat(changes).last().isEqualTo("failed/4 connection refused; given up after 4 tries"
                + " (serve.callbacks.giveUpAfter: 10s)");
        assertThat(callbacks.pendingFor("t-1")).isEmpty();
    }

    @Test
    void aStopLeavesADeliveryPendingForTheNextStart() throws Exception {
        callbacks(Duration.ofHours(1)).ended("t-1", time.now(), () -> "{}");
        awaitWaitAfterTry(1);
        callbacks.close();
        assertThat(callbacks.underWay()).isZero();
        assertThat(callbacks.pendingFor("t-1")).as("neither delivered nor given up").isPresent();
        assertThat(changes).noneMatch(c -> c.startsWith("failed") || c.startsWith("delivered"));
        assertThat(settled.getCount()).isEqualTo(1);
    }

    @Test
    void aTaskWithoutACallbackSendsNothing() throws Exception {
        callbacks(Duration.ofHours(1)).ended("t-2", time.now(), () -> "{}");
        assertThat(callbacks.underWay()).as("no delivery was started").isZero();
        assertThat(callbacks.pendingFor("t-2")).isEmpty();
        // t-1's goes out, and only it: anything t-2 had sent would be there too by then.
        answers.add(new Callbacks.Answer(200, null));
        callbacks.ended("t-1", time.now(), () -> "{}");
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).hasSize(1);
    }

    @Test
    void aRetryAfterShorterThanTheBackoffWaitsTheBackoff() throws Exception {
        answers.add(new Callbacks.Answer(503, Duration.ZERO));
        answers.add(new Callbacks.Answer(503, Duration.ZERO));
        answers.add(new Callbacks.Answer(200, null));
        callbacks(Duration.ofHours(1)).ended("t-1", time.now(), () -> "{}");
        awaitWaitAfterTry(1);
        time.advance(Duration.ofSeconds(1));
        awaitWaitAfterTry(2);
        assertThat(sent).as("no try before the backoff has passed").hasSize(2);
        time.advance(Duration.ofSeconds(2));
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).extracting(s -> s.substring(s.indexOf(" at ") + 4)).containsExactly(
                "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:03Z");
    }

    @Test
    void aRequestTheHttpClientRefusesFailsAtOnceWithoutItsToken() throws Exception {
        callbacks = new Callbacks(new CallbackSettings(List.of(), Duration.ofHours(1), Duration.ofSeconds(5)),
                (url, token, body, timeout) -> {
                    throw new IllegalArgumentException("invalid header value: \"Bearer " + token + "\"");
                }, time, (id, d) -> {
                    changes.add(d.state() + "/" + d.tries() + " " + d.lastError());
                    if (d.state().equals("failed")) {
                        settled.countDown();
                    }
                }, new ServeMetrics(null, java.util.Set.of(), null));
        callbacks.register("t-1", new Submission.Callback(URL, "s3cret"));
        callbacks.ended("t-1", time.now(), () -> "{}");
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(changes).last().isEqualTo("failed/1 the callback could not be sent: the HTTP client refused its"
                + " URL or token; not tried again");
        assertThat(String.join("\n", changes)).doesNotContain("s3cret");
        assertThat(callbacks.pendingFor("t-1")).isEmpty();
    }

    @Test
    void aFailedTryIsDescribedWithoutJavasNames() {
        assertThat(Callbacks.describe(new java.net.http.HttpConnectTimeoutException("HTTP connect timed out")))
                .isEqualTo("no connection within the timeout");
        assertThat(Callbacks.describe(new java.net.UnknownHostException("orch.nowhere")))
                .isEqualTo("unknown host orch.nowhere");
        assertThat(Callbacks.describe(new IOException())).isEqualTo("the connection failed");
        assertThat(Callbacks.describe(new javax.net.ssl.SSLHandshakeException("PKIX path building failed")))
                .isEqualTo("the TLS handshake failed; check the receiver's certificate");
        assertThat(Callbacks.withoutQuery(URI.create("https://h/x?key=secret"))).isEqualTo("https://h/x?...");
    }
}
