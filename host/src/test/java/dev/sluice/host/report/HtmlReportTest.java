package dev.sluice.host.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.monitor.LocalRuns;
import dev.sluice.host.monitor.RunResult;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report of real runs on the local executor. Chromium draws one in {@code HtmlReportIT}. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HtmlReportTest {
    @TempDir
    Path dir;

    private String report(String yaml, List<TaskReadinessGate> gates) throws Exception {
        Path file = dir.resolve("out/report.html");
        HtmlReport report = new HtmlReport(file, LocalRuns.RUN_ID, "demo", TimeSource.system());
        RunResult result = LocalRuns.run(dir, yaml, Map.of("cpus", "1"), gates, report);
        report.write(result);
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static final String RETRY_AND_FAILURE = """
            processes:
              work:
                matrix: {n: [1, 2]}
                command: [true]
              flaky:
                script: test "$SLUICE_TASK_ATTEMPT" -ge 2
                errorStrategy: retry
                maxRetries: 1
                retryBackoff: {initial: 10ms, max: 10ms, multiplier: 1}
              broken:
                errorStrategy: ignore
                script: |
                  echo 'first line' >&2
                  echo '<script>alert("x")</script> & more' >&2
                  exit 3
            """;

    @Test
    void timelineDrawsARunSegmentPerAttemptAndAQueueSegmentWhereTasksWaitedForACpu() throws Exception {
        String html = report(RETRY_AND_FAILURE, List.of());
        assertThat(html).contains("<svg id=\"timeline\"");
        // 2 work, 2 flaky attempts, 1 broken; one cpu, so most of them queue behind another.
        assertThat(count(html, "<rect class=\"phase-run ")).isEqualTo(5);
        assertThat(count(html, "<rect class=\"phase-run outcome-failed\"")).isEqualTo(2);
        assertThat(count(html, "<rect class=\"phase-queue\"")).isPositive();
        assertThat(count(html, "<rect class=\"phase-gate\"")).as("no gates, no gate wait").isZero();
        assertThat(count(html, "<g class=\"attempt ")).isEqualTo(5);
        assertThat(html).contains("task 3 flaky #2");
    }

    @Test
    void theTimelineKeepsOnlyTheFirstAttemptsItDraws() throws Exception {
        Path file = dir.resolve("report.html");
        HtmlReport report = new HtmlReport(file, LocalRuns.RUN_ID, "demo", TimeSource.system(), 3);
        report.write(LocalRuns.run(dir, RETRY_AND_FAILURE, Map.of("cpus", "1"), List.of(), report));
        String html = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(html).contains("The first 3 of 5 attempts are drawn.")
                .contains("<tr><th>Attempts</th><td>5</td></tr>");
        assertThat(count(html, "<g class=\"attempt ")).isEqualTo(3);
        assertThat(html).contains("task 1 work").contains("task 3 flaky").doesNotContain("task 4 broken")
                .doesNotContain("flaky #2");
        // The processes' table counts every attempt, drawn or not.
        assertThat(html).containsPattern("<tr><td>flaky</td><td>local</td><td class=\"num\">1</td><td>"
                + "<span class=\"count state-succeeded\">1 succeeded</span></td><td class=\"num\">2</td>");
    }

    @Test
    void gateWaitIsDrawnForTasksInAGate() throws Exception {
        TaskReadinessGate slow = new TaskReadinessGate() {
            @Override
            public String id() {
                return "slow";
            }

            @Override
            public void prepare(TaskHandle task) throws InterruptedException, TaskException {
                Thread.sleep(20);
            }
        };
        String html = report("""
                processes:
                  a: {command: [true], matrix: {i: [1, 2]}}
                """, List.of(slow));
        assertThat(count(html, "<rect class=\"phase-gate\"")).isEqualTo(2);
        assertThat(count(html, "<rect class=\"phase-run outcome-succeeded\"")).isEqualTo(2);
    }

    @Test
    void summaryAndProcessTableCountTasksAttemptsAndOutcomes() throws Exception {
        String html = report(RETRY_AND_FAILURE, List.of());
        assertThat(html).contains("<title>sluice run test-run: demo</title>")
                .contains("<span class=\"verdict verdict-succeeded\">succeeded</span>")
                .contains("<tr><th>Attempts</th><td>5</td></tr>")
                .contains("3 succeeded").contains("1 ignored");
        assertThat(html).containsPattern("<tr><td>work</td><td>local</td><td class=\"num\">2</td><td>"
                + "<span class=\"count state-succeeded\">2 succeeded</span></td><td class=\"num\">2</td>");
        assertThat(html).containsPattern("<tr><td>flaky</td><td>local</td><td class=\"num\">1</td><td>"
                + "<span class=\"count state-succeeded\">1 succeeded</span></td><td class=\"num\">2</td>");
    }

    @Test
    void failuresShowTheErrorAndTheEndOfStderrEscaped() throws Exception {
        String html = report(RETRY_AND_FAILURE, List.of());
        String failures = html.substring(html.indexOf("<section id=\"failures\">"));
        assertThat(failures).contains("Task 4 broken").contains("failed, ignored")
                .contains("<p class=\"error\">exited with code 3</p>")
                .contains("first line\n&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</pre>");
        assertThat(html).doesNotContain("<script");
        assertThat(failures).as("a retried task that succeeded is no failure").doesNotContain("flaky");
    }

    @Test
    void failuresShowTheLastLinesOfALargeStderr() throws Exception {
        String html = report("""
                processes:
                  noisy:
                    script: |
                      seq 1 30000 >&2
                      exit 1
                """, List.of());
        String open = "<pre class=\"stderr\">";
        String stderr = html.substring(html.indexOf(open) + open.length(), html.indexOf("</pre>"));
        assertThat(stderr.split("\n")).hasSize(20).startsWith("29981").endsWith("30000");
    }

    @Test
    void theFileFetchesNothing() throws Exception {
        String html = report(RETRY_AND_FAILURE, List.of());
        assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=")
                .doesNotContainPattern("(?i)url\\(")
                .doesNotContainPattern("(?i)<(link|img|iframe|object|embed|script)\\b")
                .doesNotContainPattern("(?i)@import");
    }

    @Test
    void textIsEscapedWhereverItsSpecialCharactersStandAndLeftAsItIsWithoutThem() {
        String plain = "task 7 t (i=7), attempt 1: run 1ms";
        assertThat(HtmlReport.esc(plain)).as("returned as it is, not copied").isSameAs(plain);
        assertThat(HtmlReport.esc("")).isEmpty();
        assertThat(HtmlReport.esc(null)).isEmpty();
        assertThat(HtmlReport.esc("<b>")).isEqualTo("&lt;b&gt;");
        assertThat(HtmlReport.esc("a & b")).isEqualTo("a &amp; b");
        assertThat(HtmlReport.esc("say \"hi\"")).isEqualTo("say &quot;hi&quot;");
        assertThat(HtmlReport.esc("it's")).isEqualTo("it&#39;s");
        assertThat(HtmlReport.esc("é <")).isEqualTo("é &lt;");
    }

    @Test
    void axisStepsAreRoundNumbers() {
        assertThat(HtmlReport.niceStep(0.3)).isEqualTo(1);
        assertThat(HtmlReport.niceStep(130)).isEqualTo(200);
        assertThat(HtmlReport.niceStep(4_100)).isEqualTo(5_000);
        assertThat(HtmlReport.niceStep(7_500_000)).isEqualTo(10_000_000);
    }

    @Test
    void coordinatesReadAsStringFormatWroteThem() {
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 200_000; i++) {
            // Pixels as the timeline computes them (a fraction of the chart's width), and round tenths.
            double v = i % 2 == 0 ? random.nextDouble() * 2000 : random.nextInt(20_000) / 10.0 + random.nextInt(3) * 0.05;
            String expected = String.format(java.util.Locale.ROOT, "%.1f", v);
            double tenths = v * 10;
            if (Math.abs(tenths - Math.floor(tenths) - 0.5) < 1e-9) {
                // A near-tie (956.9499999999999): a tenth of a pixel either way, both fine.
                assertThat(Math.abs(Double.parseDouble(HtmlReport.fmt(v)) - Double.parseDouble(expected))).as("%s", v)
                        .isLessThan(0.1 + 1e-9);
            } else {
                assertThat(HtmlReport.fmt(v)).as("%s", v).isEqualTo(expected);
            }
        }
        assertThat(HtmlReport.fmt(0)).isEqualTo("0.0");
        assertThat(HtmlReport.fmt(1.0)).isEqualTo("1.0");
    }
}
