package dev.sluice.plugins.docker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an attached stream's bytes verbatim to the task's {@code .command.out} and {@code .command.err}
 * as they arrive (no buffering, so that a reader of the stdout protocol sees lines at once), and calls
 * back once when the stream ends. The end of the stream says nothing of the exit code: the callback
 * asks the engine for it.
 */
final class OutputSink implements Engine.Output {
    private final OutputStream out;
    private final OutputStream err;
    private final Runnable onEnd;
    private final Path stdout;
    private final org.slf4j.Logger log;
    private volatile boolean writeFailed;
    private boolean ended;
    private boolean ready;
    private boolean endPending;

    OutputSink(Path stdout, Path stderr, Runnable onEnd, org.slf4j.Logger log) throws IOException {
        this.stdout = stdout;
        this.log = log;
        this.out = Files.newOutputStream(stdout);
        this.err = Files.newOutputStream(stderr);
        this.onEnd = onEnd;
    }

    @Override
    public void stdout(byte[] bytes) {
        write(out, bytes);
    }

    @Override
    public void stderr(byte[] bytes) {
        write(err, bytes);
    }

    private void write(OutputStream stream, byte[] bytes) {
        try {
            stream.write(bytes);
        } catch (IOException e) {
            if (!writeFailed) {
                writeFailed = true;
                log.warn("cannot write the output of a task into {}: {}; the rest of it is lost", stdout.getParent(),
                        e.toString());
            }
        }
    }

    @Override
    public void ended() {
        end();
    }

    private void end() {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            if (!ready) {
                endPending = true;
            }
        }
        closeQuietly(out);
        closeQuietly(err);
        if (!endPending) {
            onEnd.run();
        }
    }

    /**
     * Lets the end callback run: the caller has recorded what the callback needs. An end that came
     * before is handled now, on the caller's thread.
     */
    void ready() {
        boolean runNow;
        synchronized (this) {
            ready = true;
            runNow = endPending;
            endPending = false;
        }
        if (runNow) {
            onEnd.run();
        }
    }

    /** Closes the files without waiting for the stream, when the task never started. */
    void abandon() {
        synchronized (this) {
            ended = true;
        }
        closeQuietly(out);
        closeQuietly(err);
    }

    private static void closeQuietly(OutputStream s) {
        try {
            s.close();
        } catch (IOException e) {
            // Nothing more can be written; the task's result does not depend on it.
        }
    }
}
