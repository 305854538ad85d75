package dev.sluice.plugins.files;

import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inputs of one task that are not ready yet and what was last seen of each. One watch serves one
 * call of {@link FilesGate#prepare} and is confined to its thread, so it needs no locking.
 *
 * <p>An input leaves the watch once it is ready and is not looked at again: the gate answers whether
 * the inputs were complete, it does not guard them while the task runs.
 */
final class InputWatch {
    /** How many paths of each kind a timeout message lists before it only counts the rest. */
    private static final int LISTED_PATHS = 5;

    private final TaskHandle task;
    private final InputProbe probe;
    private final Duration stableFor;
    private final int inputCount;
    /** Pending inputs in declaration order; {@code null} while nothing exists at the path. */
    private final Map<Path, Sighting> pending = new LinkedHashMap<>();

    /** The state of an existing input and the clock reading since which it has not changed. */
    private record Sighting(InputState state, long unchangedSinceNanos) {
    }

    InputWatch(TaskHandle task, InputProbe probe, Duration stableFor) {
        this.task = task;
        this.probe = probe;
        this.stableFor = stableFor;
        for (Path input : task.inputs()) {
            pending.put(input, null);
        }
        this.inputCount = pending.size();
    }

    /**
     * Looks at every pending input once and drops those that are ready.
     *
     * @param nowNanos the clock reading to date this look with
     * @return whether every input is ready
     * @throws TaskException        when an input exists but cannot be read, or cannot be examined
     * @throws InterruptedException when the thread was interrupted
     */
    boolean check(long nowNanos) throws TaskException, InterruptedException {
        Iterator<Map.Entry<Path, Sighting>> entries = pending.entrySet().iterator();
        while (entries.hasNext()) {
            // Checked per input: a task may declare thousands, and a cancel should not wait for all.
            if (Thread.interrupted()) {
                throw new InterruptedException("files gate cancelled while checking the inputs of " + task.name());
            }
            Map.Entry<Path, Sighting> entry = entries.next();
            Optional<InputState> seen = look(entry.getKey());
            if (seen.isEmpty()) {
                entry.setValue(null);
                continue;
            }
            InputState state = seen.get();
            if (!state.readable()) {
                throw new TaskException("input " + entry.getKey() + " of task '" + task.name()
                        + "' exists but the user running sluice cannot read it; fix its permissions"
                        + " or remove it from the process's inputs");
            }
            if (state.kind() != InputState.Kind.FILE || stableFor.isZero()) {
                entries.remove();
                continue;
            }
            Sighting last = entry.getValue();
            if (last != null && last.state().sameContentAs(state)) {
                if (nowNanos - last.unchangedSinceNanos() >= stableFor.toNanos()) {
                    entries.remove();
                }
            } else {
                entry.setValue(new Sighting(state, nowNanos));
            }
        }
        return pending.isEmpty();
    }

    /** How many declared inputs (duplicates counted once) are not ready yet. */
    int pendingCount() {
        return pending.size();
    }

    /** How many distinct inputs the task declares. */
    int inputCount() {
        return inputCount;
    }

    /**
     * Says which inputs are not ready and why, e.g. {@code missing: /a, /b; still growing: /c
     * (unchanged for 1s, files/stableFor asks 2s)}.
     */
    String describePending(long nowNanos, String stableForKey) {
        List<String> missing = new ArrayList<>();
        List<String> growing = new ArrayList<>();
        for (Map.Entry<Path, Sighting> entry : pending.entrySet()) {
            if (entry.getValue() == null) {
                missing.add(entry.getKey().toString());
            } else {
                Duration unchanged = Duration.ofNanos(nowNanos - entry.getValue().unchangedSinceNanos());
                growing.add(entry.getKey() + " (unchanged for " + Units.formatDuration(unchanged) + ", "
                        + stableForKey + " asks " + Units.formatDuration(stableFor) + ")");
            }
        }
        StringBuilder text = new StringBuilder();
        if (!missing.isEmpty()) {
            text.append("missing: ").append(list(missing));
        }
        if (!growing.isEmpty()) {
            text.append(text.isEmpty() ? "" : "; ").append("still growing: ").append(list(growing));
        }
        return text.toString();
    }

    private static String list(List<String> items) {
        if (items.size() <= LISTED_PATHS) {
            return String.join(", ", items);
        }
        return String.join(", ", items.subList(0, LISTED_PATHS)) + " and " + (items.size() - LISTED_PATHS) + " more";
    }

    private Optional<InputState> look(Path input) throws TaskException {
        try {
            return probe.probe(input);
        } catch (AccessDeniedException e) {
            throw new TaskException("input " + input + " of task '" + task.name()
                    + "' cannot be examined: permission denied; give the user running sluice read access to it"
                    + " and search (x) access to the directories above it", e);
        } catch (IOException e) {
            // Stale NFS handles, I/O errors of a busy server: often gone on the next attempt.
            throw new RetryableTaskException("input " + input + " of task '" + task.name()
                    + "' could not be examined (" + e + "); this may pass, so the task may be retried", e);
        }
    }
}
