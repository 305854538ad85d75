package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness drives a real sluice with the bundled files plugin, loaded from its zip. */
class SluiceHarnessTest {
    private static final Path FILES_ZIP = Path.of(System.getProperty("files.plugin.zip"));

    @TempDir
    Path tmp;

    @Test
    void aRunThroughThePluginsGateIsSeenInTheTraceAndTheEvents() throws Exception {
        Path input = Files.writeString(tmp.resolve("input.txt"), "ready\n");
        try (SluiceHarness sluice = SluiceHarness.forPlugins(FILES_ZIP)) {
            HarnessRun run = sluice.run("""
                    plugins: [{id: files}]
                    processes:
                      consume:
                        inputs: [%s]
                        hints: {files/stableFor: 10ms}
                        command: [cat, %s]
                      greet:
                        matrix: {who: [a, b]}
                        command: [echo, "hi {{ Task.Param.who }}"]
                    """.formatted(input, input));
            assertThat(run.exitCode()).as(run.output()).isZero();
            // The host ran from its runtime zip's jars, not from this test's class path (test-classes, the
            // plugin's libraries): regression guard for SluiceHarness.command().
            String classPath = run.command().get(run.command().indexOf("-cp") + 1);
            assertThat(classPath).endsWith("sluice-host/lib/*").doesNotContain("test-classes");
            assertThat(run.command()).noneMatch(arg -> arg.contains("test-classes"));
            assertThat(run.workDir().resolveSibling("command.txt")).hasContent(String.join("\n", run.command()) + "\n");
            Map<String, String> consume = run.task("consume");
            assertThat(consume.get("status")).isEqualTo("SUCCEEDED");
            assertThat(Files.readString(Path.of(consume.get("workdir")).resolve(".command.out"))).isEqualTo("ready\n");
            assertThat(run.task("greet (who=b)").get("exit")).isEqualTo("0");
            assertThat(run.trace()).hasSize(3);
            assertThat(run.events("gate_finished")).filteredOn(e -> "consume".equals(e.get("name"))).singleElement()
                    .satisfies(e -> {
                assertThat(e.get("gate")).isEqualTo("files");
                assertThat(e.get("outcome")).isEqualTo("passed");
            });
            assertThat(run.events()).first().extracting(e -> e.get("event")).isEqualTo("run_started");
            assertThat(run.log()).noneMatch(line -> "ERROR".equals(line.get("level")));
            assertThatThrownBy(() -> run.task("greet")).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("has 2 tasks").hasMessageContaining("greet (who=a)");
        }
    }

    @Test
    void aFailingTaskAndABadPipelineAreReportedAsTheCommandLineReportsThem() {
        try (SluiceHarness sluice = SluiceHarness.forPlugins(FILES_ZIP)) {
            HarnessRun failed = sluice.run("""
                    processes:
                      boom:
                        script: "exit 7"
                    """);
            assertThat(failed.exitCode()).as(failed.output()).isEqualTo(1);
            assertThat(failed.task("boom").get("exit")).isEqualTo("7");
            assertThat(failed.events("task_failed")).hasSize(1);

            HarnessRun invalid = sluice.validate("""
                    plugins: [{id: files}]
                    processes:
                      a:
                        hints: {files/maxWait: soon}
                        command: ["true"]
                    """);
            assertThat(invalid.exitCode()).as(invalid.output()).isEqualTo(2);
            assertThat(invalid.stderr()).contains("files/maxWait").doesNotContain("Exception");
            assertThat(invalid.runDir()).isEmpty();
            assertThat(invalid.trace()).isEmpty();
        }
    }

    @Test
    void theOperatorConfigReachesThePlugin() {
        try (SluiceHarness sluice = SluiceHarness.forPlugins(FILES_ZIP).withConfig("""
                plugins:
                  files:
                    noSuchSetting: 1
                """)) {
            HarnessRun run = sluice.validate("""
                    plugins: [{id: files}]
                    processes:
                      a:
                        command: ["true"]
                    """);
            assertThat(run.exitCode()).as(run.output()).isNotZero();
            assertThat(run.stderr()).contains("noSuchSetting");
        }
    }

    @Test
    void withoutThePropertyOrTheZipTheHarnessSaysWhatToDo() {
        String before = System.clearProperty(SluiceHarness.ZIP_PROPERTY);
        try {
            assertThatThrownBy(SluiceHarness::forThisPlugin).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("mvn verify").hasMessageContaining("sluice-plugin-parent");
        } finally {
            if (before != null) {
                System.setProperty(SluiceHarness.ZIP_PROPERTY, before);
            }
        }
        assertThatThrownBy(() -> SluiceHarness.forPlugins(tmp.resolve("missing.zip")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.zip")
                .hasMessageContaining("mvn package");
    }

    @Test
    void theHostRunsFromItsOwnJarsNotTheTestsClassPath() {
        // Maven's surefire configuration names the unpacked runtime zip, as the plugin parent does for *IT.
        String lib = System.getProperty(SluiceHarness.HOST_PROPERTY);
        assertThat(lib).as("set by this module's pom").endsWith("sluice-host/lib");
        assertThat(SluiceHarness.hostClassPath()).isEqualTo(Path.of(lib).toAbsolutePath() + "/*")
                .doesNotContain(System.getProperty("java.class.path"));
        try {
            System.setProperty(SluiceHarness.HOST_PROPERTY, tmp.toString());
            assertThatThrownBy(SluiceHarness::hostClassPath).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(tmp.toString()).hasMessageContaining("mvn verify");
            System.clearProperty(SluiceHarness.HOST_PROPERTY);
            assertThat(SluiceHarness.hostClassPath()).isEqualTo(System.getProperty("java.class.path"));
        } finally {
            System.setProperty(SluiceHarness.HOST_PROPERTY, lib);
        }
    }
}
