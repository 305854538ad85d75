package dev.sluice.plugins.apptainer;

import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;

/**
 * The directory of pulled images, one SIF file per reference, shared by every run on the machine.
 *
 * <p>An image is pulled once:
 * <ul>
 *   <li><b>within a run</b>, every task that needs an image waits on one pull in flight
 *       ({@link Pull}); it runs on a virtual thread of its own and is killed when the last task waiting
 *       for it gives up (cancelled, interrupted, past its {@code maxWait});</li>
 *   <li><b>across runs on the machine</b>, that pull first takes an exclusive lock on the file
 *       {@code <entry>.lock} beside the entry ({@link FileChannel#tryLock}, retried every
 *       {@code lockPoll}); a run that gets the lock after another run pulled finds the entry and
 *       pulls nothing;</li>
 *   <li><b>never half-written</b>: {@code apptainer pull} writes a temporary file in the same directory
 *       ({@code .<entry>.<random>.pulling}), which is renamed onto the entry atomically once complete.
 *       An entry that exists is therefore always whole, and is used without taking the lock.</li>
 * </ul>
 * At most {@code maxConcurrentPulls} pulls of this run run at once. Lock files are never deleted, since
 * deleting one that another run has open would let two runs hold "the" lock at once.
 */
final class SifCache {
    private final Path dir;
    private final ImagePuller puller;
    private final TimeSource time;
    private final Semaphore slots;
    private final int slotCount;
    private final Duration lockPoll;
    private final BiConsumer<TaskHandle, String> reporter;
    private final Logger log;
    private final PluginMetrics.Counter pullsDone;
    private final PluginMetrics.Counter pullsFailed;
    private final Map<Path, Pull> pulls = new ConcurrentHashMap<>();
    private final AtomicInteger started = new AtomicInteger();

    /**
     * @param lockPoll how often to try again for the lock another run holds
     * @param reporter shows a task's status in the live display
     */
    SifCache(Path dir, ImagePuller puller, TimeSource time, int maxConcurrentPulls, Duration lockPoll,
            BiConsumer<TaskHandle, String> reporter, PluginMetrics metrics, Logger log) {
        this.dir = dir;
        this.puller = puller;
        this.time = time;
        this.slotCount = maxConcurrentPulls;
        this.slots = new Semaphore(maxConcurrentPulls, true);
        this.lockPoll = lockPoll;
        this.reporter = reporter;
        this.log = log;
        this.pullsDone = metrics.counter("pulls", "Images pulled into the SIF cache", "outcome", "pulled");
        this.pullsFailed = metrics.counter("pulls", "Images pulled into the SIF cache", "outcome", "failed");
    }

    /** The cache directory. */
    Path dir() {
        return dir;
    }

    /** Where the SIF file of {@code source} is (or will be) kept. */
    Path entry(ImageSource.Remote source) {
        return dir.resolve(entryName(source));
    }

    /**
     * The entry's file name: the reference made safe for a file name (for people who look into the
     * directory) and a hash of the whole reference (so that two references never share an entry).
     */
    static String entryName(ImageSource.Remote source) {
        String readable = source.uri().replaceAll("[^A-Za-z0-9._-]+", "_");
        if (readable.length() > 100) {
            readable = readable.substring(0, 100);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(source.uri().getBytes(StandardCharsets.UTF_8));
            return readable + "-" + HexFormat.of().formatHex(hash, 0, 8) + ".sif";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** How many pulls this cache has started (a test's window into "pulled once"). */
    int pullsStarted() {
        return started.get();
    }

    /**
     * Returns the SIF file of {@code source}, pulling it first when no run has yet.
     *
     * @param maxWait how long {@code task} may wait, on the plugin's clock; {@code null} for no limit
     * @throws TaskException        when the pull failed ({@link RetryableTaskException} when it may pass), or
     *                              {@code maxWait} passed
     * @throws InterruptedException when the wait was cancelled
     */
    Path ensure(ImageSource.Remote source, TaskHandle task, Duration maxWait)
            throws InterruptedException, TaskException {
        Path entry = entry(source);
        if (Files.isRegularFile(entry)) {
            return entry;
        }
        while (true) {
            Pull pull = pulls.computeIfAbsent(entry, e -> new Pull(source, e));
            if (!pull.join(task)) {
                // It is being cancelled because its last waiter left just now; start a fresh one.
                pulls.remove(entry, pull);
                continue;
            }
            try {
                return await(pull, maxWait);
            } catch (TimeoutException e) {
                throw new TaskException("gate '" + ApptainerGate.ID + "' gave up after " + Units.formatDuration(maxWait)
                        + " waiting for the pull of " + source.uri() + " (raise the hint " + ApptainerGate.MAX_WAIT
                        + " or plugins.apptainer." + ApptainerSettings.MAX_WAIT + "); last: " + pull.lastStatus);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RetryableTaskException r) {
                    throw new RetryableTaskException(r.getMessage(), r);
                }
                throw new TaskException(cause.getMessage(), cause);
            } finally {
                pull.leave(task);
            }
        }
    }

    /**
     * Waits for the pull's result, at most {@code maxWait} on the plugin's clock ({@code null}: no limit).
     *
     * <p>{@code Future.get(timeout)} would wait in real time, out of a fake clock's reach; so a timer on a
     * virtual thread of its own sleeps {@code maxWait} on the {@link TimeSource} and then completes a
     * deadline, and the waiter blocks until the pull's result or the deadline, whichever comes first. An
     * interrupt still ends the wait at once (the caller then leaves the pull, which kills it when it was
     * the last waiter), and the timer is stopped however the wait ends.
     *
     * @throws TimeoutException   when {@code maxWait} passed before the pull ended
     * @throws ExecutionException when the pull failed; its cause says how
     */
    private Path await(Pull pull, Duration maxWait) throws InterruptedException, ExecutionException, TimeoutException {
        if (maxWait == null) {
            return pull.result.get();
        }
        CompletableFuture<Void> deadline = new CompletableFuture<>();
        Thread timer = Thread.ofVirtual().name("apptainer-max-wait-" + pull.entry.getFileName()).start(() -> {
            try {
                time.sleep(maxWait);
                deadline.complete(null);
            } catch (InterruptedException e) {
                // The wait ended first; nothing to time out.
            }
        });
        try {
            try {
                CompletableFuture.anyOf(pull.result, deadline).get();
            } catch (ExecutionException e) {
                // The pull failed (the deadline never does): its own future reports how, below.
            }
            if (!pull.result.isDone()) {
                throw new TimeoutException();
            }
            return pull.result.get();
        } finally {
            timer.interrupt();
        }
    }

    /** One pull in flight, shared by every task of this run that waits for the image. */
    private final class Pull {
        final ImageSource.Remote source;
        final Path entry;
        final CompletableFuture<Path> result = new CompletableFuture<>();
        private final Set<TaskHandle> waiting = ConcurrentHashMap.newKeySet();
        private final Object guard = new Object();
        private boolean cancelled;
        private Thread thread;
        volatile String lastStatus;
        private volatile long lastProgressNanos = Long.MIN_VALUE;

        Pull(ImageSource.Remote source, Path entry) {
            this.source = source;
            this.entry = entry;
            this.lastStatus = "waiting for the pull of " + source.uri();
        }

        /** Adds a waiter and starts the pull with the first; false when the pull is being cancelled. */
        boolean join(TaskHandle task) {
            synchronized (guard) {
                if (cancelled) {
                    return false;
                }
                waiting.add(task);
                if (thread == null) {
                    started.incrementAndGet();
                    thread = Thread.ofVirtual().name("apptainer-pull-" + entry.getFileName()).start(this::run);
                }
            }
            reporter.accept(task, lastStatus);
            return true;
        }

        /** Removes a waiter; the last one to leave before the pull ended kills it. */
        void leave(TaskHandle task) {
            synchronized (guard) {
                waiting.remove(task);
                if (waiting.isEmpty() && !result.isDone() && !cancelled) {
                    cancelled = true;
                    pulls.remove(entry, this);
                    thread.interrupt();
                }
            }
        }

        private void run() {
            try {
                Path path = fetch();
                pulls.remove(entry, this);
                result.complete(path);
            } catch (InterruptedException e) {
                pulls.remove(entry, this);
                log.info("pull of {} cancelled: no task waits for it any more", source.uri());
                result.completeExceptionally(new TaskException("the pull of " + source.uri() + " was cancelled"));
            } catch (TaskException e) {
                pullsFailed.increment();
                pulls.remove(entry, this);
                log.warn("pull of {} failed: {}", source.uri(), e.getMessage());
                result.completeExceptionally(e);
            } catch (RuntimeException | Error e) {
                // A fault of sluice or of the machine, not Apptainer's words: the waiters must still hear of it
                // (an incomplete result would hold them forever), in words, with the details in the log. An Error
                // is not rethrown: it is logged here, and this thread ends now anyway.
                pullsFailed.increment();
                pulls.remove(entry, this);
                log.error("pull of {} failed unexpectedly", source.uri(), e);
                result.completeExceptionally(new TaskException("the pull of " + source.uri() + " failed unexpectedly: "
                        + Problems.describe(e) + " (the run's log has the details; run again, and report it if it "
                        + "happens again)", e));
            }
        }

        private Path fetch() throws InterruptedException, TaskException {
            Path lockFile = entry.resolveSibling(entry.getFileName() + ".lock");
            try {
                Files.createDirectories(dir);
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock lock = lock(channel)) {
                    if (Files.isRegularFile(entry)) {
                        status("pulled by another run on this machine: " + entry.getFileName(), true);
                        return entry;
                    }
                    removeLeftovers();
                    if (!slots.tryAcquire()) {
                        status("waiting for a free pull slot (plugins.apptainer." + ApptainerSettings.MAX_CONCURRENT_PULLS
                                + ": " + slotCount + ") to pull " + source.uri(), true);
                        slots.acquire();
                    }
                    Path partial = dir.resolve("." + entry.getFileName() + "." + UUID.randomUUID() + ".pulling");
                    try {
                        log.info("pulling {} into {}", source.uri(), entry);
                        puller.pull(source, partial, new PullStatus() {
                            @Override
                            public void state(String text) {
                                status(text, true);
                            }

                            @Override
                            public void progress(String text) {
                                status(text, false);
                            }
                        });
                        Files.move(partial, entry, StandardCopyOption.ATOMIC_MOVE);
                        pullsDone.increment();
                        log.info("pulled {}", source.uri());
                        return entry;
                    } finally {
                        slots.release();
                        Files.deleteIfExists(partial);
                    }
                }
            } catch (IOException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("pull cancelled");
                }
                throw new TaskException("cannot keep " + source.uri() + " in the cache directory " + dir + ": "
                        + Problems.describe(e) + "; check that it is writable, or set plugins.apptainer."
                        + ApptainerSettings.CACHE_DIR, e);
            }
        }

        /** The exclusive lock on the entry's lock file, waiting (on the plugin's clock) while another run holds it. */
        private FileLock lock(FileChannel channel) throws IOException, InterruptedException {
            boolean told = false;
            while (true) {
                try {
                    FileLock lock = channel.tryLock();
                    if (lock != null) {
                        return lock;
                    }
                } catch (OverlappingFileLockException e) {
                    // Another cache of this JVM (a second run in the same process) holds it: wait the same way.
                }
                if (!told) {
                    status("waiting for another run on this machine that pulls " + source.uri(), true);
                    told = true;
                }
                time.sleep(lockPoll);
            }
        }

        /** Temporary files of this entry left by a pull that died; safe to remove while holding the lock. */
        private void removeLeftovers() throws IOException {
            String prefix = "." + entry.getFileName() + ".";
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir,
                    p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".pulling"))) {
                for (Path p : leftovers) {
                    Files.deleteIfExists(p);
                }
            }
        }

        /** Shows {@code text} to every waiting task; progress lines at most four times a second. */
        private void status(String text, boolean always) {
            long now = time.nanoTime();
            if (!always && lastProgressNanos != Long.MIN_VALUE && now - lastProgressNanos < 250_000_000L) {
                return;
            }
            lastProgressNanos = now;
            lastStatus = text;
            for (TaskHandle t : waiting) {
                reporter.accept(t, text);
            }
        }
    }
}
