package @PACKAGE@;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.HarnessRun;
import dev.sluice.testing.SluiceHarness;
import org.junit.jupiter.api.Test;

/** The plugin's zip, as `mvn package` built it, in a real sluice. */
class @CLASS@IT {
    @Test
    void tasksRunOnTheExecutorAndTheirEndsReachTheTrace() {
        try (SluiceHarness sluice = SluiceHarness.forThisPlugin().withConfig("""
                executors:
                  @ID@:
                    slots: 2
                """)) {
            HarnessRun run = sluice.run("""
                    processes:
                      greet:
                        executor: @ID@
                        matrix: {who: [a, b, c]}
                        command: [echo, "hello {{ Task.Param.who }}"]
                      fail:
                        executor: @ID@
                        script: "exit 4"
                    """);
            assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
            assertThat(run.task("greet (who=b)").get("status")).isEqualTo("SUCCEEDED");
            assertThat(run.task("fail").get("exit")).isEqualTo("4");
            assertThat(run.trace()).hasSize(4);
        }
    }
}
