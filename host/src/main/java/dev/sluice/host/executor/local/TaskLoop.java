package dev.sluice.host.executor.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local executor's task loop ({@code sluice-task-loop}, built from {@code host/src/main/c/sluice-task-loop.c}
 * beside the host's native library): one small process per run that starts the run's tasks, reaps them and
 * reports in batches, so that the next task starts the moment one ends without a round trip through the
 * JVM, and several ends cost the host one wake-up (docs/adr/2026-12-05-native-task-loop.md). The host hands
 * it launches ahead of its free CPUs; it starts them in order as they fit.
 *
 * <p>Requests go to its stdin as frames; its reports come back as lines, read on one thread here and handed to
 * {@link Reports}. Closing its stdin (or the host dying) makes it drop what waits, SIGKILL every running
 * task's group, and exit once all are reaped.
 */
final class TaskLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);
    /** The system property naming the program; otherwise {@code <sluice.home>/lib/native/}. */
    static final String PROPERTY = "sluice.task.loop";
    static final String FILE_NAME = "sluice-task-loop";
    /** The largest request the loop reads: arguments and environment of one launch beyond it are refused. */
    static final int MAX_FRAME = 64 << 20;

    /** A launch larger than {@link #MAX_FRAME}: nothing was sent. */
    static final class TooLarge extends IOException {
        TooLarge(int length) {
            super("its arguments and environment take " + length + " bytes, more than the " + (MAX_FRAME >> 20)
                    + " MB a launch may; pass large data in files instead");
        }
    }

    /** How long the loop holds reports while enough launches wait in it: the most an end's report is late. */
    static final Duration HOLD = Duration.ofMillis(3);

    /** What the loop reports, called on its reader thread. */
    interface Reports {
        /** The loop these reports will come from, before any of them: called by {@link #start}. */
        default void from(TaskLoop loop) {
        }

        void started(long id, long pid);

        /** The launch could not be started: {@code error} is the errno. */
        void notStarted(long id, int error);

        /** The task started but its launch-file line could not be written ({@code error}): the loop killed it. */
        void notListed(long id, int error);

        /** The task ended: its wait status, the kernel's peak memory of it and of the loop itself (kilobytes). */
        void ended(long id, int status, long maxRssKilobytes, long loopMaxRssKilobytes);

        /** A launch still waiting was dropped (a signal asked for it). */
        void dropped(long id);

        /** Every report of one read has been handed over. */
        void batchDone();

        /** The loop is gone or cannot go on; no report follows. */
        void lost(String why);
    }

    private final Posix posix;
    private final Spawner.Child child;
    private final int input;
    private final int output;
    private final Reports reports;
    private final Thread reader;
    private final Frame frame = new Frame();
    private boolean inputClosed;
    private volatile boolean closing;
    /** Completes when the loop said it is ready; fails when it ended or failed before that. */
    private final java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();
    /** How long {@link #start} waits for the loop to say it is ready. */
    private static final Duration READY_WAIT = Duration.ofSeconds(10);

    private TaskLoop(Posix posix, Spawner.Child child, int input, int output, Reports reports) {
        this.posix = posix;
        this.child = child;
        this.input = input;
        this.output = output;
        this.reports = reports;
        this.reader = Thread.ofPlatform().daemon().name("sluice-local-loop").unstarted(this::read);
    }

    /** Where the program is: {@code -Dsluice.task.loop}, else {@code <sluice.home>/lib/native/}; null where neither says. */
    static Path location() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getProperty("sluice.home");
        return home == null || home.isBlank() ? null : Path.of(home, "lib", "native", FILE_NAME);
    }

    /**
     * Starts the loop.
     *
     * @param launchFile where it lists the groups it starts ({@link LocalSupervisor})
     * @param cpus       the CPUs its tasks may hold at once (0: not counted)
     * @param memory     the memory they may hold at once, in bytes (0: not counted)
     * @param low        reports are held only while more than this many launches wait
     * @throws IOException when it cannot be started (then the executor launches from the JVM)
     */
    static TaskLoop start(PosixSpawner spawner, Path program, Path launchFile, int cpus, long memory, int low,
            Reports reports) throws IOException {
        if (!Files.isExecutable(program)) {
            throw new IOException(program + " is not an executable file");
        }
        PosixSpawner.Service service = spawner.startService(List.of(program.toString(), launchFile.toString(),
                Integer.toString(cpus), Long.toString(memory), Integer.toString(low), Long.toString(HOLD.toMillis())));
        TaskLoop loop = new TaskLoop(spawner.posix(), service.child(), service.input(), service.output(), reports);
        reports.from(loop);
        loop.reader.start();
        try {
            loop.ready.get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            loop.abandon();
            loop.posix.kill((int) loop.child.pid(), Posix.SIGKILL);
            throw new IOException("the task loop did not start: " + (e instanceof ExecutionException failed
                    ? failed.getCause().getMessage() : "no word from it in " + READY_WAIT.toSeconds() + " s"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.abandon();
            throw new IOException("interrupted while the task loop started", e);
        }
        return loop;
    }

    /**
     * Closes its stdin without waiting: it drops what waits, asks every running group to end (SIGTERM,
     * SIGKILL 10 s later) and exits. For a loop the host gives up on.
     */
    void abandon() {
        closing = true;
        synchronized (this) {
            if (!inputClosed) {
                inputClosed = true;
                posix.close(input);
            }
        }
    }

    /**
     * Hands over a launch; it starts when it fits. The program is a resolved path; {@code environment} is
     * "NAME=value" each, added to the host's variables with {@code addToHost}, else the whole environment.
     */
    synchronized void launch(long id, int cpus, long memory, boolean endGroup, Spawner.Request request,
            List<String> environment, boolean addToHost) throws IOException {
        frame.start("L").add(Long.toString(id)).add(Integer.toString(cpus)).add(Long.toString(memory))
                .add(endGroup ? "1" : "0").add(addToHost ? "1" : "0").add(Integer.toString(request.argv().size()))
                .add(Integer.toString(environment.size())).add(request.program().toString())
                .add(request.workDir().toString()).add(request.stdout().toString()).add(request.stderr().toString());
        for (String argument : request.argv()) {
            frame.add(argument);
        }
        for (String variable : environment) {
            frame.add(variable);
        }
        send();
    }

    /** Sends {@code signal} to the group of the task launched as {@code id}, or drops the launch if it still waits. */
    synchronized void signal(long id, int signal) throws IOException {
        frame.start("K").add(Long.toString(id)).add(Integer.toString(signal));
        send();
    }

    private void send() throws IOException {
        if (inputClosed) {
            throw new IOException("the task loop is closed");
        }
        if (frame.length - 4 > MAX_FRAME) {
            throw new TooLarge(frame.length - 4);
        }
        byte[] bytes = frame.finish();
        int length = frame.length;
        for (int from = 0; from < length; from += 4096) {
            int error = posix.write(input, bytes, from, Math.min(length, from + 4096) - from);
            if (error < 0) {
                throw new IOException("writing to the task loop: " + posix.strerror(-error));
            }
        }
    }

    /**
     * Closes its stdin: it drops what waits, ends every running group and reports their ends; waits up to
     * {@code wait} for the last report. Whether it ended as asked (exit status 0, its reports read): false
     * when it had died or did not end in time (then it is killed).
     */
    boolean close(Duration wait) {
        abandon();
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            reader.join(wait);
            Spawner.Exit exit = child.exit().get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                    TimeUnit.MILLISECONDS);
            return exit.exitCode() == 0 && !reader.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            log.warn("the local executor's task loop (pid {}) did not end in {}; killing it", child.pid(), wait);
            posix.kill((int) child.pid(), Posix.SIGKILL);
            return false;
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    long pid() {
        return child.pid();
    }

    private void read() {
        byte[] buffer = new byte[16384];
        int held = 0;
        String lost = null;
        try {
            while (true) {
                int count = posix.read(output, buffer, held, buffer.length - held);
                if (count == -Posix.EINTR) {
                    continue;
                }
                if (count <= 0) {
                    lost = count == 0 ? "it ended" : "reading its reports failed: " + posix.strerror(-count);
                    break;
                }
                held += count;
                int line = 0;
                for (int i = 0; i < held; i++) {
                    if (buffer[i] == '\n') {
                        String problem = handle(buffer, line, i);
                        if (problem != null) {
                            lost = problem;
                        }
                        line = i + 1;
                    }
                }
                System.arraycopy(buffer, line, buffer, 0, held - line);
                held -= line;
                if (held == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                reports.batchDone();
                if (lost != null) {
                    break;
                }
            }
        } catch (RuntimeException | Error e) {
            lost = "reading its reports failed: " + e;
        } finally {
            posix.close(output);
            String why = lost == null ? "it stopped" : lost;
            if (!ready.isDone()) {
                ready.completeExceptionally(new IOException(why));
            } else if (!closing || !"it ended".equals(lost)) {
                reports.lost(why);
            }
        }
    }

    /** One report line, {@code buffer[from, to)}; a reason when the loop cannot go on, else null. */
    private String handle(byte[] buffer, int from, int to) {
        long[] numbers = new long[5];
        int count = 0;
        int i = from + 2;
        while (i < to && count < numbers.length) {
            boolean negative = buffer[i] == '-';
            if (negative) {
                i++;
            }
            long value = 0;
            while (i < to && buffer[i] >= '0' && buffer[i] <= '9') {
                value = value * 10 + (buffer[i] - '0');
                i++;
            }
            numbers[count++] = negative ? -value : value;
            if (i < to && buffer[i] != ' ') {
                break;
            }
            i++;
        }
        switch (buffer[from]) {
            case 'R' -> ready.complete(null);
            case 'S' -> reports.started(numbers[0], numbers[1]);
            case 'W' -> reports.notListed(numbers[0], (int) numbers[1]);
            case 'F' -> reports.notStarted(numbers[0], (int) numbers[1]);
            case 'E' -> reports.ended(numbers[0], (int) numbers[1], numbers[2], numbers[3]);
            case 'C' -> reports.dropped(numbers[0]);
            case 'X' -> {
                // "X errno what": the words after the number say what failed.
                int words = from + 2;
                while (words < to && buffer[words] != ' ') {
                    words++;
                }
                String what = new String(buffer, Math.min(words + 1, to), Math.max(0, to - words - 1), StandardCharsets.UTF_8);
                return what + ": " + posix.strerror((int) numbers[0]);
            }
            default -> {
                return "it wrote what the host cannot read: "
                        + new String(buffer, from, to - from, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** A request being built: a 4-byte little-endian length, then NUL-terminated UTF-8 fields. */
    private static final class Frame {
        private final NulStrings fields = new NulStrings();
        int length;

        Frame start(String type) {
            fields.clear(4);
            return add(type);
        }

        Frame add(String text) {
            fields.add(text);
            length = fields.length;
            return this;
        }

        byte[] finish() {
            byte[] bytes = fields.bytes;
            int body = length - 4;
            bytes[0] = (byte) body;
            bytes[1] = (byte) (body >>> 8);
            bytes[2] = (byte) (body >>> 16);
            bytes[3] = (byte) (body >>> 24);
            return bytes;
        }
    }
}
