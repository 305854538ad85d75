package dev.sluice.host.progress;

import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.TimeSource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live progress display: per process, done / total, how many tasks are gated (and by which
 * gate), queued, running, waiting to retry and failed, how many retries there were, and the latest
 * status a running task reported ({@code openjd_status}, {@code openjd_progress}, an executor's word).
 *
 * <p>On a terminal the block of lines is redrawn in place at most five times a second. Elsewhere (CI,
 * pipes) it prints a plain line for a process when its counts changed, at most once a second per
 * process, and at once when a task fails or a process completes.
 */
public final class ProgressDisplay implements RunListener {
    private static final Duration TTY_REFRESH = Duration.ofMillis(200);
    private static final Duration PLAIN_REFRESH = Duration.ofSeconds(1);

    private final PrintStream out;
    private final boolean ansi;
    private final TimeSource time;
    private final Map<String, ProcessCounts> processes = new LinkedHashMap<>();
    private final Map<TaskProgress, Set<String>> gatesOf = new HashMap<>();
    private int linesDrawn;
    private long lastDrawNanos = Long.MIN_VALUE;
    private boolean dirty;

    private static final class ProcessCounts {
        final String name;
        /** Tasks by state, indexed by the state's ordinal: counted at every change of every task. */
        final int[] byState = new int[TaskState.values().length];
        final Map<String, Integer> byGate = new TreeMap<>();
        int total;
        /** Attempts that failed and were tried again. */
        int retries;
        boolean changed;
        boolean urgent;
        long lastPrintNanos = Long.MIN_VALUE;
        String lastPrinted;
        /** The latest status a running task of the process reported, e.g. "task 3: 40% done". */
        String status;
        /** The task whose status {@link #status} is. */
        TaskProgress statusOf;

        ProcessCounts(String name) {
            this.name = name;
        }

        int count(TaskState... states) {
            int n = 0;
            for (TaskState s : states) {
                n += byState[s.ordinal()];
            }
            return n;
        }

        int count(TaskState state) {
            return byState[state.ordinal()];
        }

        /** Tasks not ended: waiting, in gates, queued, submitted, running or waiting to retry. */
        int notEnded() {
            return count(TaskState.WAITING) + count(TaskState.GATED) + count(TaskState.QUEUED)
                    + count(TaskState.SUBMITTED) + count(TaskState.RUNNING) + count(TaskState.RETRY_WAIT);
        }
    }

    public ProgressDisplay(PrintStream out, boolean ansi, TimeSource time) {
        this.out = out;
        this.ansi = ansi;
        this.time = time;
    }

    @Override
    public void runStarted(List<TaskProgress> tasks) {
        for (TaskProgress t : tasks) {
            ProcessCounts c = processes.computeIfAbsent(t.processName(), ProcessCounts::new);
            c.total++;
            c.byState[t.state().ordinal()]++;
        }
        dirty = true;
    }

    @Override
    public void stateChanged(TaskProgress task, TaskState from, TaskState to) {
        ProcessCounts c = processes.computeIfAbsent(task.processName(), ProcessCounts::new);
        c.byState[from.ordinal()]--;
        c.byState[to.ordinal()]++;
        if (to == TaskState.RETRY_WAIT) {
            c.retries++;
        }
        c.changed = true;
        if (to == TaskState.FAILED || c.notEnded() == 0) {
            c.urgent = true;
        }
        if (to.isTerminal() || to == TaskState.QUEUED) {
            setGates(task, c, Set.of());
        }
        if (c.count(TaskState.GATED) + c.count(TaskState.RUNNING) + c.count(TaskState.SUBMITTED) == 0
                || from == TaskState.GATED && c.statusOf == task) {
            // A gate's word on the wait is stale once its task left the gates, as it is once nothing runs.
            c.status = null;
            c.statusOf = null;
        }
        dirty = true;
    }

    @Override
    public void gatesChanged(TaskProgress task) {
        setGates(task, processes.computeIfAbsent(task.processName(), ProcessCounts::new), task.gatesInFlight());
        dirty = true;
    }

    private void setGates(TaskProgress task, ProcessCounts c, Set<String> now) {
        Set<String> before = gatesOf.getOrDefault(task, Set.of());
        if (before.equals(now)) {
            return;
        }
        before.forEach(g -> c.byGate.merge(g, -1, Integer::sum));
        now.forEach(g -> c.byGate.merge(g, 1, Integer::sum));
        c.byGate.values().removeIf(v -> v <= 0);
        if (now.isEmpty()) {
            gatesOf.remove(task);
        } else {
            gatesOf.put(task, now);
        }
        c.changed = true;
    }

    @Override
    public void statusChanged(TaskProgress task) {
        ProcessCounts c = processes.computeIfAbsent(task.processName(), ProcessCounts::new);
        c.status = task.status() == null ? null : "task " + task.id() + ": " + Redaction.redact(task.status());
        c.statusOf = task.status() == null ? null : task;
        c.changed = true;
        dirty = true;
    }

    @Override
    public void tick() {
        draw(false);
    }

    @Override
    public void runFinished(List<TaskProgress> tasks) {
        dirty = true;
        draw(true);
    }

    private void draw(boolean force) {
        if (!dirty) {
            return;
        }
        long now = time.nanoTime();
        if (ansi) {
            if (!force && lastDrawNanos != Long.MIN_VALUE && now - lastDrawNanos < TTY_REFRESH.toNanos()) {
                return;
            }
            StringBuilder sb = new StringBuilder();
            if (linesDrawn > 0) {
                sb.append("\u001b[").append(linesDrawn).append('F');
            }
            for (ProcessCounts c : processes.values()) {
                sb.append("\u001b[2K").append(line(c, true)).append('\n');
            }
            out.print(sb);
            out.flush();
            linesDrawn = processes.size();
            lastDrawNanos = now;
            dirty = false;
            return;
        }
        boolean pending = false;
        for (ProcessCounts c : processes.values()) {
            if (!c.changed && !force) {
                continue;
            }
            if (!force && !c.urgent && c.lastPrintNanos != Long.MIN_VALUE
                    && now - c.lastPrintNanos < PLAIN_REFRESH.toNanos()) {
                pending = true;
                continue;
            }
            String text = line(c, false);
            if (!text.equals(c.lastPrinted)) {
                out.println(text);
                c.lastPrinted = text;
            }
            c.changed = false;
            c.urgent = false;
            c.lastPrintNanos = now;
        }
        out.flush();
        dirty = pending;
    }

    /** One process's line, e.g. {@code [ 40%] align  4/10 done | 2 running, 1 queued, 3 gated (files: 3)}. */
    private static String line(ProcessCounts c, boolean bar) {
        int done = c.count(TaskState.SUCCEEDED, TaskState.CACHED, TaskState.IGNORED);
        int finished = c.count(TaskState.SUCCEEDED, TaskState.CACHED, TaskState.IGNORED, TaskState.FAILED,
                TaskState.CANCELLED, TaskState.SKIPPED);
        int pct = c.total == 0 ? 100 : (int) Math.floor(100.0 * finished / c.total);
        StringBuilder sb = new StringBuilder();
        // Padded to three by hand: no java.util.Formatter on a run's path (docs/adr/2026-11-22-local-launch-cost.md).
        String digits = Integer.toString(pct);
        sb.append('[').append("   ", 0, Math.max(0, 3 - digits.length())).append(digits).append("%] ");
        if (bar) {
            int width = 20;
            int filled = c.total == 0 ? width : width * finished / c.total;
            sb.append('[').append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ");
        }
        sb.append(c.name).append(' ').append(done).append('/').append(c.total).append(" done");
        StringBuilder parts = new StringBuilder();
        part(parts, c.count(TaskState.RUNNING, TaskState.SUBMITTED), "running");
        part(parts, c.count(TaskState.QUEUED), "queued");
        int gated = c.count(TaskState.GATED);
        if (gated > 0) {
            StringBuilder g = new StringBuilder().append(gated).append(" gated");
            if (!c.byGate.isEmpty()) {
                g.append(" (");
                c.byGate.forEach((gate, n) -> g.append(gate).append(": ").append(n).append(", "));
                g.setLength(g.length() - 2);
                g.append(')');
            }
            append(parts, g.toString());
        }
        part(parts, c.count(TaskState.WAITING), "waiting");
        part(parts, c.count(TaskState.RETRY_WAIT), "waiting to retry");
        if (c.retries > 0) {
            append(parts, c.retries + (c.retries == 1 ? " retry" : " retries"));
        }
        part(parts, c.count(TaskState.CACHED), "cached");
        part(parts, c.count(TaskState.FAILED), "failed");
        part(parts, c.count(TaskState.IGNORED), "failed (ignored)");
        part(parts, c.count(TaskState.SKIPPED), "skipped");
        part(parts, c.count(TaskState.CANCELLED), "cancelled");
        if (!parts.isEmpty()) {
            sb.append(" | ").append(parts);
        }
        if (c.status != null) {
            sb.append(" | ").append(c.status);
        }
        return sb.toString();
    }

    private static void part(StringBuilder parts, int n, String label) {
        if (n > 0) {
            append(parts, n + " " + label);
        }
    }

    private static void append(StringBuilder parts, String text) {
        if (!parts.isEmpty()) {
            parts.append(", ");
        }
        parts.append(text);
    }
}
