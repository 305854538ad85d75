package dev.sluice.kit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file that says "a live process owns this" by holding a lock on it for as long as it lives: the
 * kernel drops the lock of a process that dies, however it dies, so another process that finds the
 * file with no lock on it knows its owner is gone. The file is locked before it gets its name, so no
 * one ever sees it unlocked while its owner lives. Appends go through {@link #append}.
 */
public final class HeldFile implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private HeldFile(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates {@code file} with {@code content}, locked, replacing any file of that name. */
    public static HeldFile create(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + file.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            FileLock lock = channel.lock();
            if (!content.isEmpty()) {
                write(channel, content);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new HeldFile(file, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Whether {@code file} exists and no live process holds it. */
    public static boolean unheld(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            return lock != null;
        } catch (OverlappingFileLockException e) {
            return false; // held in this JVM
        } catch (IOException e) {
            return false;
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Appends {@code text} in one write: a few bytes appended to a file opened for appending never mix
     * with another thread's.
     */
    public void append(String text) throws IOException {
        write(channel, text);
    }

    private static void write(FileChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** The owner is done: the file goes, then the lock. */
    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
        } finally {
            lock.release();
            channel.close();
        }
    }
}
