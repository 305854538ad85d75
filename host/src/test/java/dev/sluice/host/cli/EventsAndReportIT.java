package dev.sluice.host.cli;

import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.Tools;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice run}'s event log and {@code --report}, end to end; the report is drawn by headless Chromium. */
class EventsAndReportIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A gated task, tasks queued behind one cpu, a retried task and an ignored failure. */
    private Path pipeline() throws IOException {
        Path data = dir.resolve("data.txt");
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                plugins:
                  - id: files
                processes:
                  produce:
                    script: |
                      sleep 1
                      echo one > %1$s
                  consume:
                    inputs: [%1$s]
                    hints: {files/stableFor: 200ms, files/pollInterval: 50ms, files/maxWait: 1m}
                    script: cat %1$s
                  work:
                    matrix: {n: [1, 2, 3]}
                    script: sleep 0.{{ Task.Param.n }}
                  flaky:
                    script: test "$SLUICE_TASK_ATTEMPT" -ge 2
                    errorStrategy: retry
                    maxRetries: 1
                    retryBackoff: {initial: 10ms, max: 10ms, multiplier: 1}
                  broken:
                    errorStrategy: ignore
                    script: |
                      echo 'cannot read <input.csv>' >&2
                      exit 3
                """.formatted(data));
        return file;
    }

    private Path oneCpu() throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                executors:
                  local:
                    cpus: 1
                """);
        return config;
    }

    private static String line(String stdout, String prefix) {
        return stdout.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + stdout))
                .substring(prefix.length());
    }

    @Test
    void eventLogIsWrittenBesideTheTraceByDefaultAndWhereEventsSays() throws Exception {
        Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("examples/hello.yaml");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", example.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();
        Path trace = Path.of(line(r.stdout(), "Trace: "));
        Path events = Path.of(line(r.stdout(), "Events: "));
        assertThat(events).isEqualTo(trace.resolveSibling("events.jsonl"));
        String runId = trace.getParent().getFileName().toString();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(events)) {
            lines.add(JSON.readTree(l));
        }
        assertThat(lines).allSatisfy(e -> assertThat(e.get("run").asText()).isEqualTo(runId));
        assertThat(lines.get(0).get("event").asText()).isEqualTo("run_started");
        assertThat(lines.get(lines.size() - 1).get("event").asText()).isEqualTo("run_finished");
        assertThat(lines.stream().filter(e -> e.get("event").asText().equals("task_completed"))).hasSize(4);
        assertThat(r.stdout()).doesNotContain("Report: ");

        Path moved = dir.resolve("logs/run.jsonl");
        SluiceProcess.Result again = SluiceProcess.run(dir, "run", example.toString(), "-q", "--events",
                "logs/run.jsonl");
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(Path.of(line(again.stdout(), "Events: "))).isEqualTo(moved);
        assertThat(Files.readAllLines(moved)).last().asString().contains("\"event\":\"run_finished\"");
    }

    @Test
    void reportThatCannotBeWrittenIsRefusedBeforeAnythingRuns() throws Exception {
        Files.createDirectories(dir.resolve("taken"));
        Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("examples/hello.yaml");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", example.toString(), "-q", "--report", "taken");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("--report").contains("taken").contains("is a directory; name a file");
        assertThat(dir.resolve("work/runs")).doesNotExist();
    }

    @Test
    void chromiumDrawsTheReportsTimelineWithARunSegmentPerAttempt() throws Exception {
        Path chromium = Tools.require("chromium");
        Path report = dir.resolve("out/report.html");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline().toString(), "-c", oneCpu().toString(),
                "-q", "--report", "out/report.html");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(Path.of(line(r.stdout(), "Report: "))).isEqualTo(report);
        int attempts = traceRows(r.stdout()).size() - 1;
        assertThat(attempts).as("7 tasks, one retried").isEqualTo(8);

        String html = Files.readString(report, StandardCharsets.UTF_8);
        assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//");
        assertThat(html).contains("cannot read &lt;input.csv&gt;");

        Path png = dir.resolve("report.png");
        chromium(chromium, "--screenshot=" + png, "--window-size=1200,900", report.toUri().toString());
        assertThat(png).exists();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("a PNG").isNotNull();
        Map<String, Integer> pixels = countColours(image, Map.of(
                "gate", 0xf0a020, "queue", 0x4a90d9, "run", 0x2e9e5b));
        // The legend shows each colour on 14 x 12 px; the timeline's bars must add far more.
        int legend = 14 * 12;
        assertThat(pixels.get("run")).as("run bars: " + pixels).isGreaterThan(4 * legend);
        assertThat(pixels.get("queue")).as("queue bars (one cpu): " + pixels).isGreaterThan(4 * legend);
        assertThat(pixels.get("gate")).as("gate wait of the task waiting for its input: " + pixels)
                .isGreaterThan(4 * legend);

        String dom = chromium(chromium, "--dump-dom", report.toUri().toString());
        assertThat(dom).contains("<svg id=\"timeline\"");
        assertThat(count(dom, "<rect class=\"phase-run\\b")).isEqualTo(attempts);
        assertThat(count(dom, "<rect class=\"phase-run outcome-failed\"")).as("flaky's first attempt, broken")
                .isEqualTo(2);
        assertThat(count(dom, "<rect class=\"phase-gate\"")).isPositive();
    }

    /** Runs headless Chromium on its own profile; returns its stdout. It may complain on stderr harmlessly. */
    private String chromium(Path chromium, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile")));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("chromium.out");
        Path err = dir.resolve("chromium.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 90 s: " + cmd + "\n" + Files.readString(err));
        }
        assertThat(p.exitValue()).as("chromium " + cmd + ":\n" + Files.readString(err)).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static Map<String, Integer> countColours(BufferedImage image, Map<String, Integer> colours) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        colours.keySet().forEach(k -> counts.put(k, 0));
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                for (Map.Entry<String, Integer> c : colours.entrySet()) {
                    if (close(rgb, c.getValue())) {
                        counts.merge(c.getKey(), 1, Integer::sum);
                    }
                }
            }
        }
        return counts;
    }

    /** Within a few steps per channel: colour management may shift a fill slightly. */
    private static boolean close(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) > 3) {
                return false;
            }
        }
        return true;
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
