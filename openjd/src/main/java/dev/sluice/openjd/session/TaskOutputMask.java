package dev.sluice.openjd.session;

import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.spi.TaskFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Masks the session's secrets in a task's {@code .command.out} and {@code .command.err} once the task
 * has ended ({@code maskTaskOutput}), as the reference runtime masks them in a task's log.
 *
 * <p>After the end, not while the task writes: the files are written by the task's own process (or its
 * executor: a container, a cluster node), which sluice cannot filter without standing between the task
 * and its output; rewriting a file the task still appends to would lose what it writes meanwhile. The
 * host records the files' sizes for {@code --resume} after the wrapper's end, so it records the masked
 * sizes. A file without a secret is left as it is (not even rewritten); one with a secret is replaced
 * whole, atomically, so a reader sees the old file or the masked one.
 */
final class TaskOutputMask {
    /** Longest piece of a line masked at once; a line longer than this (binary output) is masked piece by piece. */
    private static final int MAX_PIECE = 1 << 20;

    private final TaskFiles files;
    private final SessionSecrets secrets;

    /** The task's own work directory, which holds the files (not always where the task started). */
    Path directory() {
        return files.workDir();
    }

    TaskOutputMask(TaskFiles files, SessionSecrets secrets) {
        this.files = files;
        this.secrets = secrets;
    }

    /**
     * Masks both files.
     *
     * @throws IOException naming the file that could not be read or replaced
     */
    void apply() throws IOException {
        if (secrets.isEmpty()) {
            return;
        }
        mask(files.stdout());
        mask(files.stderr());
    }

    /** Masks one file; returns whether it held a secret. */
    boolean mask(Path file) throws IOException {
        if (secrets.isEmpty()) {
            return false;
        }
        Path temp = file.resolveSibling("." + file.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".masking");
        OutputStream out = null;
        boolean moved = false;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long lineStart = 0;
            long offset = 0;
            int b;
            while (true) {
                b = in.read();
                boolean end = b < 0;
                if (!end) {
                    offset++;
                    if (b != '\n') {
                        line.write(b);
                        if (line.size() < MAX_PIECE) {
                            continue;
                        }
                    }
                }
                if (line.size() > 0 || !end) {
                    byte[] bytes = line.toByteArray();
                    // Only a line that holds a secret is decoded and written again, so other bytes (output
                    // that is not UTF-8) stay exactly as the task wrote them.
                    String text = new String(bytes, StandardCharsets.UTF_8);
                    String masked = secrets.redact(text);
                    boolean changed = !masked.equals(text);
                    if (changed && out == null) {
                        out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                        copyPrefix(file, lineStart, out);
                    }
                    if (out != null) {
                        out.write(changed ? masked.getBytes(StandardCharsets.UTF_8) : bytes);
                        if (!end && b == '\n') {
                            out.write('\n');
                        }
                    }
                    line.reset();
                    lineStart = offset;
                }
                if (end) {
                    break;
                }
            }
            if (out == null) {
                return false;
            }
            out.close();
            out = null;
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            return true;
        } catch (NoSuchFileException e) {
            // The task wrote nothing there (or never started): nothing to mask.
            return false;
        } finally {
            if (out != null) {
                out.close();
            }
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Copies the first {@code length} bytes of {@code file}, which hold no secret, to {@code out}. */
    private static void copyPrefix(Path file, long length, OutputStream out) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long copied = 0;
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(64 * 1024);
            while (copied < length) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), length - copied));
                int n = channel.read(buffer, copied);
                if (n < 0) {
                    throw new IOException(file + " became shorter while its secrets were masked");
                }
                out.write(buffer.array(), 0, n);
                copied += n;
            }
        }
    }
}
