package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.events.EventLog;
import dev.sluice.spi.testing.FakeTimeSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feed behind {@code GET /v1/events}, on a fake clock and real files: readers get every event in
 * order with its task's state, from the ring or from disk when behind it or resuming from an earlier
 * start; ids not kept get a reset; keep-alives come every 15 s of the clock; a stop ends every reader
 * after what is left.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventFeedTest {
    @TempDir
    Path work;

    private final FakeTimeSource time = new FakeTimeSource();
    private final List<EventFeed> feeds = new ArrayList<>();

    @AfterEach
    void closeFeeds() {
        feeds.forEach(EventFeed::close);
    }

    /** A start of the service: its event file, and the feed it hands each turn's lines to, as the event log does. */
    private final class Start {
        final Path file;
        final EventFeed feed;
        long seq;

        Start(String runId, int capacity) throws IOException {
            file = work.resolve("runs").resolve(runId).resolve("events.jsonl");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "");
            EventArchive archive = new EventArchive(work);
            seq = archive.lastSeq();
            feed = new EventFeed(capacity, seq, archive, time);
            feeds.add(feed);
        }

        /** One turn: written to the file, then handed to the feed. Each event is "name task". */
        List<EventLog.Line> turn(String... events) throws IOException {
            List<EventLog.Line> lines = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (String e : events) {
                String[] parts = e.split(" ");
                String task = parts.length > 1 ? parts[1] : null;
                long n = ++seq;
                String line = "{\"time\":\"2026-01-01T00:00:00.000Z\",\"run\":\"r\",\"seq\":" + n + ",\"event\":\""
                        + parts[0] + "\"" + (task == null ? "" : ",\"task\":\"" + task + "\"") + "}";
                lines.add(new EventLog.Line(n, parts[0], task, line));
                text.append(line).append('\n');
            }
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            feed.written(lines);
            return lines;
        }

        /** {@code n} events of task {@code t-n}, in turns of 10. */
        void many(int n) throws IOException {
            for (int i = 0; i < n; i += 10) {
                String[] turn = new String[Math.min(10, n - i)];
                for (int j = 0; j < turn.length; j++) {
                    turn[j] = "task_status t-" + (i + j);
                }
                turn(turn);
            }
        }
    }

    private static List<Long> seqs(List<EventFeed.Item> items) {
        return items.stream().filter(i -> i instanceof EventFeed.Event).map(i -> ((EventFeed.Event) i).seq()).toList();
    }

    /** Reads until the reader has nothing more to send now. */
    private static List<EventFeed.Item> drain(EventFeed.Reader reader) throws Exception {
        List<EventFeed.Item> all = new ArrayList<>();
        List<EventFeed.Item> got;
        while ((got = reader.poll()) != null) {
            all.addAll(got);
            if (got.isEmpty()) {
                break;
            }
        }
        return all;
    }

    @Test
    void aReaderFromNowGetsEachNewEventInOrderWithItsTasksState() throws Exception {
        Start s = new Start("r1", 16);
        s.turn("run_started");
        try (EventFeed.Reader reader = s.feed.subscribe(null, e -> true)) {
            assertThat(reader.poll()).as("nothing new yet").isNull();
            s.turn("task_pending t-1", "task_queued t-1", "task_submitted t-1");
            s.turn("task_started t-1", "task_status t-1", "task_completed t-1");
            List<EventFeed.Item> items = drain(reader);
            assertThat(seqs(items)).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(items).extracting(i -> ((EventFeed.Event) i).state()).containsExactly(ApiState.PENDING,
                    ApiState.QUEUED, ApiState.QUEUED, ApiState.RUNNING, null, ApiState.SUCCEEDED);
            EventFeed.Event done = (EventFeed.Event) items.get(5);
            assertThat(done.data()).isEqualTo("{\"time\":\"2026-01-01T00:00:00.000Z\",\"run\":\"r\",\"seq\":7,"
                    + "\"event\":\"task_completed\",\"task\":\"t-1\",\"state\":\"succeeded\"}");
            assertThat(reader.cursor()).isEqualTo(7);
        }
    }

    @Test
    void aFailedAttemptThatIsRetriedLeavesItsTaskPendingFromTheRingAndFromDisk() throws Exception {
        Start s = new Start("r1", 16);
        try (EventFeed.Reader reader = s.feed.subscribe(0L, e -> true)) {
            s.turn("task_failed t-1", "task_retried t-1", "task_failed t-2", "task_ignored t-2", "task_failed t-3");
            assertThat(drain(reader)).extracting(i -> ((EventFeed.Event) i).state()).containsExactly(
                    ApiState.PENDING, ApiState.PENDING, ApiState.FAILED, ApiState.FAILED, ApiState.FAILED);
        }
        // The same lines read back after a restart: the same states.
        Start again = new Start("r2", 16);
        try (EventFeed.Reader reader = again.feed.subscribe(0L, e -> true)) {
            assertThat(drain(reader)).extracting(i -> ((EventFeed.Event) i).state()).containsExactly(
                    ApiState.PENDING, ApiState.PENDING, ApiState.FAILED, ApiState.FAILED, ApiState.FAILED);
        }
    }

    @Test
    void theMonitorNeverWaitsForASlowReaderWhoCatchesUpFromDiskMissingNothing() throws Exception {
        Start s = new Start("r1", 8);
        try (EventFeed.Reader slow = s.feed.subscribe(0L, e -> true)) {
            // Far more than the ring holds, with no read in between: every hand-over returns at once.
            s.many(100);
            List<Long> got = new ArrayList<>(seqs(slow.next()));
            assertThat(got).as("one batch from disk, then the ring").startsWith(1L, 2L, 3L);
            // Falls behind again while reading.
            s.many(50);
            got.addAll(seqs(drain(slow)));
            assertThat(got).isEqualTo(range(1, 150));
            assertThat(slow.poll()).isNull();
        }
    }

    @Test
    void aRestartGoesOnCountingAndAResumeReadsTheEarlierStartsFileThenTheRing() throws Exception {
        Start first = new Start("20261204-100000-aaaa", 16);
        first.turn("run_started", "task_pending t-1", "task_queued t-1");
        first.turn("task_started t-1", "run_finished");
        // The first start was killed while writing a line: it was never sent, and is passed over.
        Files.writeString(first.file, "{\"time\":\"2026-01-01T00:0", StandardOpenOption.APPEND);
        first.feed.close();

        Start second = new Start("20261204-100500-bbbb", 16);
        assertThat(second.feed.lastSeq()).as("the count goes on").isEqualTo(5);
        second.turn("run_started", "task_pending t-1");
        try (EventFeed.Reader reader = second.feed.subscribe(3L, e -> true)) {
            second.turn("task_queued t-1");
            List<EventFeed.Item> items = drain(reader);
            assertThat(seqs(items)).containsExactly(4L, 5L, 6L, 7L, 8L);
            assertThat(items).extracting(i -> ((EventFeed.Event) i).name()).containsExactly("task_started",
                    "run_finished", "run_started", "task_pending", "task_queued");
        }
    }

    @Test
    void anIdOlderThanWhatIsKeptGetsAResetNamingTheOldestThenWhatIsKept() throws Exception {
        Start s = new Start("r1", 16);
        s.many(12);
        // The files of the earliest events were removed: only 10 to 12 are left on disk.
        List<String> lines = Files.readAllLines(s.file);
        Files.write(s.file, lines.subList(9, 12));
        Start again = new Start("r2", 16);
        try (EventFeed.Reader reader = again.feed.subscribe(3L, e -> true)) {
            List<EventFeed.Item> items = drain(reader);
            assertThat(items.get(0)).isEqualTo(new EventFeed.Reset(3, 10, 12, false));
            assertThat(seqs(items)).containsExactly(10L, 11L, 12L);
        }
    }

    @Test
    void anIdPastTheLastGetsAResetAndThenNewEventsOnly() throws Exception {
        Start s = new Start("r1", 16);
        s.many(5);
        try (EventFeed.Reader reader = s.feed.subscribe(99L, e -> true)) {
            assertThat(reader.poll()).containsExactly(new EventFeed.Reset(99, 1, 5, true));
            assertThat(reader.poll()).isNull();
            s.turn("task_pending t-9");
            assertThat(seqs(reader.poll())).containsExactly(6L);
        }
    }

    @Test
    void aFilteredReaderGetsItsTasksEventsAndTheRunsOwnAndMovesPastTheRest() throws Exception {
        Start s = new Start("r1", 8);
        s.turn("run_started", "task_pending t-1", "task_pending t-2");
        s.many(20);
        s.turn("task_completed t-1", "task_completed t-2");
        try (EventFeed.Reader reader = s.feed.subscribe(0L, e -> e.task() == null || e.task().equals("t-1"))) {
            List<EventFeed.Item> items = drain(reader);
            assertThat(items).extracting(i -> ((EventFeed.Event) i).seq() + " " + ((EventFeed.Event) i).name())
                    .containsExactly("1 run_started", "2 task_pending", "5 task_status", "24 task_completed");
            assertThat(reader.cursor()).isEqualTo(25);
        }
    }

    @Test
    void aKeepAliveComesEveryFifteenSecondsOfTheClock() throws Exception {
        Start s = new Start("r1", 16);
        try (EventFeed.Reader reader = s.feed.subscribe(null, e -> true)) {
            time.awaitSleepers(1, Duration.ofSeconds(5));
            time.advance(Duration.ofSeconds(14));
            assertThat(reader.poll()).as("not yet").isNull();
            CompletableFuture<List<EventFeed.Item>> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return reader.next();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            time.advance(Duration.ofSeconds(1));
            assertThat(next.get(5, TimeUnit.SECONDS)).containsExactly(new EventFeed.Ping());
            assertThat(reader.poll()).as("one per period").isNull();
            s.turn("task_pending t-1");
            assertThat(seqs(reader.poll())).containsExactly(1L);
        }
    }

    @Test
    void aStopEndsEveryReaderAfterWhatIsLeftAndTakesNoNewOne() throws Exception {
        Start s = new Start("r1", 16);
        EventFeed.Reader reader = s.feed.subscribe(null, e -> true);
        s.turn("task_cancelled t-1", "run_finished");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(s.feed::close);
        assertThat(reader.next()).extracting(i -> ((EventFeed.Event) i).name()).containsExactly("task_cancelled",
                "run_finished");
        assertThat(reader.next()).containsExactly(new EventFeed.Shutdown());
        assertThat(s.feed.subscribe(null, e -> true)).as("a stopping service takes no new stream").isNull();
        assertThat(reader.next()).isEmpty();
        assertThat(closing).as("the stop waits for the reader to end").isNotDone();
        reader.close();
        closing.get(5, TimeUnit.SECONDS);
        assertThat(s.feed.readers()).isZero();
    }

    @Test
    void theArchiveTellsWhereTheCountGoesOnAndWhatIsOldest() throws Exception {
        EventArchive archive = new EventArchive(work);
        assertThat(archive.lastSeq()).as("a first start").isZero();
        assertThat(archive.oldest()).isEmpty();
        // A run from before events were numbered: passed over.
        Path old = work.resolve("runs/20261101-000000-0000/events.jsonl");
        Files.createDirectories(old.getParent());
        Files.writeString(old, "{\"time\":\"2026-11-01T00:00:00.000Z\",\"run\":\"x\",\"event\":\"run_started\"}\n");
        Start s = new Start("r1", 16);
        s.many(3);
        assertThat(archive.lastSeq()).isEqualTo(3);
        assertThat(archive.oldest()).hasValue(1);
        assertThat(archive.files()).extracting(EventArchive.File::path).containsExactly(s.file);
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }
}
