package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.EnvironmentLoader;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.WrappedTask;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import dev.sluice.spi.Hints;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A session over a pipeline written in a test: its processes' environment stacks, a session directory,
 * tasks of its processes, and the files its actions append to (relative paths in the actions land in
 * the session directory, where actions run).
 */
final class SessionRig implements AutoCloseable {
    /** How long a test waits for something that takes milliseconds; only reached when it is broken. */
    static final Duration PATIENCE = Duration.ofSeconds(30);
    /** A host environment with a variable of its own that environments may unset. */
    static final Map<String, String> HOST = Map.of("PATH", System.getenv("PATH"), "HOST_ONLY", "from-host");

    final Path dir;
    final EnvironmentSession session;
    private final AtomicInteger ids = new AtomicInteger();

    private SessionRig(Path dir, EnvironmentSession session) {
        this.dir = dir;
        this.session = session;
    }

    /** Loads {@code dir/p.yaml} holding {@code yaml} and opens a session in {@code dir/session} on the real clock. */
    static SessionRig open(Path dir, String yaml) throws Exception {
        return open(dir, yaml, TimeSource.system());
    }

    static SessionRig open(Path dir, String yaml, TimeSource time) throws Exception {
        Path file = write(dir, "p.yaml", yaml);
        Map<String, EnvironmentDef> environments = new LinkedHashMap<>();
        Map<String, List<String>> stacks = new LinkedHashMap<>();
        try {
            read(file, environments, stacks);
        } catch (InvalidInputException e) {
            throw new AssertionError("expected a valid pipeline, got:\n" + e.getMessage(), e);
        }
        EnvironmentSession session = EnvironmentSession.create(environments, stacks, dir.resolve("session"), time,
                HOST);
        return new SessionRig(dir, session);
    }

    /**
     * What a session needs from a pipeline file: its {@code environments:} and each process's non-empty
     * {@code environment:} stack, read by {@link EnvironmentLoader} as the host's pipeline loader reads
     * them. The rest of a process (its command and settings) is the pipeline loader's, which this module
     * does not see; the environments are all a session is made of.
     */
    private static void read(Path file, Map<String, EnvironmentDef> environments, Map<String, List<String>> stacks)
            throws InvalidInputException {
        Problems problems = new Problems();
        EnvironmentLoader loader = new EnvironmentLoader(file, problems);
        YamlNode root = YamlReader.read(file, "pipeline file", problems);
        problems.throwIfAny();
        Map<String, YamlNode.Entry> top = ((YamlNode.Mapping) root).entries();
        if (top.containsKey("environments")) {
            environments.putAll(loader.read(top.get("environments").value(), "environments"));
        }
        for (YamlNode.Entry process : ((YamlNode.Mapping) top.get("processes").value()).entries().values()) {
            YamlNode.Mapping fields = (YamlNode.Mapping) process.value();
            List<String> stack = loader.stack(Fields.of(fields, Fields.child("processes", process.key()),
                    "process fields", problems, List.copyOf(fields.entries().keySet()), Map.of()));
            if (stack != null && !stack.isEmpty()) {
                stacks.put(process.key(), stack);
            }
        }
        problems.throwIfAny();
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** A new task of the process, with a work directory of its own. */
    TestTaskHandle task(String process) {
        return task(process, Resources.DEFAULT);
    }

    TestTaskHandle task(String process, Resources resources) {
        String id = Integer.toString(ids.incrementAndGet());
        Path workDir = dir.resolve("work").resolve(id);
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestTaskHandle(id, "key-" + id, process, process + " (" + id + ")", 1, List.of("task"), Map.of(),
                resources, workDir, List.of(), Hints.empty(), Map.of(), "local");
    }

    /** Passes a new task of the process through the session's gate, which enters its environments. */
    void enter(String process) throws TaskException, InterruptedException {
        session.gate().prepare(task(process));
    }

    /** The gate of a new task of the process, on a thread of its own. */
    CompletableFuture<Void> enterInBackground(String process) {
        TestTaskHandle task = task(process);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                session.gate().prepare(task);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Launches a new task of the process with its own command and variables. */
    WrappedTask launch(String process, List<String> argv, Map<String, String> environment) throws TaskException {
        return launch(task(process), argv, environment);
    }

    /** The task wrapped by the session's wrapper, or {@code null} when the wrapper does not apply to it. */
    WrappedTask launch(TestTaskHandle task, List<String> argv, Map<String, String> environment)
            throws TaskException {
        TaskWrapper wrapper = session.wrapper();
        return wrapper.appliesTo(task) ? wrapper.open(task, new LaunchCommand(argv, environment, task.workDir()))
                : null;
    }

    /** A file in the session directory. */
    Path file(String name) {
        return session.directory().resolve(name);
    }

    /** The lines of a file in the session directory; none when it does not exist. */
    List<String> lines(String name) {
        Path file = file(name);
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory of the one environment instance whose directory name ends with {@code -name}. */
    /** What every task inside environments gets besides their variables: the session directory's name. */
    Map.Entry<String, String> sessionDirectoryVariable() {
        return Map.entry("OPENJD_SESSION_WORKING_DIR", session.directory().toString());
    }

    Path envDir(String name) throws IOException {
        try (var dirs = Files.list(session.directory())) {
            List<Path> found = dirs.filter(d -> d.getFileName().toString().matches("env-\\d+-" + name)).toList();
            assertThat(found).as("one directory of environment %s", name).hasSize(1);
            return found.getFirst();
        }
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits (real time) until the condition holds. */
    static void awaitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Exits the session's environments, so that no test leaves processes behind. */
    @Override
    public void close() {
        session.exitAll();
    }
}
