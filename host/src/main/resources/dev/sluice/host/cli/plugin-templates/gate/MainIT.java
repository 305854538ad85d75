package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.HarnessRun;
import dev.sluice.testing.SluiceHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin's zip, as `mvn package` built it, in a real sluice. */
class @CLASS@IT {
    @TempDir
    Path dir;

    @Test
    void aTaskRunsOnceItsFlagExistsAndFailsWhenItNeverDoes() throws Exception {
        Path flag = Files.createFile(dir.resolve("ready"));
        try (SluiceHarness sluice = SluiceHarness.forThisPlugin()) {
            HarnessRun run = sluice.run("""
                    plugins: [{id: @ID@}]
                    processes:
                      flagged:
                        hints: {@ID@/flag: %s}
                        command: [echo, go]
                      waiting:
                        hints: {@ID@/flag: %s, @ID@/maxWait: 1s}
                        command: [echo, never]
                    """.formatted(flag, dir.resolve("missing")));
            assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
            assertThat(run.task("flagged").get("status")).isEqualTo("SUCCEEDED");
            assertThat(run.task("waiting").get("status")).isEqualTo("FAILED");
            assertThat(run.task("waiting").get("error")).contains("missing");
            assertThat(run.events("gate_finished")).extracting(e -> e.get("gate")).contains("@ID@");
        }
    }

    @Test
    void validateRefusesAMisspeltHint() {
        try (SluiceHarness sluice = SluiceHarness.forThisPlugin()) {
            HarnessRun run = sluice.validate("""
                    plugins: [{id: @ID@}]
                    processes:
                      a:
                        hints: {@ID@/flagg: /tmp/x}
                        command: ["true"]
                    """);
            assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
            assertThat(run.stderr()).contains("@ID@/flagg");
        }
    }
}
