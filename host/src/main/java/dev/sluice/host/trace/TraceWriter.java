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

    /** A trace column: its header and how to read it off a finished attempt. */
    private record Column(String name, Function<Row, Object> value) {
    }

    private record Row(TraceWriter trace, TaskProgress task, TaskState outcome) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("task_id", r -> r.task().id()),
            new Column("hash", r -> hash(r.task())),
            new Column("native_id", r -> r.task().nativeId()),
            new Column("process", r -> r.task().processName()),
            new Column("name", r -> r.task().name()),
            new Column("labels", r -> r.task().labels().isEmpty() ? null : String.join(",", r.task().labels())),
            new Column("status", r -> r.outcome().name()),
            new Column("exit", r -> r.task().exitCode()),
            new Column("attempt", r -> r.task().attempt()),
            new Column("submit", r -> r.trace().time(r.task().submittedAt())),
            new Column("start", r -> r.trace().time(r.task().startedAt())),
            new Column("complete", r -> r.trace().time(r.task().completedAt())),
            new Column("gate_wait", r -> duration(r.task().gateWait())),
            new Column("queue_wait", r -> duration(r.task().queueWait())),
            new Column("duration", r -> duration(r.task().duration())),
            new Column("realtime", r -> duration(r.task().realtime())),
            new Column("cpus", r -> r.task().task() == null ? null : r.task().task().resources().cpus()),
            new Column("memory", r -> r.task().task() == null || r.task().task().resources().memoryBytes() == 0
                    ? null : Units.formatSize(r.task().task().resources().memoryBytes())),
            new Column("peak_rss", r -> r.task().peakRss() == null ? null : Units.formatSize(r.task().peakRss())),
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
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                line.append('\t');
            }
            Object v = columns.get(i).value().apply(row);
            line.append(v == null ? "-" : clean(Redaction.redact(v.toString())));
        }
        rows.append(line).append('\n');
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

    /** Tabs and line breaks would break the row. */
    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
