package dev.sluice.host.run;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mark a live host keeps on its run: {@code <work>/runs/<run id>/host.lock}, locked for as long as
 * the host runs and removed once it has ended its tasks. One left behind with no lock on it belongs to a
 * run whose host was killed; the next run in the work directory asks each executor to end what that run
 * left ({@code TaskExecutor.endLeftovers}) and then removes it. The kernel drops the lock of a killed
 * process, so a host still running is never taken for a killed one.
 */
public final class HostLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostLock.class);
    static final String FILE_NAME = "host.lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private HostLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Marks the run as live. */
    public static HostLock acquire(Path workRoot, String runId) throws IOException {
        Path file = workRoot.resolve("runs").resolve(runId).resolve(FILE_NAME);
        Files.createDirectories(file.getParent());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.lock();
            } catch (OverlappingFileLockException sameJvm) {
                lock = null; // a second run of the same id in this JVM (tests): the first holds it
            }
            return new HostLock(file, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The runs under {@code workRoot}, other than {@code runId}, whose host was killed: marked, and unheld. */
    public static List<String> killedRuns(Path workRoot, String runId) {
        List<String> killed = new ArrayList<>();
        Path runs = workRoot.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return killed;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runs)) {
            for (Path dir : dirs) {
                String id = dir.getFileName().toString();
                Path file = dir.resolve(FILE_NAME);
                if (!id.equals(runId) && Files.isRegularFile(file) && unheld(file)) {
                    killed.add(id);
                }
            }
        } catch (IOException e) {
            log.warn("could not look for runs whose host was killed under {}: {}", runs, e.getMessage());
        }
        killed.sort(null);
        return killed;
    }

    /** What the killed run left was ended: its mark goes, so the next run does not look again. */
    public static void settled(Path workRoot, String killedRunId) {
        try {
            Files.deleteIfExists(workRoot.resolve("runs").resolve(killedRunId).resolve(FILE_NAME));
        } catch (IOException e) {
            log.debug("could not remove the mark of run {}: {}", killedRunId, e.getMessage());
        }
    }

    private static boolean unheld(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            return lock != null;
        } catch (OverlappingFileLockException e) {
            return false; // held in this JVM
        } catch (IOException e) {
            return false;
        }
    }

    /** The host ended its tasks: the mark goes. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            if (lock != null) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            log.debug("could not remove {}: {}", file, e.getMessage());
        }
    }
}
