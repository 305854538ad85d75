package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.testing.FakeTimeSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A runner over a temporary session directory on a fake clock, with helpers for real processes: named
 * pipes as latches across processes, and /proc checks for processes that are not our children.
 */
final class ActionRig {
    /** How long a test waits for something that takes milliseconds; only reached when it is broken. */
    static final Duration PATIENCE = Duration.ofSeconds(30);
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final FakeTimeSource clock = new FakeTimeSource(START);
    final SessionSecrets secrets = new SessionSecrets();
    final Path sessionDir;
    final ActionRunner runner;

    ActionRig(Path sessionDir) throws ActionException {
        this.sessionDir = sessionDir;
        this.runner = ActionRunner.create(clock, sessionDir, Map.of("PATH", System.getenv("PATH")), secrets);
    }

    /** {@code sh -c script} in the session directory. */
    Action shell(String script) {
        return Action.of(List.of("sh", "-c", script), sessionDir);
    }

    Path file(String name) {
        return sessionDir.resolve(name);
    }

    /** Makes a named pipe: reading it blocks until the action has written it. */
    Path fifo(String name) throws IOException, InterruptedException {
        Path path = file(name);
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("mkfifo %s", path).isZero();
        return path;
    }

    ActionResult await(RunningAction running) throws Exception {
        return running.result().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether a process is alive: its /proc entry exists and it is not a zombie. */
    static boolean isRunning(long pid) throws IOException {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Waits, with the JDK's process watch, until a process (not necessarily our child) is gone. */
    static void awaitGone(long pid) throws Exception {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            handle.get().onExit().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Records every listener call as one string, in order. */
    static final class Recorder implements ActionListener {
        final List<String> events = new ArrayList<>();

        @Override
        public synchronized void onOutput(String line) {
            events.add("out " + line);
        }

        @Override
        public synchronized void onEnvironmentSet(String name, String value, boolean redacted) {
            events.add((redacted ? "secret " : "set ") + name + "=" + value);
        }

        @Override
        public synchronized void onEnvironmentUnset(String name) {
            events.add("unset " + name);
        }

        @Override
        public synchronized void onStatus(String message) {
            events.add("status " + message);
        }

        @Override
        public synchronized void onProgress(double percent) {
            events.add("progress " + percent);
        }

        @Override
        public synchronized void onFailMessage(String message) {
            events.add("fail " + message);
        }

        synchronized List<String> events() {
            return List.copyOf(events);
        }

        /** Only the events that are not output lines. */
        synchronized List<String> messages() {
            return events.stream().filter(e -> !e.startsWith("out ")).toList();
        }
    }
}
