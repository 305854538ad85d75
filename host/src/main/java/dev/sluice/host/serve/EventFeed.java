package dev.sluice.host.serve;

import dev.sluice.host.events.EventLog;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's events for {@code GET /v1/events}: the event log hands it each turn's lines once they are
 * in the file, and it keeps the last of them in a ring; each stream reads from it on its own thread, at
 * its own pace. Handing over never waits for a reader: a reader that falls behind the ring, or resumes
 * from before it (an earlier start of the service), reads the event files on disk
 * ({@link EventArchive}) until it has caught up. Every {@link #PING} a reader with nothing to send is
 * told to send a keep-alive; at the service's stop each reader sends what is left, then that it stops.
 */
final class EventFeed implements EventLog.Sink {
    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
    /** Events kept in memory: about a minute of a busy service, or a long disconnect of a quiet one. */
    static final int RING = 65_536;
    /** Between keep-alives: shorter than the idle timeouts of the proxies and clients usually in between. */
    static final Duration PING = Duration.ofSeconds(15);
    /** Events a reader takes at once, so that one slow reader copies little under the lock. */
    static final int BATCH = 256;
    /** What each line about a task carries beside the event log's own fields; set by the service. */
    private volatile java.util.function.Function<String, Map<String, String>> taskFields = id -> Map.of();
    /** How long the stop lets streams send what is left and their shutdown event. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** What a stream sends: an event, a reset, a keep-alive or the end. */
    sealed interface Item permits Event, Reset, Ping, Shutdown {
    }

    /**
     * One event: its number (the SSE id), its name, its task ({@code null} for the run's own), the task's
     * state once the event happened ({@code null} when it does not move a task), and its line as written.
     */
    record Event(long seq, String name, String task, ApiState state, String line) implements Item {
        /** The line, with the task's state: what {@code data:} carries. */
        String data() {
            if (state == null || !line.endsWith("}")) {
                return line;
            }
            return line.substring(0, line.length() - 1) + ",\"state\":\"" + state.label() + "\"}";
        }
    }

    /**
     * The events after {@code asked} are not all kept ({@code ahead}: {@code asked} is past the last one),
     * so the stream goes on from {@code oldest} (or from now) and the reader should read its tasks again.
     */
    record Reset(long asked, long oldest, long last, boolean ahead) implements Item {
    }

    /** Nothing to send for a while: a keep-alive. */
    record Ping() implements Item {
    }

    /** The service stops; the stream ends. */
    record Shutdown() implements Item {
    }

    private final Event[] ring;
    private final int mask;
    private final EventArchive archive;
    private final long base;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The oldest event in the ring and the newest (both {@link #base}-relative while it is empty). */
    private long first;
    private long last;
    private long pings;
    private boolean closed;
    private int readers;
    private final Thread pinger;

    /**
     * @param capacity how many events the ring keeps, a power of two
     * @param base     the number of the last event before this start (0: none), from the archive
     * @param archive  the service's event files, for readers behind the ring
     * @param time     the clock of the keep-alives
     */
    EventFeed(int capacity, long base, EventArchive archive, TimeSource time) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("the ring's capacity is a power of two, not " + capacity);
        }
        this.ring = new Event[capacity];
        this.mask = capacity - 1;
        this.archive = archive;
        this.base = base;
        this.first = base + 1;
        this.last = base;
        this.pinger = Thread.ofVirtual().name("sluice-events-ping").start(() -> {
            try {
                while (true) {
                    time.sleep(PING);
                    lock.lock();
                    try {
                        pings++;
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (InterruptedException e) {
                // The feed is closed.
            }
        });
    }

    /** The service's feed: the ring, and the count going on from where the last start's events ended. */
    static EventFeed open(EventArchive archive, TimeSource time) throws IOException {
        return new EventFeed(RING, archive.lastSeq(), archive, time);
    }

    /** Lines about a task carry what {@code fields} gives for it (its tenant and workflow). */
    void taskFields(java.util.function.Function<String, Map<String, String>> fields) {
        this.taskFields = fields;
    }

    @Override
    public Map<String, String> taskFields(String taskId) {
        return taskFields.apply(taskId);
    }

    @Override
    public long lastSeq() {
        return base;
    }

    /** The monitor's thread: stores the turn's events, overwriting the oldest, and wakes the readers. */
    @Override
    public void written(List<EventLog.Line> lines) {
        Event[] events = new Event[lines.size()];
        for (int i = 0; i < events.length; i++) {
            EventLog.Line l = lines.get(i);
            EventLog.Line next = i + 1 < events.length ? lines.get(i + 1) : null;
            events[i] = new Event(l.seq(), l.event(), l.task(), stateOf(l.event(), l.task(),
                    next == null ? null : next.event(), next == null ? null : next.task()), l.text());
        }
        lock.lock();
        try {
            for (Event e : events) {
                ring[(int) (e.seq() & mask)] = e;
                last = e.seq();
            }
            first = Math.max(first, last - ring.length + 1);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The task's state as the API names it once {@code event} happened, or {@code null} for events that do
     * not move a task: the run's own, gates starting and ending, and status messages, all of which happen
     * within a state. A failed attempt followed by its retry leaves the task pending; the event log writes
     * the two together, so the next line tells.
     */
    static ApiState stateOf(String event, String task, String nextEvent, String nextTask) {
        if (task == null) {
            return null;
        }
        return switch (event) {
            case "task_pending", "task_retried" -> ApiState.PENDING;
            case "task_gated" -> ApiState.GATED;
            case "task_queued", "task_submitted" -> ApiState.QUEUED;
            case "task_started" -> ApiState.RUNNING;
            case "task_completed", "task_cached" -> ApiState.SUCCEEDED;
            case "task_failed" -> "task_retried".equals(nextEvent) && task.equals(nextTask) ? ApiState.PENDING
                    : ApiState.FAILED;
            case "task_ignored" -> ApiState.FAILED;
            case "task_cancelled", "task_skipped" -> ApiState.CANCELLED;
            default -> null;
        };
    }

    /**
     * A reader of the events after {@code after} ({@code null}: from now on) that pass {@code filter}, or
     * {@code null} when the feed is closed.
     */
    Reader subscribe(Long after, Predicate<Event> filter) throws IOException {
        long newest;
        long ringFirst;
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            readers++;
            newest = last;
            ringFirst = first;
        } finally {
            lock.unlock();
        }
        Reader reader = new Reader(filter);
        if (after == null) {
            reader.cursor = newest;
        } else if (after > newest) {
            reader.reset = new Reset(after, oldestKept(ringFirst), newest, true);
            reader.cursor = newest;
        } else if (after + 1 >= ringFirst) {
            reader.cursor = after;
        } else {
            long oldest = oldestKept(ringFirst);
            if (after + 1 < oldest) {
                reader.reset = new Reset(after, oldest, newest, false);
                reader.cursor = oldest - 1;
            } else {
                reader.cursor = after;
            }
        }
        return reader;
    }

    private long oldestKept(long ringFirst) throws IOException {
        OptionalLong onDisk = archive.oldest();
        return onDisk.isPresent() ? Math.min(onDisk.getAsLong(), ringFirst) : ringFirst;
    }

    /** How many readers are open. */
    int readers() {
        lock.lock();
        try {
            return readers;
        } finally {
            lock.unlock();
        }
    }

    /** The log is closed: the service stops. */
    @Override
    public void closed() {
        close();
    }

    /**
     * No event follows: readers send what is left and their shutdown, for a few seconds at most (a reader
     * stuck on a client that reads nothing is cut off when the endpoint closes). Idempotent.
     */
    void close() {
        pinger.interrupt();
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            long left = CLOSE_WAIT.toNanos();
            while (readers > 0 && left > 0) {
                left = changed.awaitNanos(left);
            }
            if (readers > 0) {
                log.info("{} event stream(s) did not take their last events in time; they are cut off", readers);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** One stream's place in the events: from the ring, or from disk while it is behind the ring. */
    final class Reader implements AutoCloseable {
        private final Predicate<Event> filter;
        /** The last event taken (sent, or passed over by the filter). */
        private long cursor;
        private long pingsSeen;
        private Reset reset;
        private EventArchive.Reader disk;
        private boolean over;

        private Reader(Predicate<Event> filter) {
            this.filter = filter;
            lock.lock();
            try {
                this.pingsSeen = pings;
            } finally {
                lock.unlock();
            }
        }

        /** The number of the last event taken. */
        long cursor() {
            return cursor;
        }

        /**
         * What to send next, waiting until there is something: events (at most {@link #BATCH}), a reset, a
         * keep-alive, or the shutdown (after which the list is empty for good).
         */
        List<Item> next() throws InterruptedException, IOException {
            return take(true);
        }

        /** As {@link #next}, without waiting: {@code null} when there is nothing to send now. */
        List<Item> poll() throws InterruptedException, IOException {
            return take(false);
        }

        private List<Item> take(boolean wait) throws InterruptedException, IOException {
            if (over) {
                return List.of();
            }
            if (reset != null) {
                Reset r = reset;
                reset = null;
                return List.of(r);
            }
            while (true) {
                long before;
                lock.lockInterruptibly();
                try {
                    while (true) {
                        if (cursor < last && cursor + 1 >= first) {
                            closeDisk();
                            List<Item> out = fromRing();
                            if (!out.isEmpty()) {
                                return out;
                            }
                        } else if (cursor < last) {
                            before = first;
                            break;
                        } else if (closed) {
                            over = true;
                            return List.of(new Shutdown());
                        } else if (pings != pingsSeen) {
                            pingsSeen = pings;
                            return List.of(new Ping());
                        } else if (wait) {
                            changed.await();
                        } else {
                            return null;
                        }
                    }
                } finally {
                    lock.unlock();
                }
                // Behind the ring: from disk, outside the lock, until the ring holds what comes next.
                List<Item> out = fromDisk(before);
                if (!out.isEmpty()) {
                    return out;
                }
            }
        }

        /** Under the lock: the next events in the ring; the cursor moves past those filtered out too. */
        private List<Item> fromRing() {
            List<Item> out = new ArrayList<>();
            long upTo = Math.min(last, cursor + BATCH);
            for (long seq = cursor + 1; seq <= upTo; seq++) {
                Event e = ring[(int) (seq & mask)];
                if (e != null && e.seq() == seq && filter.test(e)) {
                    out.add(e);
                }
            }
            cursor = upTo;
            return out;
        }

        private List<Item> fromDisk(long before) throws IOException {
            if (disk == null) {
                disk = archive.reader(cursor);
            }
            List<Event> read = disk.read(before, BATCH);
            List<Item> out = new ArrayList<>();
            if (read.isEmpty() || read.get(0).seq() > cursor + 1) {
                // Not on disk (a file removed, or written before events were numbered): said, not skipped
                // in silence.
                long oldest = read.isEmpty() ? before : read.get(0).seq();
                out.add(new Reset(cursor, oldest, before - 1, false));
                if (read.isEmpty()) {
                    cursor = before - 1;
                    closeDisk();
                    return out;
                }
            }
            for (Event e : read) {
                if (filter.test(e)) {
                    out.add(e);
                }
            }
            cursor = read.get(read.size() - 1).seq();
            return out;
        }

        private void closeDisk() {
            if (disk != null) {
                disk.close();
                disk = null;
            }
        }

        @Override
        public void close() {
            closeDisk();
            lock.lock();
            try {
                readers--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** For tests: waits (real time) until {@code n} readers are open. */
    boolean awaitReaders(int n, Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (readers != n && left > 0) {
                left = changed.awaitNanos(left);
            }
            return readers == n;
        } finally {
            lock.unlock();
        }
    }
}
