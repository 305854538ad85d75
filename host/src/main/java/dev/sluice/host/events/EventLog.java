package dev.sluice.host.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
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
    /** Jackson's streaming writer alone: an ObjectMapper costs a run's start-up and is not needed here. */
    private static final JsonFactory JSON = new JsonFactory();

    private final LineFile out;
    private final String runId;
    private final String pipeline;
    private final TimeSource time;
    /** Whole lines not yet written: {@link #out}'s. */
    private final StringBuilder lines;
    /** Writes each event into {@link #lines}, with no string or tree in between. */
    private final JsonGenerator json;
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
        this.json = JSON.createGenerator(new Writer() {
            @Override
            public void write(char[] chars, int offset, int length) {
                lines.append(chars, offset, length);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        // One object per line: no separator of Jackson's between them.
        json.setRootValueSeparator(null);
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
        Map<String, Object> e = event("run_started", null);
        e.put("pipeline", pipeline);
        e.put("tasks", tasks.size());
        write(e);
        tasksAdded(tasks);
    }

    @Override
    public void tasksAdded(List<TaskProgress> tasks) {
        for (TaskProgress task : tasks) {
            write(event("task_pending", task));
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
                write(event("task_gated", task));
            }
            case QUEUED -> {
                startLogged.remove(task);
                endOpenGates(task);
                write(event("task_queued", task));
            }
            case SUBMITTED -> {
                Map<String, Object> e = event("task_submitted", task);
                e.put("executor", task.executorName());
                if (task.task() != null && !task.task().assigned().isEmpty()) {
                    // What the gates set aside for this attempt, e.g. {"gpu": ["GPU-5e8c..."]}.
                    e.put("assigned", task.task().assigned());
                }
                e.put("workdir", task.task() == null ? null : task.task().workDir().toString());
                write(e);
            }
            case RUNNING -> logStarted(task, time.now());
            case RETRY_WAIT -> {
                Map<String, Object> e = event("task_retried", task);
                e.put("next_attempt", task.attempt() + 1);
                write(e);
            }
            case IGNORED -> write(withError(event("task_ignored", task), task));
            case SKIPPED -> write(withError(event("task_skipped", task), task));
            // Logged here only when no attempt ended first (a work directory that could not be made,
            // a task cancelled before it started or while waiting to be retried).
            case FAILED -> {
                if (logged != TaskState.FAILED) {
                    write(withError(event("task_failed", task), task));
                }
            }
            case CANCELLED -> {
                if (logged != TaskState.CANCELLED) {
                    write(withError(event("task_cancelled", task), task));
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
        Map<String, Object> e = event("gate_started", task, at);
        e.put("gate", gateId);
        write(e);
    }

    @Override
    public void gateFinished(TaskProgress task, String gateId, Instant at, Throwable failure) {
        Map<String, Integer> open = openGates.get(task);
        if (open != null && open.remove(gateId) != null && open.isEmpty()) {
            openGates.remove(task);
        }
        Map<String, Object> e = event("gate_finished", task, at);
        e.put("gate", gateId);
        e.put("outcome", failure == null ? "passed" : failure instanceof InterruptedException ? "interrupted"
                : "failed");
        if (failure != null && !(failure instanceof InterruptedException)) {
            e.put("error", failure.getMessage() == null ? failure.toString() : failure.getMessage());
        }
        write(e);
    }

    @Override
    public void statusChanged(TaskProgress task) {
        Map<String, Object> e = event("task_status", task);
        e.put("status", task.status());
        write(e);
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
        Map<String, Object> e = event(name, task);
        e.put("native_id", task.nativeId());
        e.put("exit", task.exitCode());
        if (outcome == TaskState.CACHED && task.task() != null) {
            e.put("workdir", task.task().workDir().toString());
        }
        write(withError(e, task));
    }

    private void logStarted(TaskProgress task, Instant at) {
        startLogged.add(task);
        Map<String, Object> e = event("task_started", task, at);
        e.put("native_id", task.nativeId());
        write(e);
    }

    /** Ends the gates of an earlier attempt whose end never came: they were interrupted. */
    private void endOpenGates(TaskProgress task) {
        Map<String, Integer> open = openGates.remove(task);
        if (open == null) {
            return;
        }
        open.forEach((gateId, attempt) -> {
            Map<String, Object> e = event("gate_finished", task);
            e.put("attempt", attempt);
            e.put("gate", gateId);
            e.put("outcome", "interrupted");
            write(e);
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
        Map<String, Object> e = event("run_finished", null);
        e.put("counts", counts);
        e.put("wall_time_ms", (time.nanoTime() - startedNanos) / 1_000_000);
        write(e);
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

    private Map<String, Object> event(String name, TaskProgress task) {
        return event(name, task, time.now());
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

    /** The fields every event has; a task's when it is about one. */
    private Map<String, Object> event(String name, TaskProgress task, Instant at) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", time(at));
        e.put("run", runId);
        // Numbered as made: every event made is written next, in this order.
        e.put("seq", ++seq);
        e.put("event", name);
        if (task != null) {
            e.put("task", task.id());
            e.put("process", task.processName());
            e.put("name", task.name());
            if (task.attempt() > 0) {
                e.put("attempt", task.attempt());
            }
            if (!task.labels().isEmpty()) {
                e.put("labels", task.labels());
            }
            if (sink != null) {
                e.putAll(sink.taskFields(task.id()));
            }
        }
        return e;
    }

    private static Map<String, Object> withError(Map<String, Object> e, TaskProgress task) {
        e.put("error", task.error());
        return e;
    }

    /**
     * Strings (map keys aside) are masked one by one, before JSON escapes them. Tests of type in a chain, not
     * a switch on patterns: javac routes that switch through a class the JDK generates at run time and calls
     * through method handles, slow until compiled, and this runs for every field of every event.
     */
    private void writeValue(Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof String text) {
            json.writeString(Redaction.redact(text));
        } else if (value instanceof Integer n) {
            json.writeNumber(n);
        } else if (value instanceof Long n) {
            json.writeNumber(n);
        } else if (value instanceof Number n) {
            json.writeNumber(n.toString());
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                json.writeFieldName(String.valueOf(e.getKey()));
                writeValue(e.getValue());
            }
            json.writeEndObject();
        } else if (value instanceof Iterable<?> items) {
            json.writeStartArray();
            for (Object item : items) {
                writeValue(item);
            }
            json.writeEndArray();
        } else {
            json.writeString(Redaction.redact(value.toString()));
        }
    }

    private void write(Map<String, Object> event) {
        // Secret values never reach the file: every value is masked, whatever field holds it.
        try {
            int start = lines.length();
            json.writeStartObject();
            for (Map.Entry<String, Object> field : event.entrySet()) {
                Object value = field.getValue();
                if (value == null) {
                    continue;
                }
                json.writeFieldName(field.getKey());
                writeValue(value);
            }
            json.writeEndObject();
            json.writeRaw('\n');
            json.flush(); // into lines: the line is whole
            if (sink != null) {
                pending.add(new Line((Long) event.get("seq"), (String) event.get("event"), (String) event.get("task"),
                        lines.substring(start, lines.length() - 1)));
            }
            // Not between a failed attempt and what follows it (its retry): a reader of the stream tells a
            // task's end from a retried attempt by the next line, so the two are handed over together.
            if (lines.length() >= LineFile.BATCH_CHARS && !"task_failed".equals(event.get("event"))) {
                writeNow();
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event " + event.get("event") + " as JSON", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the event log " + out.file(), e);
        }
    }
}
