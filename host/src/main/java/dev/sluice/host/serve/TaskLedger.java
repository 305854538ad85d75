package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the service accepted, asked and saw end, one JSON object per line in {@code <work>/tasks.jsonl},
 * so that a restart loses no task: an acceptance is on disk ({@code fsync}) before the orchestrator hears
 * 202, a cancel before it hears 202 too, and an end soon after (written in the background; one lost to a
 * crash of the machine only makes the task's end be found again, by resume). At start the file is read,
 * a torn last line ignored, and rewritten with what still matters.
 */
final class TaskLedger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskLedger.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What an earlier life of the service left: tasks not ended (to run on), ended ones (to answer for), and
     * the callbacks of ended ones not yet delivered or given up (to send).
     */
    record Earlier(Map<String, Accepted> unended, Set<String> cancelled, Map<String, JsonNode> ended,
            Map<String, Submission.Callback> undelivered) {
    }

    /** A task accepted: its submission, and when. */
    record Accepted(String id, Submission submission, Instant at) {
    }

    private final Path file;
    /**
     * A stream, not a FileChannel: a channel is closed for good when a thread writing to it is interrupted
     * (the endpoint interrupts its request threads as it closes), and the ends still to write would be lost.
     */
    private java.io.FileOutputStream out;
    private final ServeSettings.Retention keep;
    /** The file's size after its last compaction. */
    private long compactedSize;
    private final ExecutorService endWriter = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("sluice-ledger").daemon().factory());

    private TaskLedger(Path file, java.io.FileOutputStream out, ServeSettings.Retention keep, long size) {
        this.file = file;
        this.out = out;
        this.keep = keep;
        this.compactedSize = size;
    }

    /**
     * Opens the ledger in {@code dir}, reading and compacting what an earlier start left there: ended tasks
     * past {@code keep} (at {@code now}) are dropped, unless their callback is still to send.
     */
    static TaskLedger open(Path dir, List<Earlier> earlierOut, ServeSettings.Retention keep, java.time.Instant now)
            throws IOException {
        Path file = dir.resolve("tasks.jsonl");
        Earlier earlier = kept(read(file), keep, now);
        earlierOut.add(earlier);
        long size = rewrite(file, earlier);
        return new TaskLedger(file, new java.io.FileOutputStream(file.toFile(), true), keep, size);
    }

    /** {@code earlier} less the ended tasks past {@code keep}: too old, or beyond the newest {@code keep.max()}. */
    private static Earlier kept(Earlier earlier, ServeSettings.Retention keep, java.time.Instant now) {
        java.time.Instant cutoff = now.minus(keep.keep());
        Map<String, JsonNode> ended = new LinkedHashMap<>();
        int over = earlier.ended().size() - keep.max();
        for (Map.Entry<String, JsonNode> e : earlier.ended().entrySet()) {
            boolean drop = over-- > 0 || TaskBoard.endedAt(TaskViews.fromJson(e.getValue())).isBefore(cutoff);
            if (!drop || earlier.undelivered().containsKey(e.getKey())) {
                ended.put(e.getKey(), e.getValue());
            }
        }
        return new Earlier(earlier.unended(), earlier.cancelled(), ended, earlier.undelivered());
    }

    /**
     * Writes what still matters of {@code earlier} whole to a file beside {@code file} and puts it in place,
     * so a crash keeps one or the other; returns its size.
     */
    private static long rewrite(Path file, Earlier earlier) throws IOException {
        Path temp = writeTemp(file, earlier);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(file.getParent());
        return Files.size(file);
    }

    /** {@code earlier} written whole, on disk, beside {@code file}; returns where. */
    private static Path writeTemp(Path file, Earlier earlier) throws IOException {
        Path temp = file.resolveSibling(".tasks.jsonl.tmp");
        Files.deleteIfExists(temp);
        // Owner-only: it holds what tasks were given (their env, callback tokens).
        try (FileChannel out = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
            for (Accepted a : earlier.unended().values()) {
                write(out, acceptedLine(a));
                if (earlier.cancelled().contains(a.id())) {
                    write(out, cancelLine(a.id()));
                }
            }
            for (Map.Entry<String, JsonNode> e : earlier.ended().entrySet()) {
                write(out, endedLine(e.getKey(), e.getValue(), earlier.undelivered().get(e.getKey())));
            }
            out.force(true);
        }
        return temp;
    }

    /** A rename is durable once its directory is synced. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** A ledger this much larger than its last compaction, and at least {@link #COMPACT_FROM}, is compacted. */
    static final int COMPACT_GROWTH = 2;
    static final long COMPACT_FROM = 64L * 1024 * 1024;

    /**
     * Compacts the ledger while the service runs, once it has grown {@link #COMPACT_GROWTH} times since the
     * last compaction (and is at least {@code minSize}). What is on disk when it begins is read and rewritten
     * without holding anything up; only the copy of the lines written meanwhile and the swap hold up
     * submissions and cancels. A failure leaves the ledger as it was, and is tried again only once the
     * ledger has grown as much again. Returns whether it compacted.
     */
    boolean compactIfGrown(java.time.Instant now, long minSize) throws IOException {
        long prefix;
        synchronized (this) {
            prefix = Files.size(file);
            if (prefix == 0 || prefix < minSize || prefix <= COMPACT_GROWTH * compactedSize) {
                return false;
            }
        }
        Path temp;
        try {
            temp = writeTemp(file, kept(read(file, prefix), keep, now));
        } catch (IOException | RuntimeException e) {
            compactedSize = prefix;
            throw e;
        }
        synchronized (syncLock) {
            synchronized (this) {
                java.io.FileOutputStream next = null;
                try {
                    // The lines written since the prefix was read go on as they were written.
                    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                         FileChannel to = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                        long end = in.size();
                        for (long at = prefix; at < end; ) {
                            at += in.transferTo(at, end - at, to);
                        }
                        to.force(true);
                    }
                    // Opened before the swap: when it cannot be, nothing has changed.
                    next = new java.io.FileOutputStream(temp.toFile(), true);
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    syncDirectory(file.getParent());
                } catch (IOException | RuntimeException e) {
                    compactedSize = prefix;
                    if (next != null) {
                        next.close();
                    }
                    Files.deleteIfExists(temp);
                    throw e;
                }
                java.io.FileOutputStream old = out;
                out = next;
                old.close();
                // Everything written so far was forced with the new file.
                synced = written;
                compactedSize = Files.size(file);
                log.info("compacted {}: {} bytes, from {}", file, compactedSize, prefix);
                return true;
            }
        }
    }

    private static Earlier read(Path file) throws IOException {
        return read(file, Long.MAX_VALUE);
    }

    /** What the first {@code limit} bytes of {@code file} hold (whole lines: appends are whole lines). */
    private static Earlier read(Path file, long limit) throws IOException {
        Map<String, Accepted> unended = new LinkedHashMap<>();
        Set<String> cancelled = new LinkedHashSet<>();
        Map<String, JsonNode> ended = new LinkedHashMap<>();
        Map<String, Submission.Callback> undelivered = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return new Earlier(unended, cancelled, ended, undelivered);
        }
        // Line by line: a grown ledger is read without holding all of its text at once.
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                com.google.common.io.ByteStreams.limit(Files.newInputStream(file), limit), StandardCharsets.UTF_8))) {
            int i = -1;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                i++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = JSON.readTree(line);
                } catch (IOException e) {
                    // A line cut short by a crash: only the last can be, and what it was about is found again.
                    log.warn("{}:{}: a record cut short (the service was stopped while writing it); ignored", file, i + 1);
                    continue;
                }
                String id = record.path("id").asText();
                try {
                    switch (record.path("r").asText()) {
                        case "accepted" -> unended.put(id, new Accepted(id, Submissions.fromJson(record.get("submission")),
                                Instant.parse(record.get("at").asText())));
                        case "cancel" -> cancelled.add(id);
                        case "ended" -> {
                            TaskViews.fromJson(record.get("view")); // read now: a start must not fail on a GET later
                            unended.remove(id);
                            cancelled.remove(id);
                            ended.put(id, record.get("view"));
                            JsonNode deliver = record.get("deliver");
                            if (deliver != null) {
                                undelivered.put(id, new Submission.Callback(java.net.URI.create(deliver.get("url").asText()),
                                        deliver.hasNonNull("token") ? deliver.get("token").asText() : null));
                            }
                        }
                        case "notified" -> {
                            undelivered.remove(id);
                            JsonNode view = ended.get(id);
                            if (view instanceof ObjectNode o) {
                                o.set("callback", record.get("callback"));
                            }
                        }
                        default -> log.warn("{}:{}: unknown record '{}'; ignored", file, i + 1, record.path("r").asText());
                    }
                } catch (RuntimeException e) {
                    // Not a line sluice wrote (an edit by hand?): skipping an acceptance would lose a task.
                    throw new IOException(file + ":" + (i + 1) + ": not a record sluice serve wrote (" + record.path("r")
                            .asText("no kind") + " of task '" + id + "'); restore the line or remove it", e);
                }
            }
        }
        cancelled.retainAll(unended.keySet());
        return new Earlier(unended, cancelled, ended, undelivered);
    }

    /** Records a task accepted, on disk before this returns. */
    void accepted(Accepted a) {
        durable(append(acceptedLine(a)));
    }

    /** Records a cancel asked for, on disk before this returns. */
    void cancelled(String id) {
        durable(append(cancelLine(id)));
    }

    /**
     * Records a task's end, soon, without holding up the caller (the monitor's thread), with the callback
     * still to send, if any (so that a restart sends it).
     */
    void ended(TaskView view, Submission.Callback undelivered) {
        ObjectNode line = endedLine(view.id(), TaskViews.json(view), undelivered);
        endWriter.execute(() -> append(line));
    }

    /** Records a task's end that has no callback to send. */
    void ended(TaskView view) {
        ended(view, null);
    }

    /** Records a callback delivered or given up, soon: a restart does not send it again. */
    void notified(String id, TaskView.Delivery delivery) {
        ObjectNode line = JSON.createObjectNode().put("r", "notified").put("id", id);
        line.set("callback", TaskViews.delivery(delivery));
        endWriter.execute(() -> append(line));
    }

    /** Lines written so far; guarded by this. */
    private long written;
    /** Lines known to be on disk; guarded by {@link #syncLock}. */
    private long synced;
    private final Object syncLock = new Object();

    /** Appends a line; returns its number, for {@link #durable}. */
    private synchronized long append(ObjectNode line) {
        try {
            out.write((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
            return ++written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Returns once line {@code number} is on disk. One sync covers every line written before it, so
     * submissions arriving together share one (group commit) instead of queueing for one each.
     */
    private void durable(long number) {
        synchronized (syncLock) {
            if (synced >= number) {
                return;
            }
            long upTo;
            java.io.FileOutputStream stream;
            synchronized (this) {
                upTo = written;
                stream = out;
            }
            try {
                stream.getFD().sync();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
            synced = upTo;
        }
    }

    private static void write(FileChannel out, ObjectNode line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private static ObjectNode acceptedLine(Accepted a) {
        ObjectNode o = JSON.createObjectNode().put("r", "accepted").put("id", a.id()).put("at", a.at().toString());
        o.set("submission", Submissions.toJson(a.submission()));
        return o;
    }

    private static ObjectNode cancelLine(String id) {
        return JSON.createObjectNode().put("r", "cancel").put("id", id);
    }

    private static ObjectNode endedLine(String id, JsonNode view, Submission.Callback undelivered) {
        ObjectNode o = JSON.createObjectNode().put("r", "ended").put("id", id);
        o.set("view", view);
        if (undelivered != null) {
            o.putObject("deliver").put("url", undelivered.url().toString()).put("token", undelivered.token());
        }
        return o;
    }

    @Override
    public void close() {
        endWriter.shutdown();
        try {
            if (!endWriter.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("the ends of some tasks were not written to {} in time; a restart finds them again", file);
            }
            synchronized (this) {
                out.getFD().sync();
                out.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("closing {} failed: {}", file, e.getMessage());
        }
    }

    /** For tests: the records, as written. */
    static List<JsonNode> records(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("tasks.jsonl"), StandardCharsets.UTF_8)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
