package dev.sluice.host.report;

import com.google.common.primitives.ImmutableLongArray;
import dev.sluice.kit.AtomicFiles;
import dev.sluice.host.logging.Redaction;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.host.monitor.TaskProgress;
import dev.sluice.host.task.TaskState;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The HTML report ({@code --report}): one self-contained file with the run's summary, a timeline of every
 * task attempt's gate wait, queue and run phases, a table of the processes, and the failures with the end
 * of their stderr. The timeline is SVG drawn here, styled by inline CSS: the file needs no script
 * and fetches nothing, so it opens anywhere, offline, and can be mailed or archived as it is.
 */
public final class HtmlReport implements RunListener {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS 'UTC'").withZone(ZoneOffset.UTC);
    private static final int FAILURES_SHOWN = 50;
    private static final int STDERR_LINES = 20;
    /** Beyond this many attempts the timeline draws the first ones only; the file stays a few MB. */
    static final int TIMELINE_ROWS = 2000;

    // Timeline geometry, in px.
    private static final int LABEL_WIDTH = 260;
    private static final int CHART_WIDTH = 840;
    private static final int AXIS_HEIGHT = 28;
    private static final int ROW_HEIGHT = 18;
    private static final int BAR_HEIGHT = 12;

    /**
     * By the time the attempt entered the gates, then task number and attempt. Written out rather than
     * composed of {@code Comparator.comparing} steps, which cost a call through a generated class each, slow
     * until compiled: the timeline's sort and, past its bound, its queue compare attempts by the thousand.
     */
    private static final Comparator<Attempt> DRAWING_ORDER = HtmlReport::drawingOrder;

    private static int drawingOrder(Attempt a, Attempt b) {
        int c = a.gatedAt().compareTo(b.gatedAt());
        if (c == 0) {
            c = Integer.compare(Integer.parseInt(a.taskId()), Integer.parseInt(b.taskId()));
        }
        return c != 0 ? c : Integer.compare(a.attempt(), b.attempt());
    }

    /**
     * What the processes' table needs of the attempts that ran, as figures rather than one record per
     * attempt: a report of a run of 100,000 tasks holds 2,000 attempts for its timeline, not 100,000.
     */
    private static final class ProcessFigures {
        int ran;
        final ImmutableLongArray.Builder realtimes = ImmutableLongArray.builder();
        final ImmutableLongArray.Builder gateWaits = ImmutableLongArray.builder();
        final ImmutableLongArray.Builder queueWaits = ImmutableLongArray.builder();
        final TreeSet<String> cpus = new TreeSet<>();
        final TreeSet<String> memory = new TreeSet<>();
        /** The last attempt's resources: a process's tasks mostly share theirs, formatted once. */
        private Resources last;

        void add(Attempt a) {
            ran++;
            addBetween(realtimes, a.startedAt(), a.endedAt());
            addBetween(gateWaits, a.gatedAt(), a.queuedAt());
            addBetween(queueWaits, a.queuedAt(), a.roomAt());
            if (a.resources() != null && a.resources() != last) {
                last = a.resources();
                cpus.add(Integer.toString(a.resources().cpus()));
                memory.add(a.resources().memoryBytes() == 0 ? "-" : Units.formatSize(a.resources().memoryBytes()));
            }
        }

        private static void addBetween(ImmutableLongArray.Builder to, Instant from, Instant until) {
            if (from != null && until != null) {
                to.add(Duration.between(from, until).toNanos());
            }
        }
    }

    /** One finished attempt of a task, copied when it ends: the task's record moves on to the next. */
    record Attempt(String taskId, String process, String name, int attempt, TaskState outcome, Instant gatedAt,
            Instant queuedAt, Instant roomAt, Instant startedAt, Instant endedAt, Resources resources,
            String error) {
    }

    private final Path file;
    private final int timelineRows;
    private final String runId;
    private final String pipeline;
    private final TimeSource time;
    /** The attempts the timeline draws: the first {@code timelineRows} in drawing order, the last on top. */
    private final List<Attempt> drawn = new ArrayList<>();
    /**
     * Once {@link #drawn} is full, the same attempts as a queue whose head is the latest in drawing order,
     * the one an earlier attempt ending late replaces; {@code null} until then. Attempts mostly end in
     * drawing order, and a run of up to {@code timelineRows} attempts never needs it.
     */
    private PriorityQueue<Attempt> full;
    /** How many attempts the timeline would draw without its bound. */
    private int drawable;
    private int attemptCount;
    private int cachedCount;
    /** What the processes' table shows, by process in the order their first attempt ended. */
    private final Map<String, ProcessFigures> figures = new LinkedHashMap<>();
    private Instant startedAt;

    /** Makes the file's directory, so that a path that cannot be written fails before the run starts. */
    public HtmlReport(Path file, String runId, String pipeline, TimeSource time) throws IOException {
        this(file, runId, pipeline, time, TIMELINE_ROWS);
    }

    /** A report whose timeline draws at most {@code timelineRows} attempts. */
    HtmlReport(Path file, String runId, String pipeline, TimeSource time, int timelineRows) throws IOException {
        this.timelineRows = timelineRows;
        this.file = file;
        this.runId = runId;
        this.pipeline = pipeline;
        this.time = time;
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public void runStarted(List<TaskProgress> tasks) {
        startedAt = time.now();
    }

    @Override
    public void attemptFinished(TaskProgress task, TaskState outcome) {
        // A task cancelled while gated or queued has no completion time: it ended now.
        Instant ended = task.completedAt() != null ? task.completedAt() : time.now();
        Attempt a = new Attempt(task.id(), task.processName(), task.name(), task.attempt(), outcome,
                task.gatedAt(), task.queuedAt(), task.roomAt(), task.startedAt(), ended,
                task.task() == null ? null : task.task().resources(), task.error());
        attemptCount++;
        if (outcome == TaskState.CACHED) {
            cachedCount++;
        } else {
            figures.computeIfAbsent(a.process(), p -> new ProcessFigures()).add(a);
        }
        if (a.gatedAt() != null) {
            drawable++;
            if (full == null && drawn.size() < timelineRows) {
                drawn.add(a);
            } else if (timelineRows > 0) {
                if (full == null) {
                    full = new PriorityQueue<>(Math.max(1, timelineRows), (x, y) -> drawingOrder(y, x));
                    full.addAll(drawn);
                    drawn.clear();
                }
                if (drawingOrder(a, full.peek()) < 0) {
                    full.poll(); // the latest in drawing order
                    full.add(a);
                }
            }
        }
    }

    /** Writes the report for the run that ended; whole or not at all. */
    public void write(RunResult result) throws IOException {
        AtomicFiles.write(file, render(result, time.now()), StandardCharsets.UTF_8);
    }

    String render(RunResult result, Instant finishedAt) {
        Instant start = startedAt != null ? startedAt : finishedAt.minus(result.wallTime());
        // About half a kilobyte a timeline row: sized once rather than grown and copied a dozen times.
        StringBuilder html = new StringBuilder(16_384 + 512 * (full != null ? full.size() : drawn.size()));
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>sluice run ").append(esc(runId)).append(": ").append(esc(pipeline))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        summary(html, result, start, finishedAt);
        timeline(html, start, finishedAt);
        processes(html, result);
        failures(html, result);
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    // ---- summary ----------------------------------------------------------------------------------

    private void summary(StringBuilder html, RunResult result, Instant start, Instant end) {
        String verdict = result.verdict();
        html.append("<h1>sluice run <code>").append(esc(runId)).append("</code>: ").append(esc(pipeline))
                .append(" <span class=\"verdict verdict-").append(verdict).append("\">").append(verdict)
                .append("</span></h1>\n<section id=\"summary\">\n<table class=\"facts\">\n");
        fact(html, "Pipeline", esc(pipeline));
        fact(html, "Run id", "<code>" + esc(runId) + "</code>");
        fact(html, "Started", esc(TIME.format(start)));
        fact(html, "Finished", esc(TIME.format(end)));
        fact(html, "Wall time", esc(Units.formatDuration(result.wallTime())));
        Map<TaskState, Integer> counts = result.counts();
        fact(html, "Tasks", result.tasks().size() + (counts.isEmpty() ? "" : ": " + counts.entrySet().stream()
                .map(e -> "<span class=\"count state-" + e.getKey().label() + "\">" + e.getValue() + " "
                        + e.getKey().label() + "</span>")
                .collect(Collectors.joining(", "))));
        fact(html, "Attempts", Integer.toString(attemptCount));
        if (result.stopReason() != null && !result.succeeded()) {
            fact(html, "Stopped because", esc(result.stopReason()));
        }
        html.append("</table>\n</section>\n");
    }

    private static void fact(StringBuilder html, String name, String valueHtml) {
        html.append("<tr><th>").append(name).append("</th><td>").append(valueHtml).append("</td></tr>\n");
    }

    // ---- processes --------------------------------------------------------------------------------

    private void processes(StringBuilder html, RunResult result) {
        Map<String, List<TaskProgress>> tasksByProcess = new LinkedHashMap<>();
        for (TaskProgress t : result.tasks()) {
            tasksByProcess.computeIfAbsent(t.processName(), p -> new ArrayList<>()).add(t);
        }
        html.append("<section id=\"processes\">\n<h2>Processes</h2>\n<table class=\"grid\">\n<thead><tr>")
                .append("<th>Process</th><th>Executor</th><th>Tasks</th><th>Outcomes</th><th>Attempts</th>")
                .append("<th>Run time min</th><th>median</th><th>max</th>")
                .append("<th>Gate wait median</th><th>Queue median</th><th>CPUs</th><th>Memory</th>")
                .append("</tr></thead>\n<tbody>\n");
        for (Map.Entry<String, List<TaskProgress>> entry : tasksByProcess.entrySet()) {
            List<TaskProgress> tasks = entry.getValue();
            ProcessFigures ran = figures.getOrDefault(entry.getKey(), new ProcessFigures());
            Map<TaskState, Integer> outcomes = new EnumMap<>(TaskState.class);
            tasks.forEach(t -> outcomes.merge(t.state(), 1, Integer::sum));
            long[] realtimes = sorted(ran.realtimes);
            html.append("<tr><td>").append(esc(entry.getKey())).append("</td><td>")
                    .append(esc(tasks.get(0).executorName())).append("</td><td class=\"num\">").append(tasks.size())
                    .append("</td><td>").append(outcomes.entrySet().stream()
                            .map(e -> "<span class=\"count state-" + e.getKey().label() + "\">" + e.getValue() + " "
                                    + e.getKey().label() + "</span>")
                            .collect(Collectors.joining(", ")))
                    .append("</td><td class=\"num\">").append(ran.ran).append("</td>");
            cell(html, realtimes.length == 0 ? null : Duration.ofNanos(realtimes[0]));
            cell(html, median(realtimes));
            cell(html, realtimes.length == 0 ? null : Duration.ofNanos(realtimes[realtimes.length - 1]));
            cell(html, median(sorted(ran.gateWaits)));
            cell(html, median(sorted(ran.queueWaits)));
            html.append("<td class=\"num\">").append(esc(distinct(ran.cpus))).append("</td><td class=\"num\">")
                    .append(esc(distinct(ran.memory))).append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n<p class=\"note\">Run time: from the task's start to its end, over "
                + "every attempt that ran. CPUs and memory: what the tasks asked for.</p>\n</section>\n");
    }

    private static void cell(StringBuilder html, Duration d) {
        html.append("<td class=\"num\">").append(d == null ? "-" : esc(Units.formatDuration(d))).append("</td>");
    }

    private static long[] sorted(ImmutableLongArray.Builder values) {
        long[] out = values.build().toArray();
        Arrays.sort(out);
        return out;
    }

    private static Duration median(long[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return null;
        }
        return Duration.ofNanos(n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2
                + (sorted[n / 2 - 1] % 2 + sorted[n / 2] % 2) / 2);
    }

    private static String distinct(TreeSet<String> values) {
        return values.isEmpty() ? "-" : String.join(", ", values);
    }

    // ---- failures ---------------------------------------------------------------------------------

    private void failures(StringBuilder html, RunResult result) {
        List<TaskProgress> failures = result.failures();
        html.append("<section id=\"failures\">\n<h2>Failures</h2>\n");
        if (failures.isEmpty()) {
            html.append("<p>No task failed.</p>\n</section>\n");
            return;
        }
        for (TaskProgress t : failures.subList(0, Math.min(FAILURES_SHOWN, failures.size()))) {
            html.append("<div class=\"failure\">\n<h3>Task ").append(esc(t.id())).append(' ').append(esc(t.name()))
                    .append(" <span class=\"state-").append(t.state().label()).append("\">")
                    .append(t.state() == TaskState.IGNORED ? "failed, ignored" : "failed")
                    .append("</span> (attempt ").append(t.attempt()).append(")</h3>\n")
                    .append("<p class=\"error\">").append(esc(t.error())).append("</p>\n");
            if (t.task() != null) {
                html.append("<p>command: <code>").append(esc(String.join(" ", t.task().command())))
                        .append("</code><br>workdir: <code>").append(esc(t.task().workDir().toString()))
                        .append("</code></p>\n");
            }
            List<String> stderr = RunSummary.stderrTail(t, STDERR_LINES);
            if (!stderr.isEmpty()) {
                html.append("<p>The end of its stderr (<code>.command.err</code>):</p>\n<pre class=\"stderr\">")
                        .append(esc(String.join("\n", stderr))).append("</pre>\n");
            }
            html.append("</div>\n");
        }
        if (failures.size() > FAILURES_SHOWN) {
            html.append("<p>... and ").append(failures.size() - FAILURES_SHOWN)
                    .append(" more failed tasks (see the trace).</p>\n");
        }
        html.append("</section>\n");
    }

    // ---- timeline ---------------------------------------------------------------------------------

    private void timeline(StringBuilder html, Instant start, Instant end) {
        List<Attempt> drawn = new ArrayList<>(full != null ? full : this.drawn);
        drawn.sort(DRAWING_ORDER);
        long cached = cachedCount;
        html.append("<section id=\"timeline-section\">\n<h2>Timeline</h2>\n");
        html.append("<p class=\"note\">One row per task attempt: its <b>gate wait</b> (in readiness gates), "
                + "<b>queue</b> (ready, waiting for capacity or a submit slot) and <b>run</b> (submitted to "
                + "ended) phases, from the run's start.");
        if (cached > 0) {
            html.append(' ').append(cached).append(" cached task(s) did not run and are not drawn.");
        }
        if (drawable > drawn.size()) {
            html.append(" The first ").append(drawn.size()).append(" of ").append(drawable)
                    .append(" attempts are drawn.");
        }
        html.append("</p>\n");
        legend(html);
        for (Attempt a : drawn) {
            if (a.endedAt().isAfter(end)) {
                end = a.endedAt();
            }
        }
        long spanMs = Math.max(1, Duration.between(start, end).toMillis());
        int height = AXIS_HEIGHT + Math.max(1, drawn.size()) * ROW_HEIGHT + 4;
        int width = LABEL_WIDTH + CHART_WIDTH + 20;
        html.append("<svg id=\"timeline\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"timeline of the task attempts\">\n");
        axis(html, spanMs, height);
        int y = AXIS_HEIGHT;
        for (Attempt a : drawn) {
            String label = "task " + a.taskId() + " " + a.name() + (a.attempt() > 1 ? " #" + a.attempt() : "");
            html.append("<g class=\"attempt outcome-").append(a.outcome().label()).append("\">")
                    .append("<text class=\"label\" x=\"").append(LABEL_WIDTH - 8).append("\" y=\"")
                    .append(y + BAR_HEIGHT - 1).append("\">").append(esc(shorten(label, 40)))
                    .append("<title>").append(esc(label)).append("</title></text>");
            Instant gateEnd = a.queuedAt() != null ? a.queuedAt() : a.endedAt();
            segment(html, "phase-gate", a, a.gatedAt(), gateEnd, start, spanMs, y, "gate wait", false);
            if (a.queuedAt() != null) {
                Instant queueEnd = a.roomAt() != null ? a.roomAt() : a.endedAt();
                segment(html, "phase-queue", a, a.queuedAt(), queueEnd, start, spanMs, y, "queue", false);
            }
            if (a.roomAt() != null) {
                segment(html, "phase-run outcome-" + a.outcome().label(), a, a.roomAt(), a.endedAt(), start,
                        spanMs, y, "run", true);
            }
            html.append("</g>\n");
            y += ROW_HEIGHT;
        }
        html.append("</svg>\n</section>\n");
    }

    private static void legend(StringBuilder html) {
        String[][] items = {
                {"swatch-gate", "gate wait"}, {"swatch-queue", "queue"}, {"swatch-run", "run, succeeded"},
                {"swatch-failed", "run, failed"}, {"swatch-cancelled", "run, cancelled"}};
        html.append("<svg id=\"legend\" width=\"640\" height=\"22\" viewBox=\"0 0 640 22\">");
        int x = 0;
        for (String[] item : items) {
            html.append("<rect class=\"").append(item[0]).append("\" x=\"").append(x)
                    .append("\" y=\"5\" width=\"14\" height=\"12\"/><text x=\"").append(x + 20)
                    .append("\" y=\"15\">").append(item[1]).append("</text>");
            x += 128;
        }
        html.append("</svg>\n");
    }

    /** Vertical grid lines at a round step, labelled with the time since the run started. */
    private static void axis(StringBuilder html, long spanMs, int height) {
        long step = niceStep(spanMs / 8.0);
        html.append("<g class=\"axis\">");
        for (long t = 0; t <= spanMs; t += step) {
            double x = LABEL_WIDTH + (double) t / spanMs * CHART_WIDTH;
            html.append("<line x1=\"").append(fmt(x)).append("\" y1=\"").append(AXIS_HEIGHT - 6).append("\" x2=\"")
                    .append(fmt(x)).append("\" y2=\"").append(height).append("\"/><text x=\"").append(fmt(x))
                    .append("\" y=\"").append(AXIS_HEIGHT - 10).append("\">")
                    .append(t == 0 ? "0" : esc(Units.formatDuration(Duration.ofMillis(t)))).append("</text>");
        }
        html.append("</g>\n");
    }

    /** The smallest 1, 2 or 5 times a power of ten that is at least {@code rough} milliseconds. */
    static long niceStep(double rough) {
        long power = 1;
        while (true) {
            for (long m : new long[] {1, 2, 5}) {
                if (m * power >= rough) {
                    return m * power;
                }
            }
            power *= 10;
        }
    }

    private static void segment(StringBuilder html, String cssClass, Attempt a, Instant from, Instant to,
            Instant start, long spanMs, int y, String phase, boolean always) {
        if (from == null || to == null) {
            return;
        }
        long fromMs = clamp(Duration.between(start, from).toMillis(), spanMs);
        long toMs = clamp(Duration.between(start, to).toMillis(), spanMs);
        // A phase shorter than a millisecond (no gates; a free slot) is noise; a run always shows.
        if (toMs < fromMs || (!always && Duration.between(from, to).toMillis() < 1)) {
            return;
        }
        double x = LABEL_WIDTH + (double) fromMs / spanMs * CHART_WIDTH;
        // At least a pixel, so that a short phase still shows.
        double w = Math.max(1.0, (double) (toMs - fromMs) / spanMs * CHART_WIDTH);
        html.append("<rect class=\"").append(cssClass).append("\" x=\"").append(fmt(x)).append("\" y=\"").append(y)
                .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(BAR_HEIGHT).append("\"><title>")
                .append(esc("task " + a.taskId() + " " + a.name() + ", attempt " + a.attempt() + ": " + phase + " "
                        + Units.formatDuration(Duration.between(from, to))
                        + (phase.equals("run") ? " (" + a.outcome().label() + ")" : "")))
                .append("</title></rect>");
    }

    private static long clamp(long ms, long spanMs) {
        return Math.max(0, Math.min(spanMs, ms));
    }

    /**
     * A coordinate (never negative) with one decimal. By hand: a report has thousands, and String.format
     * was most of their cost.
     */
    static String fmt(double v) {
        long tenths = Math.round(v * 10);
        return tenths / 10 + "." + tenths % 10;
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    /** Text made safe for HTML element content and attribute values, with secret values masked. */
    static String esc(String text) {
        if (text == null) {
            return "";
        }
        String s = Redaction.redact(text);
        // Most text (names, durations) has nothing to escape: returned as it is, not copied.
        int first = 0;
        while (first < s.length() && !needsEscape(s.charAt(first))) {
            first++;
        }
        if (first == s.length()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16).append(s, 0, first);
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
    }

    private static final String CSS = """
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
            h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 28px; } h3 { font-size: 15px; }
            code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
            table { border-collapse: collapse; }
            .facts th { text-align: left; padding: 2px 16px 2px 0; font-weight: 600; }
            .grid th, .grid td { border: 1px solid #ccc; padding: 3px 8px; }
            .grid th { background: #f2f2f2; }
            .num { text-align: right; }
            .note { color: #555; font-size: 13px; }
            .verdict { padding: 1px 8px; border-radius: 4px; color: #fff; font-size: 14px; }
            .verdict-succeeded { background: #2e8b57; } .verdict-failed { background: #c62828; }
            .verdict-stopped { background: #757575; } .verdict-ended { background: #1565c0; }
            .state-failed, .error { color: #c62828; }
            .failure { border-left: 4px solid #c62828; padding: 2px 12px; margin: 12px 0; }
            pre.stderr { background: #f7f2f2; padding: 8px; overflow-x: auto; white-space: pre-wrap; }
            svg text { font: 11px system-ui, sans-serif; fill: #333; }
            #timeline .label { text-anchor: end; }
            #timeline .axis line { stroke: #e0e0e0; }
            #timeline .axis text { text-anchor: middle; fill: #666; }
            .phase-gate, .swatch-gate { fill: #f0a020; }
            .phase-queue, .swatch-queue { fill: #4a90d9; }
            .phase-run, .swatch-run { fill: #2e9e5b; }
            .phase-run.outcome-failed, .swatch-failed { fill: #d43c3c; }
            .phase-run.outcome-cancelled, .swatch-cancelled { fill: #9e9e9e; }
            """;
}
