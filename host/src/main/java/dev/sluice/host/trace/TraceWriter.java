package dev.sluice.host.trace;

import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.Units;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Function;

/**
 * The trace: a tab-separated file with a header row and one row per finished task attempt, written
 * as each attempt ends and flushed at the end of each turn of the monitor's loop ({@link #tick}), so
 * a crash loses at most the rows of the turn under way. Column names follow
 * Nextflow's where they mean the same.
 */
public final class TraceWriter implements RunListener, AutoCloseable {

    /** A trace column: its header and how to read it off a finished attempt. */
    private record Column(String name, Function<Row, Object> value) {
    }

    private record Row(TaskProgress task, TaskState outcome) {
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
            new Column("submit", r -> time(r.task().submittedAt())),
            new Column("start", r -> time(r.task().startedAt())),
            new Column("complete", r -> time(r.task().completedAt())),
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

    private final Path file;
    private final BufferedWriter out;
    private final List<Column> columns;

    /** A trace with every column. */
    public TraceWriter(Path file) throws IOException {
        this(file, List.of());
    }

    /**
     * A trace with the named columns, in that order, or every column when {@code names} is empty.
     *
     * @throws IllegalArgumentException naming an unknown column and listing the known ones
     */
    public TraceWriter(Path file, List<String> names) throws IOException {
        this.columns = select(names);
        this.file = file;
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        out.write(String.join("\t", columns.stream().map(Column::name).toList()));
        out.newLine();
        out.flush();
    }

    /** Every column's name, in the default order. */
    public static List<String> columnNames() {
        return COLUMNS.stream().map(Column::name).toList();
    }

    /** Checks column names before a run starts; see {@link #TraceWriter(Path, List)}. */
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
        return file;
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        Row row = new Row(task, outcome);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                line.append('\t');
            }
            Object v = columns.get(i).value().apply(row);
            line.append(v == null ? "-" : clean(Redaction.redact(v.toString())));
        }
        try {
            out.write(line.toString());
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trace " + file, e);
        }
    }

    /** Writes the turn's rows. */
    @Override
    public void tick() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trace " + file, e);
        }
    }

    @Override
    public void runFinished(List<TaskProgress> tasks) {
        tick();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private static String hash(TaskProgress task) {
        if (task.task() == null) {
            return null;
        }
        Path dir = task.task().workDir();
        Path parent = dir.getParent();
        String leaf = dir.getFileName().toString();
        return (parent == null ? "" : parent.getFileName() + "/") + leaf.substring(0, Math.min(6, leaf.length()));
    }

    private static String time(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static String duration(Duration d) {
        return d == null ? null : Units.formatDuration(d);
    }

    /** Tabs and line breaks would break the row. */
    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
