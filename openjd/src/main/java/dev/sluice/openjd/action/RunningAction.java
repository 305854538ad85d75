package dev.sluice.openjd.action;

import dev.sluice.kit.AtomicFiles;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One action started by an {@link ActionRunner}: its process, its cancelation and its result.
 *
 * <p>Its end comes from the main process's exit: the result is completed once the process has exited
 * and its output has been read to the end (or, when something it left running keeps the output open,
 * after {@link #OUTPUT_DRAIN}). A canceled action's process group is SIGKILLed when its main process
 * exits, so nothing it started outlives the cancel.
 */
public final class RunningAction {
    /** The file that tells a NOTIFY_THEN_TERMINATE action when it will be killed. */
    public static final String CANCEL_INFO_FILE = "cancel_info.json";
    /**
     * How long, after the main process exited, the runner waits for the rest of its output when a
     * process it left running still holds the output pipe open; real time, as it only bounds a wait.
     */
    static final Duration OUTPUT_DRAIN = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(RunningAction.class);
    private static final DateTimeFormatter NOTIFY_END =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final Action action;
    private final Process process;
    private final Instant startedAt;
    private final TimeSource time;
    private final SystemPrograms programs;
    private final SessionSecrets secrets;
    private final Path sessionDirectory;
    private final ActionListener listener;
    private final String name;
    private final CompletableFuture<Void> outputClosed = new CompletableFuture<>();
    private final CompletableFuture<ActionResult> result = new CompletableFuture<>();

    /** Guards the cancel state below. Never held while waiting for {@link #outputLock}. */
    private final ReentrantLock lock = new ReentrantLock();
    private ActionState endCause;
    private String endMessage;
    /** When SIGKILL is due for the cancel under way; null while no cancel was requested. */
    private Instant killDeadline;
    private Thread timeoutThread;
    private Thread graceThread;
    private boolean leaderExited;
    private boolean resultDecided;

    /** Guards the log file and the listener, so that output and control lines keep their order. */
    private final ReentrantLock outputLock = new ReentrantLock();
    private final BufferedWriter logFile;
    private boolean outputFinished;
    private volatile String failMessage;
    private long lineNumber;

    RunningAction(Action action, Process process, Instant startedAt, TimeSource time, SystemPrograms programs,
            SessionSecrets secrets, Path sessionDirectory, BufferedWriter logFile, ActionListener listener) {
        this.action = action;
        this.process = process;
        this.startedAt = startedAt;
        this.time = time;
        this.programs = programs;
        this.secrets = secrets;
        this.sessionDirectory = sessionDirectory;
        this.logFile = logFile;
        this.listener = listener;
        this.name = action.argv().getFirst() + " (pid " + process.pid() + ")";
    }

    /** Starts the output reader and the timeout, then watches for the exit. */
    void begin() {
        Thread.ofVirtual().name("action-output-" + process.pid()).start(this::readOutput);
        if (action.timeout().isPresent()) {
            Duration limit = action.timeout().get();
            lock.lock();
            try {
                // Assigned before it runs, so that an early exit always finds it to interrupt.
                timeoutThread = Thread.ofVirtual().name("action-timeout-" + process.pid()).unstarted(() -> {
                    try {
                        time.sleep(limit);
                    } catch (InterruptedException e) {
                        return;
                    }
                    requestCancel(ActionState.TIMEOUT, "action " + action.argv().getFirst() + " timed out after "
                            + Units.formatDuration(limit) + " and was canceled", null);
                });
                timeoutThread.start();
            } finally {
                lock.unlock();
            }
        }
        process.onExit().whenComplete((exited, failure) ->
                Thread.ofVirtual().name("action-end-" + process.pid()).start(this::finish));
    }

    /** The main process's id, which is also its process group's id. */
    public long pid() {
        return process.pid();
    }

    /** When the process was started. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The action this runs. */
    public Action action() {
        return action;
    }

    /** Whether the result is not complete yet. */
    public boolean isRunning() {
        return !result.isDone();
    }

    /** Completes with the result when the action has ended; never completes exceptionally. */
    public CompletableFuture<ActionResult> result() {
        // A copy, so that callers cannot complete the runner's own future.
        return result.copy();
    }

    /** Waits for the result. */
    public ActionResult awaitResult() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("recording the end of action " + name + " failed", e.getCause());
        }
    }

    /**
     * Cancels the action by its cancelation method; it ends as {@link ActionState#CANCELED} with this
     * reason. Does nothing when the action has ended already. Safe from any thread.
     */
    public void cancel(String reason) {
        cancel(reason, null);
    }

    /**
     * Cancels the action, allowing at most {@code notifyLimit} between SIGTERM and SIGKILL (for a host
     * that must stop sooner than the action's notify period). A second call during the notify period may
     * only bring the SIGKILL closer: then the action gets another SIGTERM and a rewritten
     * {@code cancel_info.json}. A zero limit sends SIGKILL at once.
     *
     * @param notifyLimit the longest notify period to allow, or null for the action's own
     */
    public void cancel(String reason, Duration notifyLimit) {
        if (notifyLimit != null && notifyLimit.isNegative()) {
            throw new IllegalArgumentException("the notify limit must not be negative, got " + notifyLimit);
        }
        requestCancel(ActionState.CANCELED, reason == null || reason.isBlank() ? "canceled" : reason, notifyLimit);
    }

    private void requestCancel(ActionState cause, String message, Duration notifyLimit) {
        // The output lock is held until the notes are written, so that finish() cannot close the log
        // between the signal and its note (a process killed at once ends in between); it is taken
        // first, as a listener may call cancel() while the output reader holds it, so the cancel lock
        // never waits for the output lock.
        List<String> notes = new ArrayList<>(2);
        outputLock.lock();
        lock.lock();
        try {
            if (resultDecided) {
                return;
            }
            // A protocol failure read after the exit still fails the action; a cancel or timeout that
            // comes after the process ended by itself changes nothing.
            if (leaderExited && cause != ActionState.FAILED) {
                return;
            }
            if (endCause == null) {
                endCause = cause;
                endMessage = secrets.redact(message);
            }
            if (leaderExited) {
                return;
            }
            Duration period = action.cancelation().notifyPeriod();
            if (notifyLimit != null && notifyLimit.compareTo(period) < 0) {
                period = notifyLimit;
            }
            Instant deadline = time.now().plus(period);
            if (killDeadline != null && !deadline.isBefore(killDeadline)) {
                return;
            }
            killDeadline = deadline;
            if (graceThread != null) {
                graceThread.interrupt();
                graceThread = null;
            }
            if (period.isZero()) {
                notes.add("canceling (" + endMessage + "): SIGKILL to " + killTarget());
                kill(notes);
                return;
            }
            String notifyEnd = NOTIFY_END.format(deadline.truncatedTo(ChronoUnit.SECONDS));
            writeCancelInfo(notifyEnd, notes);
            if (action.signals() == CancelSignals.MAIN_PROCESS_THEN_TREE) {
                notes.add("canceling (" + endMessage + "): SIGTERM to process " + process.pid()
                        + " only; SIGKILL to " + killTarget() + " at " + notifyEnd + " unless it has exited");
                // Through its handle: Process.destroy() would also close the pipe its last output is read from.
                // The JDK signals it only while it has not been reaped, so a reused pid is never hit.
                process.toHandle().destroy();
            } else {
                notes.add("canceling (" + endMessage + "): SIGTERM to process group " + process.pid()
                        + "; SIGKILL at " + notifyEnd + " unless it has exited");
                signal("TERM", notes);
            }
            Duration wait = period;
            graceThread = Thread.ofVirtual().name("action-notify-" + process.pid()).unstarted(() -> {
                try {
                    time.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
                notifyPeriodOver(deadline);
            });
            graceThread.start();
        } finally {
            lock.unlock();
            try {
                notes.forEach(this::control);
            } finally {
                outputLock.unlock();
            }
        }
    }

    private void notifyPeriodOver(Instant deadline) {
        List<String> notes = new ArrayList<>(2);
        // As in requestCancel(): the SIGKILL's note before finish() closes the log.
        outputLock.lock();
        lock.lock();
        try {
            // A later, shorter cancel replaced this deadline, or the process is gone already.
            if (leaderExited || !deadline.equals(killDeadline)) {
                return;
            }
            graceThread = null;
            notes.add("notify period over: SIGKILL to " + killTarget());
            kill(notes);
        } finally {
            lock.unlock();
            try {
                notes.forEach(this::control);
            } finally {
                outputLock.unlock();
            }
        }
    }

    /** Writes this action's {@code cancel_info.json}; a file that cannot be written does not stop the cancel. */
    private void writeCancelInfo(String notifyEnd, List<String> notes) {
        try {
            writeCancelInfo(sessionDirectory, notifyEnd);
        } catch (IOException | RuntimeException e) {
            Path target = sessionDirectory.resolve(CANCEL_INFO_FILE);
            log.warn("action {}: could not write {} ({}); it gets SIGTERM without knowing its deadline", name,
                    target, e.toString());
            notes.add("could not write " + target + ": " + e.getMessage());
        }
    }

    /**
     * Writes {@code {"NotifyEnd": "..."}} into {@code sessionDirectory} atomically, so that the action
     * never reads half a file. Also used for task runs, which the host cancels through their executor.
     *
     * @param notifyEnd when SIGKILL is due
     */
    public static void writeCancelInfo(Path sessionDirectory, Instant notifyEnd) throws IOException {
        writeCancelInfo(sessionDirectory, NOTIFY_END.format(notifyEnd.truncatedTo(ChronoUnit.SECONDS)));
    }

    private static void writeCancelInfo(Path sessionDirectory, String notifyEnd) throws IOException {
        AtomicFiles.write(sessionDirectory.resolve(CANCEL_INFO_FILE), "{\"NotifyEnd\": \"" + notifyEnd + "\"}\n",
                StandardCharsets.UTF_8);
    }

    private String killTarget() {
        return action.signals() == CancelSignals.MAIN_PROCESS_THEN_TREE
                ? "process group " + process.pid() + " and every process descended from " + process.pid()
                : "process group " + process.pid();
    }

    /**
     * SIGKILL to the group and, for {@link CancelSignals#MAIN_PROCESS_THEN_TREE}, to the main process's
     * descendants: they are listed before the group is killed, since a child whose parent died is no
     * longer anyone's descendant, and {@link ProcessHandle#destroyForcibly} checks each one's start time,
     * so a pid reused meanwhile is not hit.
     */
    private void kill(List<String> notes) {
        List<ProcessHandle> tree = action.signals() == CancelSignals.MAIN_PROCESS_THEN_TREE
                ? process.descendants().toList() : List.of();
        signal("KILL", notes);
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    private void signal(String signal, List<String> notes) {
        try {
            programs.signalGroup(signal, process);
        } catch (IOException e) {
            log.error("action {}: could not send SIG{} to its process group: {}", name, signal, e.getMessage(), e);
            notes.add("could not send SIG" + signal + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("action {}: interrupted while sending SIG{}", name, signal);
        }
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                handleLine(line);
            }
        } catch (IOException e) {
            log.debug("action {}: reading its output ended: {}", name, e.toString());
        } catch (RuntimeException e) {
            log.error("action {}: reading its output failed", name, e);
        } finally {
            outputClosed.complete(null);
        }
    }

    private void handleLine(String line) {
        ActionMessage message = ActionMessage.parse(line);
        // Registered first, so that the line that defines a secret is masked too.
        message.secrets().forEach(secrets::register);
        String shown = secrets.redact(line);
        String protocolFailure = null;
        outputLock.lock();
        try {
            if (outputFinished) {
                return;
            }
            lineNumber++;
            writeLog(shown);
            notify(() -> listener.onOutput(shown));
            switch (message) {
                case ActionMessage.SetEnvironment set ->
                        notify(() -> listener.onEnvironmentSet(set.name(), set.value(), set.redacted()));
                case ActionMessage.UnsetEnvironment unset -> notify(() -> listener.onEnvironmentUnset(unset.name()));
                case ActionMessage.Status status -> notify(() -> listener.onStatus(secrets.redact(status.message())));
                case ActionMessage.Progress progress -> notify(() -> listener.onProgress(progress.percent()));
                case ActionMessage.Fail fail -> {
                    String why = secrets.redact(fail.message());
                    failMessage = why;
                    notify(() -> listener.onFailMessage(why));
                }
                case ActionMessage.Malformed malformed -> protocolFailure = "action " + action.argv().getFirst()
                        + " broke the stdout protocol at output line " + lineNumber + ": "
                        + secrets.redact(malformed.problem());
                case ActionMessage.Plain plain -> {
                }
            }
        } finally {
            outputLock.unlock();
        }
        if (protocolFailure != null) {
            requestCancel(ActionState.FAILED, protocolFailure, null);
        }
    }

    private void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("action {}: its listener failed: {}", name, e.toString(), e);
        }
    }

    /** A line of the runner's own in the log file, marked as such. */
    private void control(String text) {
        log.info("action {}: {}", name, text);
        outputLock.lock();
        try {
            if (!outputFinished) {
                writeLog("sluice: " + text);
            }
        } finally {
            outputLock.unlock();
        }
    }

    private void writeLog(String line) {
        if (logFile == null) {
            return;
        }
        try {
            logFile.write(line);
            logFile.write('\n');
            // Flushed per line so that a reader following the log sees it as it happens.
            logFile.flush();
        } catch (IOException e) {
            log.warn("action {}: could not write its log: {}", name, e.toString());
        }
    }

    /** Runs once the main process has exited, on a virtual thread of its own. */
    private void finish() {
        try {
            boolean canceled;
            lock.lock();
            try {
                leaderExited = true;
                canceled = killDeadline != null;
                if (timeoutThread != null) {
                    timeoutThread.interrupt();
                }
                if (graceThread != null) {
                    graceThread.interrupt();
                }
            } finally {
                lock.unlock();
            }
            if (canceled) {
                // Whatever the canceled action left running in its group goes with it.
                List<String> notes = new ArrayList<>(1);
                signal("KILL", notes);
                notes.forEach(this::control);
            }
            awaitOutput();
            Instant endedAt = time.now();
            int exitCode = process.exitValue();
            ActionState cause;
            String causeMessage;
            lock.lock();
            try {
                resultDecided = true;
                cause = endCause;
                causeMessage = endMessage;
            } finally {
                lock.unlock();
            }
            outputLock.lock();
            try {
                outputFinished = true;
                closeLog();
            } finally {
                outputLock.unlock();
            }
            result.complete(decide(cause, causeMessage, exitCode, endedAt));
        } catch (RuntimeException | Error e) {
            log.error("action {}: recording its end failed", name, e);
            result.completeExceptionally(e);
        }
    }

    private ActionResult decide(ActionState cause, String causeMessage, int exitCode, Instant endedAt) {
        if (cause != null) {
            return new ActionResult(cause, exitCode, Optional.of(causeMessage), startedAt, endedAt);
        }
        if (exitCode == 0) {
            return new ActionResult(ActionState.SUCCEEDED, 0, Optional.empty(), startedAt, endedAt);
        }
        String why = failMessage;
        return new ActionResult(ActionState.FAILED, exitCode, Optional.of(why != null ? why
                : "action " + action.argv().getFirst() + " exited with status " + exitCode), startedAt, endedAt);
    }

    private void awaitOutput() {
        try {
            outputClosed.get(OUTPUT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            control("the main process exited but a process it started still holds the output open; output"
                    + " after this line is not captured (redirect background processes' output to a file)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug("action {}: output reader failed", name, e);
        }
    }

    private void closeLog() {
        if (logFile == null) {
            return;
        }
        try {
            logFile.close();
        } catch (IOException e) {
            log.warn("action {}: could not close its log: {}", name, e.toString());
        }
    }
}
