package dev.sluice.host.events;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The event log: one JSON object per line for everything that happens to the run and its tasks, each
 * with its time, the run id and the event's name. Lines are written whole, in batches at the end of a
 * turn of the monitor's loop ({@link LineFile}: at most ten writes a second unless 64 K characters
 * wait; every turn when a {@link Sink} listens), so a reader never sees half a line while the writes
 * succeed, a crash loses at most the events of the last moments, and a batch costs one write however
 * many events it holds. The events and their fields are listed in {@code docs/user-guide/progress-and-trace.md}.
 *
 * <p>Each line has a {@code seq}, one more than the line before: the id a reader resumes from. A
 * {@link Sink} (the event stream of {@code sluice serve}) continues the count of an earlier run and
 * hears of each turn's lines once they are written.
 */
public final class EventLog implements RunListener, AutoCloseable {
    /**
     * Times are ISO-8601 in UTC with milliseconds always shown, so that every line's time has the same
     * width. This formats the second; the milliseconds are added by hand (formatting every millisecond
     * was a tenth of what the event log cost a run of short tasks).
     */
    private static final DateTimeFormatter SECOND =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    /** Jackson's escaping of JSON strings, for the strings that need it. */
    private static final JsonStringEncoder ESCAPES = JsonStringEncoder.getInstance();

    private final LineFile out;
    private final String runId;
    private final String pipeline;
    private final TimeSource time;
    /**
     * Whole lines not yet written: {@link #out}'s. Each event is appended here field by field, as JSON
     * written by hand: a map per event and Jackson's generator were a seventh of the monitor's thread time per task
     * for five lines a task.
     */
    private final StringBuilder lines;
    /** The line being appended: where it starts, its number, event and task; whether it has a field yet. */
    private int lineStart;
    private long lineSeq;
    private String lineEvent;
    private String lineTask;
    private boolean lineEmpty;
    /**
     * A line begun and not ended: a value failed as it was written (a sink's lookup, the masker). The part
     * written is dropped before the next line or write, so the file never holds half a line.
     */
    private boolean lineOpen;
    /** The last time written and its text: the events of one millisecond share it. */
    private long lastMillis = Long.MIN_VALUE;
    private String lastTime;
    /** The second of {@link #lastMillis} and its text up to the milliseconds. */
    private long lastSecond = Long.MIN_VALUE;
    private String secondText;
    /** The outcome attemptFinished logged for a task's latest attempt, so its state change does not log it twice. */
    private final Map<TaskProgress, TaskState> attemptLogged = new HashMap<>();
    /**
     * Gates started and not yet ended, with their attempt. A gate interrupted as its task's verdict came
     * may report its end only after the task moved on to its next attempt, or after the run ended; the
     * monitor then drops it, and the log ends the gate itself.
     */
    private final Map<TaskProgress, Map<String, Integer>> openGates = new HashMap<>();
    /** Tasks whose current attempt's task_started was logged. */
    private final Set<TaskProgress> startLogged = new HashSet<>();
    private long startedNanos;
    /** The last line's number. */
    private long seq;
    /** Hears of the lines once written, or {@code null}; then nothing below is kept. */
    private Sink sink;
    /** The lines of this turn, for the sink. */
    private List<Line> pending = new ArrayList<>();

    /** One line as written: its number, event and task (or {@code null}), and its text without the newline. */
    public record Line(long seq, String event, String task, String text) {
    }

    /**
     * Who hears of the lines as they are written. Called on the monitor's thread: it must not block (a
     * bounded, non-blocking hand-over; readers are served from elsewhere).
     */
    public interface Sink {
        /** The number of the line before this log's first: the count goes on from there. */
        long lastSeq();

        /** The turn's lines, in order, once they are in the file (so a number sent is never reused). */
        void written(List<Line> lines);

        /** No line follows: the log is closed. */
        default void closed() {
        }

        /**
         * Fields the sink's owner adds to each line about task {@code taskId} (a service: the tenant and
         * workflow its orchestrator named), in order; empty for none. The monitor's thread: a lookup, no more.
         */
        default Map<String, String> taskFields(String taskId) {
            return Map.of();
        }
    }

    public EventLog(Path file, String runId, String pipeline, TimeSource time) throws IOException {
        this.runId = runId;
        this.pipeline = pipeline;
        this.time = time;
        this.out = new LineFile(file, "the event log", time);
        this.lines = out.lines();
    }

    public Path file() {
        return out.file();
    }

    /**
     * Hands each turn's lines to {@code value}, and numbers them on from its {@link Sink#lastSeq()}. Set
     * before the first line.
     */
    public EventLog sink(Sink value) {
        if (seq != 0) {
            throw new IllegalStateException("the sink comes before the first line");
        }
        this.sink = value;
        this.seq = value.lastSeq();
        return this;
    }

    @Override
    public void runStarted(List<TaskProgress> tasks) {
        startedNanos = time.nanoTime();
        begin("run_started", null);
        field("pipeline", pipeline);
        field("tasks", tasks.size());
        end();
        tasksAdded(tasks);
    }

    @Override
    public void tasksAdded(List<TaskProgress> tasks) {
        for (TaskProgress task : tasks) {
            begin("task_pending", task);
            end();
        }
    }

    @Override
    public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
        TaskState logged = to.isTerminal() || to == TaskState.RETRY_WAIT ? attemptLogged.remove(task) : null;
        if (to.isTerminal()) {
            // Its start is not logged again. (Gates still open end by their own report, or at the run's end.)
            startLogged.remove(task);
        }
        switch (to) {
            case GATED -> {
                startLogged.remove(task);
                endOpenGates(task);
                begin("task_gated", task);
                end();
            }
            case QUEUED -> {
                startLogged.remove(task);
                endOpenGates(task);
                begin("task_queued", task);
                end();
            }
            case SUBMITTED -> {
                begin("task_submitted", task);
                field("executor", task.executorName());
                if (task.task() != null && !task.task().assigned().isEmpty()) {
                    // What the gates set aside for this attempt, e.g. {"gpu": ["GPU-5e8c..."]}.
                    field("assigned", task.task().assigned());
                }
                field("workdir", task.task() == null ? null : task.task().workDir().toString());
                end();
            }
            case RUNNING -> logStarted(task, time.now());
            case RETRY_WAIT -> {
                begin("task_retried", task);
                field("next_attempt", task.attempt() + 1);
                end();
            }
            case IGNORED -> withError("task_ignored", task);
            case SKIPPED -> withError("task_skipped", task);
            // Logged here only when no attempt ended first (a work directory that could not be made,
            // a task cancelled before it started or while waiting to be retried).
            case FAILED -> {
                if (logged != TaskState.FAILED) {
                    withError("task_failed", task);
                }
            }
            case CANCELLED -> {
                if (logged != TaskState.CANCELLED) {
                    withError("task_cancelled", task);
                }
            }
            default -> {
                // WAITING is never entered again; SUCCEEDED and CACHED come with attemptFinished.
            }
        }
    }

    @Override
    public void gateStarted(TaskProgress task, String gateId, Instant at) {
        openGates.computeIfAbsent(task, t -> new LinkedHashMap<>()).put(gateId, task.attempt());
        begin("gate_started", task, at, -1);
        field("gate", gateId);
        end();
    }

    @Override
    public void gateFinished(TaskProgress task, String gateId, Instant at, Throwable failure) {
        Map<String, Integer> open = openGates.get(task);
        if (open != null && open.remove(gateId) != null && open.isEmpty()) {
            openGates.remove(task);
        }
        begin("gate_finished", task, at, -1);
        field("gate", gateId);
        field("outcome", failure == null ? "passed" : failure instanceof InterruptedException ? "interrupted"
                : "failed");
        if (failure != null && !(failure instanceof InterruptedException)) {
            field("error", failure.getMessage() == null ? failure.toString() : failure.getMessage());
        }
        end();
    }

    @Override
    public void statusChanged(TaskProgress task) {
        begin("task_status", task);
        field("status", task.status());
        end();
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        String name = switch (outcome) {
            case SUCCEEDED -> "task_completed";
            case CACHED -> "task_cached";
            case CANCELLED -> "task_cancelled";
            default -> "task_failed";
        };
        if (task.startedAt() != null && outcome != TaskState.CACHED && !startLogged.contains(task)) {
            // It ended before a poll saw it running: its start, at the time the executor gave.
            logStarted(task, task.startedAt());
        }
        if (outcome != TaskState.CACHED) {
            attemptLogged.put(task, outcome == TaskState.SUCCEEDED || outcome == TaskState.CANCELLED
                    ? outcome : TaskState.FAILED);
        }
        begin(name, task);
        field("native_id", task.nativeId());
        field("exit", task.exitCode());
        if (outcome == TaskState.CACHED && task.task() != null) {
            field("workdir", task.task().workDir().toString());
        }
        field("error", task.error());
        end();
    }

    private void logStarted(TaskProgress task, Instant at) {
        startLogged.add(task);
        begin("task_started", task, at, -1);
        field("native_id", task.nativeId());
        end();
    }

    /** Ends the gates of an earlier attempt whose end never came: they were interrupted. */
    private void endOpenGates(TaskProgress task) {
        Map<String, Integer> open = openGates.remove(task);
        if (open == null) {
            return;
        }
        open.forEach((gateId, attempt) -> {
            // The attempt the gate ran for, where the task's own would be.
            begin("gate_finished", task, time.now(), attempt);
            field("gate", gateId);
            field("outcome", "interrupted");
            end();
        });
    }

    /** The final states of the tasks the run let go of, counted, for run_finished's counts. */
    private final Map<TaskState, Integer> letGo = new EnumMap<>(TaskState.class);

    @Override
    public void tasksLetGo(Map<TaskState, Integer> counts) {
        counts.forEach((state, n) -> letGo.merge(state, n, Integer::sum));
    }

    @Override
    public void runFinished(List<TaskProgress> tasks) {
        for (TaskProgress task : List.copyOf(openGates.keySet())) {
            endOpenGates(task);
        }
        Map<TaskState, Integer> byState = new EnumMap<>(letGo);
        tasks.forEach(t -> byState.merge(t.state(), 1, Integer::sum));
        Map<String, Integer> counts = new LinkedHashMap<>();
        byState.forEach((state, n) -> counts.put(state.label(), n));
        begin("run_finished", null);
        field("counts", counts);
        field("wall_time_ms", (time.nanoTime() - startedNanos) / 1_000_000);
        end();
        writeNow();
    }

    /**
     * Writes the events waiting when a batch is due; at every turn when a sink listens, whose readers
     * (a service's event stream) are told of each line as soon as it is in the file.
     */
    @Override
    public void tick() {
        if (sink != null) {
            writeNow();
        } else {
            out.turnEnded();
        }
    }

    /** Every task has ended: their events go out now, not after the executors' shutdown. */
    @Override
    public void loopEnded() {
        writeNow();
    }

    private void writeNow() {
        dropOpenLine();
        try {
            out.writeNow();
        } catch (RuntimeException e) {
            // The batch is not in the file: the sink never hears of it, or a number it sent could be reused.
            pending = new ArrayList<>();
            throw e;
        }
        if (sink != null && !pending.isEmpty()) {
            // Handed over, not copied: the sink keeps the list.
            List<Line> turn = pending;
            pending = new ArrayList<>();
            sink.written(turn);
        }
    }

    /** Writes what waits and closes the file. (The generator writes to memory only: nothing of its to close.) */
    @Override
    public void close() throws IOException {
        try {
            try {
                writeNow();
            } catch (RuntimeException e) {
                try {
                    out.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            out.close();
        } finally {
            if (sink != null) {
                sink.closed();
            }
        }
    }

    String time(Instant at) {
        long millis = at.toEpochMilli();
        if (millis != lastMillis) {
            lastMillis = millis;
            long second = Math.floorDiv(millis, 1000);
            if (second != lastSecond) {
                lastSecond = second;
                secondText = SECOND.format(Instant.ofEpochSecond(second));
            }
            int ms = (int) Math.floorMod(millis, 1000);
            lastTime = secondText + (char) ('0' + ms / 100) + (char) ('0' + ms / 10 % 10) + (char) ('0' + ms % 10)
                    + 'Z';
        }
        return lastTime;
    }

    /** Starts an event's line with the fields every event has, and a task's when it is about one. */
    private void begin(String name, TaskProgress task) {
        begin(name, task, time.now(), -1);
    }

    /**
     * Starts a line: its time, the run, its number and the event; for a task, the task's id, process,
     * name, attempt (or {@code attempt} when not negative: the gate's of an earlier attempt), labels and
     * the sink's fields. Numbered as begun: every line begun is ended next, in this order.
     */
    private void begin(String name, TaskProgress task, Instant at, int attempt) {
        dropOpenLine();
        lineOpen = true;
        lineStart = lines.length();
        lineSeq = ++seq;
        lineEvent = name;
        lineTask = task == null ? null : task.id();
        lineEmpty = true;
        lines.append('{');
        field("time", time(at));
        field("run", runId);
        field("seq", lineSeq);
        field("event", name);
        if (task == null) {
            return;
        }
        field("task", task.id());
        field("process", task.processName());
        field("name", task.name());
        boolean ownAttempt = task.attempt() > 0;
        if (ownAttempt) {
            field("attempt", attempt >= 0 ? attempt : task.attempt());
        }
        if (!task.labels().isEmpty()) {
            field("labels", task.labels());
        }
        if (sink != null) {
            sink.taskFields(task.id()).forEach(this::field);
        }
        if (!ownAttempt && attempt >= 0) {
            field("attempt", attempt);
        }
    }

    private void dropOpenLine() {
        if (lineOpen) {
            lines.setLength(lineStart);
            lineOpen = false;
        }
    }

    /** A task's end or verdict, with its error when it has one. */
    private void withError(String name, TaskProgress task) {
        begin(name, task);
        field("error", task.error());
        end();
    }

    /**
     * Appends one field to the line begun; a {@code null} value is left out. Secret values never reach the
     * file: every string value is masked, whatever field holds it, before it is escaped.
     */
    private void field(String key, Object value) {
        if (value == null) {
            return;
        }
        if (!lineEmpty) {
            lines.append(',');
        }
        lineEmpty = false;
        string(key);
        lines.append(':');
        value(value);
    }

    /**
     * A value as JSON. Tests of type in a chain, not a switch on patterns: javac routes that switch through
     * a class the JDK generates at run time and calls through method handles, slow until compiled, and this
     * runs for every field of every event.
     */
    private void value(Object value) {
        if (value == null) {
            lines.append("null");
        } else if (value instanceof String text) {
            string(Redaction.redact(text));
        } else if (value instanceof Integer || value instanceof Long) {
            lines.append(((Number) value).longValue());
        } else if (value instanceof Number || value instanceof Boolean) {
            lines.append(value);
        } else if (value instanceof Map<?, ?> map) {
            lines.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    lines.append(',');
                }
                first = false;
                string(String.valueOf(e.getKey()));
                lines.append(':');
                value(e.getValue());
            }
            lines.append('}');
        } else if (value instanceof Iterable<?> items) {
            lines.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    lines.append(',');
                }
                first = false;
                value(item);
            }
            lines.append(']');
        } else {
            string(Redaction.redact(value.toString()));
        }
    }

    /** A JSON string: as it is unless it holds a quote, a backslash or a control character, which Jackson escapes. */
    private void string(String text) {
        lines.append('"');
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            i++;
        }
        if (i == n) {
            lines.append(text);
        } else {
            ESCAPES.quoteAsString(text, lines);
        }
        lines.append('"');
    }

    /** Ends the line begun, and writes the batch when it is full. */
    private void end() {
        lines.append('}').append('\n');
        lineOpen = false;
        if (sink != null) {
            pending.add(new Line(lineSeq, lineEvent, lineTask, lines.substring(lineStart, lines.length() - 1)));
        }
        // Not between a failed attempt and what follows it (its retry): a reader of the stream tells a
        // task's end from a retried attempt by the next line, so the two are handed over together.
        if (lines.length() >= LineFile.BATCH_CHARS && !"task_failed".equals(lineEvent)) {
            writeNow();
        }
    }
}
