package dev.sluice.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What one {@code sluice} command of a {@link SluiceHarness} left: its exit code and output, and for a
 * run, the run's trace (one row per task attempt, by column name as {@code trace.tsv} has them),
 * events ({@code events.jsonl}, one map per line) and log ({@code log.jsonl}). Column and event names
 * are those of the user guide's trace and events pages.
 */
public final class HarnessRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int exitCode;
    private final String stdout;
    private final String stderr;
    private final Path workDir;
    private final List<String> command;

    HarnessRun(List<String> command, int exitCode, String stdout, String stderr, Path workDir) {
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
        this.stdout = stdout;
        this.stderr = stderr;
        this.workDir = workDir;
    }

    /**
     * The command line the harness ran, the {@code java} binary first: to run it again by hand (it is also in
     * {@code command.txt} beside the run's work directory, kept with {@code -Dsluice.harness.keep}).
     */
    public List<String> command() {
        return command;
    }

    /** The exit code: 0 success, 1 a task failed, 2 bad input, 3 a plugin problem (see the CLI guide). */
    public int exitCode() {
        return exitCode;
    }

    public String stdout() {
        return stdout;
    }

    public String stderr() {
        return stderr;
    }

    /** Both outputs, for an assertion's description: {@code assertThat(...).as(run.output())}. */
    public String output() {
        return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }

    /** The run's work directory (holding {@code runs/<run id>/} and the tasks' directories). */
    public Path workDir() {
        return workDir;
    }

    /** The run's directory ({@code trace.tsv}, {@code events.jsonl}, {@code log.jsonl}), if a run started. */
    public Optional<Path> runDir() {
        Path runs = workDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(runs)) {
            return dirs.filter(Files::isDirectory).sorted().reduce((first, second) -> second);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every row of the trace, each a map from column name to its text ({@code -} for none). */
    public List<Map<String, String>> trace() {
        List<String> lines = lines("trace.tsv");
        if (lines.isEmpty()) {
            return List.of();
        }
        String[] header = lines.get(0).split("\t", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split("\t", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], i < cells.length ? cells[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * The last trace row of the task named {@code name} (its {@code name} column, e.g.
     * {@code greet (who=world)}, or its process when the process has one task).
     *
     * @throws AssertionError when no task, or more than one process's task, has that name, listing the names
     */
    public Map<String, String> task(String name) {
        List<Map<String, String>> rows = trace();
        List<Map<String, String>> byName = rows.stream().filter(r -> name.equals(r.get("name"))).toList();
        if (byName.isEmpty()) {
            byName = rows.stream().filter(r -> name.equals(r.get("process"))).toList();
            long tasks = byName.stream().map(r -> r.get("task_id")).distinct().count();
            if (tasks > 1) {
                throw new AssertionError("process '" + name + "' has " + tasks + " tasks; name one of them: "
                        + byName.stream().map(r -> r.get("name")).distinct().toList());
            }
        }
        if (byName.isEmpty()) {
            throw new AssertionError("no task named '" + name + "' in the trace; its tasks: "
                    + rows.stream().map(r -> r.get("name")).distinct().toList() + "\n" + output());
        }
        return byName.get(byName.size() - 1);
    }

    /** Every event of the run, in order, each a map of its fields ({@code event} is its type). */
    public List<Map<String, Object>> events() {
        return json("events.jsonl");
    }

    /** The events of one type, e.g. {@code gate_finished} or {@code task_failed}. */
    public List<Map<String, Object>> events(String type) {
        return events().stream().filter(e -> type.equals(e.get("event"))).toList();
    }

    /** The run's log lines ({@code log.jsonl}), each a map ({@code level}, {@code logger}, {@code message}, ...). */
    public List<Map<String, Object>> log() {
        return json("log.jsonl");
    }

    private List<Map<String, Object>> json(String file) {
        List<Map<String, Object>> result = new ArrayList<>();
        for (String line : lines(file)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                result.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() { }));
            } catch (IOException e) {
                throw new AssertionError(file + " holds a line that is not JSON: " + line, e);
            }
        }
        return result;
    }

    private List<String> lines(String file) {
        Optional<Path> dir = runDir();
        if (dir.isEmpty() || !Files.isRegularFile(dir.get().resolve(file))) {
            return List.of();
        }
        try {
            return Files.readAllLines(dir.get().resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
