package dev.sluice.openjd.session;

import dev.sluice.openjd.action.ActionListener;
import dev.sluice.openjd.action.ActionMessage;
import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.spi.TimeSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a task's stdout file as it grows and applies Open Job Description's stdout protocol to it:
 * {@code openjd_status} and {@code openjd_progress} become the task's status, {@code openjd_fail}
 * its failure message, and a malformed or near-miss line fails it. Tasks are launched by executors
 * that write their output to a file (on a shared file system for a cluster), so the file is what
 * there is to read; it is read every {@link #POLL} and once more, to the end, when the task ended.
 */
final class TaskOutputWatcher {
    /** How often the file is read while the task runs. */
    static final Duration POLL = Duration.ofMillis(200);
    private static final Logger log = LoggerFactory.getLogger(TaskOutputWatcher.class);

    private final Path file;
    private final SessionSecrets secrets;
    private final TimeSource time;
    private final ActionListener variables;
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private long offset;
    private long lineNumber;
    private Consumer<String> status = s -> { };
    private Consumer<String> failure = s -> { };
    private String failMessage;
    private String protocolFailure;
    private Thread thread;
    private boolean finished;

    TaskOutputWatcher(Path file, SessionSecrets secrets, TimeSource time) {
        this(file, secrets, time, null);
    }

    /**
     * @param variables where the task's {@code openjd_env}, {@code openjd_redacted_env} and
     *                  {@code openjd_unset_env} lines go ({@code taskVariables}); {@code null} to ignore them
     */
    TaskOutputWatcher(Path file, SessionSecrets secrets, TimeSource time, ActionListener variables) {
        this.file = file;
        this.secrets = secrets;
        this.time = time;
        this.variables = variables;
    }

    /** Starts reading in the background. */
    void start(Consumer<String> statusSink, Consumer<String> failureSink) {
        lock.lock();
        try {
            if (finished || thread != null) {
                return;
            }
            this.status = statusSink;
            this.failure = failureSink;
            thread = Thread.ofVirtual().name("task-output-" + file.getParent().getFileName()).start(this::loop);
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                read(false);
                time.sleep(POLL);
            }
        } catch (InterruptedException e) {
            // finish() reads the rest.
        }
    }

    /** Stops the background reading and reads what is left. */
    Optional<String> finish() {
        Thread reader;
        lock.lock();
        try {
            reader = thread;
        } finally {
            lock.unlock();
        }
        if (reader != null) {
            reader.interrupt();
            try {
                reader.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        read(true);
        lock.lock();
        try {
            finished = true;
            return Optional.ofNullable(failMessage);
        } finally {
            lock.unlock();
        }
    }

    /** The first line that broke the protocol, with what is wrong. */
    Optional<String> protocolFailure() {
        lock.lock();
        try {
            return Optional.ofNullable(protocolFailure);
        } finally {
            lock.unlock();
        }
    }

    private void read(boolean toTheEnd) {
        lock.lock();
        try {
            if (finished) {
                return;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                channel.position(offset);
                int n;
                while ((n = channel.read(buffer)) > 0) {
                    offset += n;
                    buffer.flip();
                    split(buffer);
                    buffer.clear();
                }
            } catch (NoSuchFileException e) {
                // Not created yet.
            } catch (IOException e) {
                log.debug("reading {} failed: {}", file, e.toString());
            }
            if (toTheEnd && partial.size() > 0) {
                line(partial.toString(StandardCharsets.UTF_8));
                partial.reset();
            }
        } finally {
            lock.unlock();
        }
    }

    private void split(ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
            byte b = buffer.get();
            if (b == '\n') {
                String text = partial.toString(StandardCharsets.UTF_8);
                partial.reset();
                line(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
            } else {
                partial.write(b);
            }
        }
    }

    private void line(String text) {
        lineNumber++;
        ActionMessage message = ActionMessage.parse(text);
        message.secrets().forEach(secrets::register);
        switch (message) {
            case ActionMessage.Status s -> status.accept(secrets.redact(s.message()));
            case ActionMessage.Progress p -> status.accept(String.format(Locale.ROOT, "%.0f%% done", p.percent()));
            case ActionMessage.Fail f -> failMessage = secrets.redact(f.message());
            case ActionMessage.Malformed m -> {
                if (protocolFailure == null) {
                    protocolFailure = "the task broke the stdout protocol at line " + lineNumber + " of " + file
                            + ": " + secrets.redact(m.problem());
                    failure.accept(protocolFailure);
                }
            }
            // A task's own openjd_env lines do not change the session, as OpenJD lets only an environment's
            // enter set variables, unless the pipeline asked for RFC 0008's reading (taskVariables).
            case ActionMessage.SetEnvironment e -> {
                if (variables == null) {
                    log.debug("{}: openjd_env from a task is ignored", file);
                } else {
                    variables.onEnvironmentSet(e.name(), e.value(), e.redacted());
                }
            }
            case ActionMessage.UnsetEnvironment e -> {
                if (variables == null) {
                    log.debug("{}: openjd_unset_env from a task is ignored", file);
                } else {
                    variables.onEnvironmentUnset(e.name());
                }
            }
            case ActionMessage.Plain p -> {
            }
        }
    }
}
