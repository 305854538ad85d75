package dev.sluice.spi.testing;

import dev.sluice.spi.Hints;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A plain {@link TaskHandle} for plugin tests: {@code TestTaskHandle.of("t1").withHints(Map.of(...))}.
 */
public record TestTaskHandle(String id, String key, String processName, String name, int attempt,
        List<String> command, Map<String, String> environment, Resources resources, Path workDir,
        List<Path> inputs, Hints hints, Map<String, String> params, String executor,
        Map<String, List<String>> assigned) implements TaskHandle {

    public TestTaskHandle {
        assigned = Map.copyOf(assigned);
    }

    /** A handle with nothing assigned by gates. */
    public TestTaskHandle(String id, String key, String processName, String name, int attempt, List<String> command,
            Map<String, String> environment, Resources resources, Path workDir, List<Path> inputs, Hints hints,
            Map<String, String> params, String executor) {
        this(id, key, processName, name, attempt, command, environment, resources, workDir, inputs, hints, params,
                executor, Map.of());
    }

    public static TestTaskHandle of(String id) {
        return new TestTaskHandle(id, "key-" + id, "test", "test (" + id + ")", 1, List.of("true"), Map.of(),
                Resources.DEFAULT, Path.of(System.getProperty("java.io.tmpdir")), List.of(), Hints.empty(),
                Map.of(), "local");
    }

    public TestTaskHandle withHints(Map<String, String> values) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, environment, resources, workDir,
                inputs, Hints.of(values, "process '" + processName + "'"), params, executor, assigned);
    }

    public TestTaskHandle withInputs(List<Path> paths) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, environment, resources, workDir,
                List.copyOf(paths), hints, params, executor, assigned);
    }

    public TestTaskHandle withWorkDir(Path dir) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, environment, resources, dir,
                inputs, hints, params, executor, assigned);
    }

    public TestTaskHandle withCommand(List<String> argv) {
        return new TestTaskHandle(id, key, processName, name, attempt, List.copyOf(argv), environment, resources,
                workDir, inputs, hints, params, executor, assigned);
    }

    public TestTaskHandle withResources(Resources value) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, environment, value, workDir,
                inputs, hints, params, executor, assigned);
    }

    public TestTaskHandle withAttempt(int value) {
        return new TestTaskHandle(id, key, processName, name, value, command, environment, resources, workDir,
                inputs, hints, params, executor, assigned);
    }

    public TestTaskHandle withExecutor(String value) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, environment, resources, workDir,
                inputs, hints, params, value, assigned);
    }

    /** The same handle with what gates assigned to it, e.g. {@code Map.of("gpu", List.of("0"))}. */
    public TestTaskHandle withAssigned(Map<String, List<String>> value) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, environment, resources, workDir,
                inputs, hints, params, executor, value);
    }

    public TestTaskHandle withEnvironment(Map<String, String> value) {
        return new TestTaskHandle(id, key, processName, name, attempt, command, value, resources, workDir,
                inputs, hints, params, executor, assigned);
    }
}
