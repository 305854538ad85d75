package dev.sluice.host.events;

import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A file of whole lines, written in batches: lines wait in memory ({@link #lines}) and reach the file
 * together, in one write, at the end of a turn of the monitor's loop ({@link #turnEnded}) once
 * {@link #BATCH_INTERVAL} has passed since the last write (so at most ten writes a second), sooner when
 * {@link #BATCH_CHARS} wait, and whenever the owner asks ({@link #writeNow}: a header, the loop's end).
 * While writes succeed a reader never sees half a line; one following the file sees each line within
 * about a third of a second, since the loop turns at least every 250 ms (longer while an executor's call
 * holds a turn). Writing at every turn instead cost two writes per short task, about a sixth of what the
 * outputs cost the monitor's thread in a run of them (async-profiler). Used from one thread, the monitor's.
 */
public final class LineFile implements AutoCloseable {
    /** The least time between two writes, unless {@link #BATCH_CHARS} wait. */
    public static final Duration BATCH_INTERVAL = Duration.ofMillis(100);
    /** What may wait in memory before it is written whatever the time. */
    public static final int BATCH_CHARS = 64 * 1024;

    private final Path file;
    /** What the file is, for errors: "the trace". */
    private final String what;
    private final TimeSource time;
    private final OutputStream out;
    private final StringBuilder lines = new StringBuilder();
    private long lastWriteNanos;
    private boolean everWritten;

    /**
     * Creates (or empties) the file, and the directories above it.
     *
     * @param what what the file is, for the message of a failed write: "the trace"
     */
    public LineFile(Path file, String what, TimeSource time) throws IOException {
        this(file, what, time, open(file));
    }

    /** Writes to {@code out}, named {@code file} in errors: for tests that watch the writes. */
    LineFile(Path file, String what, TimeSource time, OutputStream out) {
        this.file = file;
        this.what = what;
        this.time = time;
        this.out = out;
    }

    private static OutputStream open(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        return Files.newOutputStream(file);
    }

    public Path file() {
        return file;
    }

    /** Where whole lines go, each ending with a newline; they reach the file at the next write. */
    public StringBuilder lines() {
        return lines;
    }

    /**
     * Ends a turn of the loop: writes what waits when a batch is due.
     *
     * @return whether it wrote
     * @throws UncheckedIOException naming the file when the write failed
     */
    public boolean turnEnded() {
        if (lines.isEmpty()) {
            return false;
        }
        if (everWritten && lines.length() < BATCH_CHARS
                && time.nanoTime() - lastWriteNanos < BATCH_INTERVAL.toNanos()) {
            return false;
        }
        writeNow();
        return true;
    }

    /**
     * Writes what waits, now.
     *
     * @throws UncheckedIOException naming the file when the write failed
     */
    public void writeNow() {
        try {
            write();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + " " + file, e);
        }
    }

    /**
     * Writes what waits, now, in one write. What a failed write held is dropped, as a crash would drop
     * it: written again later, it could follow the part of it that got through (a disk that filled up
     * during the write can leave the file ending in part of a line).
     *
     * @throws IOException when the write failed (a full disk)
     */
    public void write() throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        byte[] batch = lines.toString().getBytes(StandardCharsets.UTF_8);
        lines.setLength(0);
        out.write(batch);
        everWritten = true;
        lastWriteNanos = time.nanoTime();
    }

    /** Writes what waits and closes the file. */
    @Override
    public void close() throws IOException {
        try {
            write();
        } finally {
            out.close();
        }
    }
}
