package dev.sluice.host.run;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.pipeline.CacheMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import dev.sluice.host.task.Sha256;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * A run's journal, {@code <work>/runs/<run id>/journal}: an append-only text file, one record per line,
 * each line led by a checksum of the rest, so that a line torn by a crash (or edited by hand) is
 * recognised and left out when the file is read. Records are appended by one thread, in batches
 * (one write per batch, one sync per {@link #SYNC_INTERVAL_NANOS} at most), except launch records,
 * written at once by the thread that launches ({@link #writeLaunchNow}). What a killed host had written
 * is in the file already; a power loss costs at most what was written since the last sync, and those
 * tasks run again.
 *
 * <p>Records: {@code succeeded KEY ATTEMPT OUT_BYTES ERR_BYTES INPUTS}, an attempt that succeeded,
 * with the sizes its output files had then and a fingerprint of its input files (path, size and
 * modification time of each); {@code --resume} reuses it when those files are unchanged (see
 * {@link WorkDirs#cached}). {@code launched KEY ATTEMPT EXECUTOR NATIVE_ID INPUTS}, an attempt handed to
 * its executor: if the host was killed before the attempt's end was recorded, {@code --resume} takes
 * the exit code the attempt left in its work directory (a batch job writes its own), or takes up the
 * attempt if it still runs ({@link WorkDirs#adoptable}). Either record may end with a {@code RUN}
 * field: the attempt is run {@code RUN}'s, adopted from it. The attempt's work directory is not
 * written down: it follows from the run id, the key and the attempt, so a record cannot point at
 * another task's directory.
 */
final class RunJournal implements AutoCloseable {
    static final String FILE_NAME = "journal";
    private static final HexFormat HEX = HexFormat.of();

    private final Path file;
    /** How often, at most, batches are synced: a power loss costs at most this long's records. */
    static final long SYNC_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private final StringBuilder pending = new StringBuilder();
    private FileChannel channel;
    /** Batches written since the last sync (the batch writer's thread only). */
    private boolean unsynced;
    /** Launch records written at once, from other threads, since the batch writer last looked. */
    private volatile boolean launchesUnsynced;
    private long lastSync = System.nanoTime() - SYNC_INTERVAL_NANOS;

    RunJournal(Path runDir) {
        this.file = runDir.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /** An attempt that succeeded, with the sizes of its output files and its inputs' fingerprint then. */
    record Success(String runId, String taskKey, int attempt, long outBytes, long errBytes, String inputs,
            String parts) implements Record {
        /** A success without its key's parts (written before they were recorded). */
        Success(String runId, String taskKey, int attempt, long outBytes, long errBytes, String inputs) {
            this(runId, taskKey, attempt, outBytes, errBytes, inputs, null);
        }

        /** The part of {@link TaskSpec#keyParts} that names the task across runs, or {@code null}. */
        String identity() {
            return parts == null ? null : parts.split(" ")[0];
        }
    }

    /** An attempt handed to its executor, with what the executor calls it and its inputs' fingerprint then. */
    record Launch(String runId, String taskKey, int attempt, String executor, String nativeId, String inputs)
            implements Record {
    }

    /**
     * What earlier runs recorded, the latest first: successes and launches by task key, and successes by
     * the task's identity (its process and params), to say what changed when a key has none.
     */
    record Earlier(Map<String, List<Success>> successes, Map<String, List<Launch>> launches,
            Map<String, List<Success>> byIdentity) {
    }

    /** Adds a record to the batch; {@link #flush} writes the batch. */
    void appendSuccess(String taskKey, int attempt, long outBytes, long errBytes, String inputs) {
        append("succeeded\t" + taskKey + "\t" + attempt + "\t" + outBytes + "\t" + errBytes + "\t" + inputs);
    }

    /** A success with its key's parts ({@link TaskSpec#keyParts}), so that a later key change can be explained. */
    void appendSuccess(String taskKey, int attempt, long outBytes, long errBytes, String inputs, String parts) {
        appendSuccess(taskKey, attempt, outBytes, errBytes, inputs, parts, null);
    }

    /**
     * A success of an attempt of run {@code ofRun}, adopted by this run from that one (whose host was
     * killed), or of this run's own attempt when {@code null}.
     */
    void appendSuccess(String taskKey, int attempt, long outBytes, long errBytes, String inputs, String parts,
            String ofRun) {
        append("succeeded\t" + taskKey + "\t" + attempt + "\t" + outBytes + "\t" + errBytes + "\t" + inputs + "\t"
                + clean(parts) + (ofRun == null ? "" : "\t" + clean(ofRun)));
    }

    /** A field holds no tab or line break, whatever an executor calls its tasks. */
    private static String clean(String field) {
        return field == null || field.isEmpty() ? "-" : field.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    private void append(String body) {
        pending.append(checksum(body)).append('\t').append(body).append('\n');
    }

    /**
     * Writes a launch record at once, from any thread, beside the batches: the record of an attempt about
     * to start must be written before the attempt can end (issue 15). Without a native id (an attempt
     * about to start) it is left to the next batch's sync: one system call per task; with one (a
     * batch job, which outlives even a power loss of its host) it is synced before this returns.
     *
     * @param ofRun the run whose attempt this is, taken up by this one, or {@code null} for this run's own
     */
    void writeLaunchNow(String taskKey, int attempt, String executor, String nativeId, String inputs, String ofRun)
            throws IOException {
        String body = "launched\t" + taskKey + "\t" + attempt + "\t" + clean(executor) + "\t" + clean(nativeId)
                + "\t" + inputs + (ofRun == null ? "" : "\t" + clean(ofRun));
        write(checksum(body) + "\t" + body + "\n", nativeId != null);
        if (nativeId == null) {
            launchesUnsynced = true;
        }
    }

    /**
     * Writes the records added since the last flush, creating the file on first use, and syncs the file
     * if the last sync is {@link #SYNC_INTERVAL_NANOS} old: a sync per batch cost 5 % of the dispatch
     * rate of trivial tasks (nearly one batch per task), since each one commits the file system's journal.
     *
     * @param now {@link System#nanoTime} or a test's clock
     * @return whether written records wait for a sync ({@link #sync}), to be made within the interval
     */
    boolean flush(long now) throws IOException {
        if (!pending.isEmpty()) {
            String text = pending.toString();
            pending.setLength(0);
            write(text, false);
            unsynced = true;
        }
        if (launchesUnsynced) {
            launchesUnsynced = false;
            unsynced = true;
        }
        if (unsynced && now - lastSync >= SYNC_INTERVAL_NANOS) {
            sync(now);
        }
        return unsynced;
    }

    /** Writes what waits and syncs at once. */
    void flush() throws IOException {
        flush(System.nanoTime());
        sync(System.nanoTime());
    }

    /** Syncs what was written; a power loss after this costs none of it. */
    void sync(long now) throws IOException {
        FileChannel open;
        synchronized (this) {
            open = channel;
        }
        if (open != null && unsynced) {
            unsynced = false;
            lastSync = now;
            open.force(false);
        }
    }

    /**
     * One append of whole lines: the channel appends each write at the end, whichever thread makes it.
     * The sync is made outside the lock, so that one thread's sync does not hold up another's write.
     */
    private void write(String lines, boolean sync) throws IOException {
        FileChannel open;
        synchronized (this) {
            if (channel == null) {
                Files.createDirectories(file.getParent());
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
            ByteBuffer bytes = ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            open = channel;
        }
        if (sync) {
            open.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            synchronized (this) {
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }

    /**
     * The successes recorded by every run under {@code workRoot}, by task key, the latest first (run ids
     * sort by the time they started). Unreadable journals and lines are left out, so a damaged journal
     * only means tasks run again.
     */
    static Map<String, List<Success>> successes(Path workRoot) {
        return read(workRoot).successes();
    }

    /** Every record of every run under {@code workRoot}; see {@link #successes}. */
    static Earlier read(Path workRoot) {
        return read(workRoot, null, true);
    }

    /**
     * The records {@code --resume} needs: successes, launch records of {@code launchesOf} only ({@code null}:
     * of every run), and the successes by identity when {@code identities}; the rest is not kept.
     */
    static Earlier read(Path workRoot, java.util.Set<String> launchesOf, boolean identities) {
        Map<String, List<Success>> byKey = new HashMap<>();
        Map<String, List<Launch>> launchesByKey = new HashMap<>();
        Map<String, List<Success>> byIdentity = new HashMap<>();
        Earlier earlier = new Earlier(byKey, launchesByKey, byIdentity);
        List<Path> runs = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workRoot.resolve("runs"))) {
            dirs.forEach(runs::add);
        } catch (NoSuchFileException e) {
            return earlier;
        } catch (IOException e) {
            return earlier;
        }
        runs.sort(Comparator.reverseOrder());
        for (Path run : runs) {
            String text;
            try {
                // A byte that is not UTF-8 spoils its line (whose checksum then fails), not the file.
                text = new String(Files.readAllBytes(run.resolve(FILE_NAME)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue; // no journal (a run before journals, or one that never succeeded a task)
            }
            String runId = run.getFileName().toString();
            List<Record> records = parseAll(runId, text);
            for (int i = records.size() - 1; i >= 0; i--) {
                switch (records.get(i)) {
                    case Success s -> {
                        byKey.computeIfAbsent(s.taskKey(), k -> new ArrayList<>()).add(s);
                        if (identities && s.identity() != null) {
                            byIdentity.computeIfAbsent(s.identity(), k -> new ArrayList<>()).add(s);
                        }
                    }
                    case Launch l -> {
                        if (launchesOf == null || launchesOf.contains(runId)) {
                            launchesByKey.computeIfAbsent(l.taskKey(), k -> new ArrayList<>()).add(l);
                        }
                    }
                }
            }
        }
        return earlier;
    }

    /** One line of a journal. */
    sealed interface Record permits Success, Launch {
    }

    /** The well-formed success records of one journal's text; a last line without its newline is torn. */
    static List<Success> parse(String runId, String text) {
        return parseAll(runId, text).stream().filter(Success.class::isInstance).map(Success.class::cast).toList();
    }

    /** The well-formed records of one journal's text, in order. */
    static List<Record> parseAll(String runId, String text) {
        List<Record> records = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                break; // torn: the crash came mid-line
            }
            Record r = parseLine(runId, text.substring(start, end));
            if (r != null) {
                records.add(r);
            }
            start = end + 1;
        }
        return records;
    }

    private static Record parseLine(String runId, String line) {
        int tab = line.indexOf('\t');
        if (tab < 0) {
            return null;
        }
        String body = line.substring(tab + 1);
        if (!line.substring(0, tab).equals(checksum(body))) {
            return null;
        }
        String[] f = body.split("\t", -1);
        try {
            // Five fields: a success written before inputs were fingerprinted (their state unknown, null).
            // Seven: with the key's parts. Eight: of an attempt adopted from the run the last field names.
            if (f.length >= 5 && f.length <= 8 && f[0].equals("succeeded")) {
                return new Success(f.length == 8 ? f[7] : runId, f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]),
                        Long.parseLong(f[4]), f.length >= 6 ? f[5] : null, f.length >= 7 ? f[6] : null);
            }
            if ((f.length == 6 || f.length == 7) && f[0].equals("launched")) {
                return new Launch(f.length == 7 ? f[6] : runId, f[1], Integer.parseInt(f[2]), f[3], f[4], f[5]);
            }
            return null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A fingerprint of input files as they are now: each one's path, size and modification time (a
     * missing one as missing), hashed; "-" for a task with none. Contents are not read: a file
     * rewritten in place with the same size within the file system's time resolution goes unnoticed,
     * and a directory counts by its own size and time, not by what is inside it.
     */
    static String inputsFingerprint(List<Path> inputs) {
        if (inputs.isEmpty()) {
            return "-";
        }
        StringBuilder text = new StringBuilder();
        for (Path input : inputs) {
            text.append(input).append('\t');
            try {
                BasicFileAttributes a = Files.readAttributes(input, BasicFileAttributes.class);
                text.append(a.size()).append('\t').append(a.lastModifiedTime().toMillis());
            } catch (IOException e) {
                text.append("missing");
            }
            text.append('\n');
        }
        return WorkDirs.sha256(text.toString()).substring(0, 32);
    }

    /**
     * The fingerprint {@code mode} asks for: {@link #inputsFingerprint(List)} for {@code standard}; for
     * {@code deep}, each input's contents (a directory's files by relative path, in order), hashed;
     * for {@code off}, one that matches nothing.
     */
    static String inputsFingerprint(List<Path> inputs, CacheMode mode) {
        return switch (mode) {
            case STANDARD -> inputsFingerprint(inputs);
            case OFF -> "off";
            case DEEP -> inputs.isEmpty() ? "-" : deepFingerprint(inputs);
        };
    }

    private static String deepFingerprint(List<Path> inputs) {
        MessageDigest sha = sha256();
        for (Path input : inputs) {
            update(sha, "input\t" + input + "\n");
            if (Files.isDirectory(input)) {
                try (Stream<Path> files = Files.walk(input)) {
                    for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                        update(sha, "file\t" + input.relativize(file) + "\t" + contentHash(file) + "\n");
                    }
                } catch (IOException | UncheckedIOException e) {
                    update(sha, "unreadable\n");
                }
            } else {
                update(sha, Files.isRegularFile(input) ? contentHash(input) + "\n" : "missing\n");
            }
        }
        return "deep:" + HEX.formatHex(sha.digest(), 0, 16);
    }

    private static String contentHash(Path file) {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            return "unreadable";
        }
        return HEX.formatHex(sha.digest());
    }

    private static void update(MessageDigest sha, String text) {
        sha.update(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        return Sha256.newDigest();
    }

    private static String checksum(String body) {
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return HEX.toHexDigits((int) crc.getValue());
    }
}
