package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.HarnessRun;
import dev.sluice.testing.SluiceHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The plugin's zip, as `mvn package` built it, in a real sluice. */
class @CLASS@IT {
    @Test
    void theWrappedTaskRunsUnderNice() throws Exception {
        try (SluiceHarness sluice = SluiceHarness.forThisPlugin()) {
            // `nice` without arguments prints the niceness it runs at.
            HarnessRun run = sluice.run("""
                    plugins: [{id: @ID@}]
                    processes:
                      wrapped:
                        hints: {@ID@/niceness: 5}
                        command: [nice]
                      plain:
                        command: [nice]
                    """);
            assertThat(run.exitCode()).as(run.output()).isZero();
            Path wrapped = Path.of(run.task("wrapped").get("workdir"), ".command.out");
            Path plain = Path.of(run.task("plain").get("workdir"), ".command.out");
            int base = Integer.parseInt(Files.readString(plain).strip());
            assertThat(Integer.parseInt(Files.readString(wrapped).strip())).isEqualTo(Math.min(19, base + 5));
        }
    }
}
