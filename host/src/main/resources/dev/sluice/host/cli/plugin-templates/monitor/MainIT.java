package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.HarnessRun;
import dev.sluice.testing.SluiceHarness;
import org.junit.jupiter.api.Test;

/** The plugin's zip, as `mvn package` built it, in a real sluice. */
class @CLASS@IT {
    @Test
    void aQuietTaskFailsLongBeforeItWouldEnd() {
        try (SluiceHarness sluice = SluiceHarness.forThisPlugin()) {
            HarnessRun run = sluice.run("""
                    plugins: [{id: @ID@}]
                    processes:
                      stuck:
                        hints: {@ID@/quietFor: 2s}
                        script: |
                          echo started
                          sleep 60
                      chatty:
                        hints: {@ID@/quietFor: 2s}
                        command: [echo, done]
                    """);
            assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
            assertThat(run.task("chatty").get("status")).isEqualTo("SUCCEEDED");
            assertThat(run.task("stuck").get("status")).isEqualTo("FAILED");
            assertThat(run.task("stuck").get("error")).contains("no output for 2s");
        }
    }
}
