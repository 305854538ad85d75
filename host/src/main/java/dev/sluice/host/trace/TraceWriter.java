package dev.sluice.host.trace;

import dev.sluice.host.events.LineFile;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The trace: a tab-separated file with a header row and one row per finished task attempt. Rows are
 * written whole, in batches at the end of a turn of the monitor's loop ({@link LineFile}: at most ten
 * writes a second unless 64 K characters wait), so a reader never sees half a row while the writes
 * succeed and a crash loses at most the rows of the last moments. Column names follow Nextflow's where
 * they mean the same.
 */
public final class TraceWriter implements RunListener, AutoCloseable {

    /**
     * A trace column: its header, how to read it off a finished attempt, and whether it is free text
     * (names, paths, messages: masked and kept on one line) or a figure the host made (a number, a time,
     * a state), written as it is.
     */
    private record Column(String name, Function<Row, Object> value, boolean text) {
        Column(String name, Function<Row, Object> value) {
            this(name, value, true);
        }

        static Column figure(String name, Function<Row, Object> value) {
            return new Column(name, value, false);
        }
    }

    private record Row(TraceWriter trace, TaskProgress task, TaskState outcome) {
    }

    private static final List<Column> COLUMNS = List.of(
            Column.figure("task_id", r -> r.task().id()),
            Column.figure("hash", r -> hash(r.task())),
            new Column("native_id", r -> r.task().nativeId()),
            new Column("process", r -> r.task().processName()),
            new Column("name", r -> r.task().name()),
            new Column("labels", r -> r.task().labels().isEmpty() ? null : String.join(",", r.task().labels())),
            Column.figure("status", r -> r.outcome().name()),
            Column.figure("exit", r -> r.task().exitCode()),
            Column.figure("attempt", r -> r.task().attempt()),
            Column.figure("submit", r -> r.trace().time(r.task().submittedAt())),
            Column.figure("start", r -> r.trace().time(r.task().startedAt())),
            Column.figure("complete", r -> r.trace().time(r.task().completedAt())),
            Column.figure("gate_wait", r -> duration(r.task().gateWait())),
            Column.figure("queue_wait", r -> duration(r.task().queueWait())),
            Column.figure("duration", r -> duration(r.task().duration())),
            Column.figure("realtime", r -> duration(r.task().realtime())),
            Column.figure("cpus", r -> r.task().task() == null ? null : r.task().task().resources().cpus()),
            Column.figure("memory", r -> r.task().task() == null || r.task().task().resources().memoryBytes() == 0
                    ? null : Units.formatSize(r.task().task().resources().memoryBytes())),
            Column.figure("peak_rss", r -> r.task().peakRss() == null ? null : Units.formatSize(r.task().peakRss())),
            new Column("gpus", r -> r.task().gpus()),
            new Column("workdir", r -> r.task().task() == null ? null : r.task().task().workDir()),
            new Column("error", r -> r.task().error()));

    private final LineFile out;
    /** Whole rows not yet written: {@link #out}'s. */
    private final StringBuilder rows;
    /** The epoch second last written and its text without the zone, for {@link #time}. */
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix;
    private final List<Column> columns;

    /** A trace with every column, batched by the system's clock. */
    public TraceWriter(Path file) throws IOException {
        this(file, List.of(), TimeSource.system());
    }

    /**
     * A trace with the named columns, in that order, or every column when {@code names} is empty; the
     * header is written at once, rows in batches timed by {@code time}.
     *
     * @throws IllegalArgumentException naming an unknown column and listing the known ones
     */
    public TraceWriter(Path file, List<String> names, TimeSource time) throws IOException {
        this.columns = select(names);
        this.out = new LineFile(file, "the trace", time);
        this.rows = out.lines();
        rows.append(String.join("\t", columns.stream().map(Column::name).toList())).append('\n');
        try {
            out.write();
        } catch (IOException e) {
            // Said where the run starts, as for a trace that cannot be created (a full disk).
            try {
                out.close();
            } catch (IOException ignored) {
                // the write's failure is the one to report
            }
            throw e;
        }
    }

    /** Every column's name, in the default order. */
    public static List<String> columnNames() {
        return COLUMNS.stream().map(Column::name).toList();
    }

    /** Checks column names before a run starts; see {@link #TraceWriter(Path, List, TimeSource)}. */
    public static void checkColumns(List<String> names) {
        select(names);
    }

    private static List<Column> select(List<String> names) {
        if (names.isEmpty()) {
            return COLUMNS;
        }
        List<Column> chosen = new java.util.ArrayList<>();
        for (String name : names) {
            Column column = COLUMNS.stream().filter(c -> c.name().equals(name.strip())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown trace column '" + name.strip()
                            + "'; the columns are " + String.join(",", columnNames())));
            if (chosen.contains(column)) {
                throw new IllegalArgumentException("trace column '" + column.name() + "' is named twice");
            }
            chosen.add(column);
        }
        return List.copyOf(chosen);
    }

    public Path file() {
        return out.file();
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        Row row = new Row(this, task, outcome);
        // Into the batch directly: a row is made whole on this thread before anything writes the batch, and
        // a value that fails takes the part of its row already written with it.
        int start = rows.length();
        boolean whole = false;
        try {
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    rows.append('\t');
                }
                Column column = columns.get(i);
                Object v = column.value().apply(row);
                if (v == null) {
                    rows.append('-');
                } else if (column.text()) {
                    appendClean(Redaction.redact(v.toString()));
                } else {
                    rows.append(v);
                }
            }
            rows.append('\n');
            whole = true;
        } finally {
            if (!whole) {
                rows.setLength(start);
            }
        }
        if (rows.length() >= LineFile.BATCH_CHARS) {
            out.writeNow(); // a turn that ends thousands of attempts (a resumed run's cached tasks)
        }
    }

    /** Writes the rows waiting, when a batch is due. */
    @Override
    public void tick() {
        out.turnEnded();
    }

    /** Every task has ended: their rows go out now, not after the executors' shutdown. */
    @Override
    public void loopEnded() {
        out.writeNow();
    }

    @Override
    public void runFinished(List<TaskProgress> tasks) {
        out.writeNow();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** "ab/cdef12" of ".../ab/cdef1234...": the last two names of the work directory, the second cut to 6. */
    private static String hash(TaskProgress task) {
        return task.task() == null ? null : hashOf(task.task().workDir().toString());
    }

    /** On the text, not through Path: this runs for every row. */
    static String hashOf(String dir) {
        int end = dir.length();
        while (end > 1 && dir.charAt(end - 1) == '/') {
            end--;
        }
        int leafStart = dir.lastIndexOf('/', end - 1) + 1;
        String leaf = dir.substring(leafStart, Math.min(end, leafStart + 6));
        if (leafStart <= 1) {
            return leaf;
        }
        int parentStart = dir.lastIndexOf('/', leafStart - 2) + 1;
        return dir.substring(parentStart, leafStart) + leaf;
    }

    /** Instant.toString() of the time cut to milliseconds, the second's text made once per second. */
    String time(Instant t) {
        if (t == null) {
            return null;
        }
        long second = t.getEpochSecond();
        if (second != cachedSecond) {
            cachedSecond = second;
            String whole = Instant.ofEpochSecond(second).toString(); // "...:05Z"
            cachedPrefix = whole.substring(0, whole.length() - 1);
        }
        int millis = t.getNano() / 1_000_000;
        if (millis == 0) {
            return cachedPrefix + "Z";
        }
        return cachedPrefix + "." + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10)
                + (char) ('0' + millis % 10) + "Z";
    }

    private static String duration(Duration d) {
        return d == null ? null : Units.formatDuration(d);
    }

    /** Text with its tabs and line breaks as spaces: they would break the row. */
    private void appendClean(String s) {
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r') {
                rows.append(s, from, i).append(' ');
                from = i + 1;
            }
        }
        rows.append(s, from, s.length());
    }
}
