package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.WrappedTask;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour the WRAP_ACTIONS conformance case {@code wrap-repr-py-escapes-newline-in-wrapped-args} implies,
 * on sluice's own template ({@code env/conformance/wrap-forwarding-repr-py.yaml}): three wrap hooks that run the
 * wrapped action from a Python program, quoting it with {@code repr_py}, run an action whose argument is a
 * two-line program, so the newline is escaped and the forwarded action runs (issue 18).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WrapForwardingConformanceTest {
    @TempDir
    Path dir;

    @Test
    void hooksForwardingThroughReprPyRunWrappedActionsWhoseArgumentsHoldNewlines() throws Exception {
        Path fixture = Path.of(getClass().getResource("/env/conformance/wrap-forwarding-repr-py.yaml").toURI());
        SessionRig.write(dir, "envs/forward.yaml", Files.readString(fixture, StandardCharsets.UTF_8));
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  forward: {template: envs/forward.yaml}
                  inner:
                    script:
                      actions:
                        onEnter:
                          command: python3
                          args:
                            - -c
                            - |
                              import sys
                              open('hooks.txt', 'a').write("enter ran, it's\\n")
                        onExit:
                          command: python3
                          args:
                            - -c
                            - |
                              import sys
                              open('hooks.txt', 'a').write('exit ran\\n')
                processes:
                  p: {command: [x], environment: [forward, inner]}
                """)) {
            rig.enter("p");
            assertThat(rig.lines("hooks.txt")).as("onWrapEnvEnter ran inner's two-line onEnter")
                    .containsExactly("enter ran, it's");

            WrappedTask run = rig.launch("p", List.of("python3", "-c", "import sys\nprint('TASK RAN', sys.argv[1:])",
                    "a 'quoted'\nargument"), Map.of());
            Process p = new ProcessBuilder(run.command().argv()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).as("onWrapTaskRun ran the task, its arguments intact")
                    .isEqualTo("TASK RAN [\"a 'quoted'\\nargument\"]\n");

            assertThat(rig.session.exitAll()).isEmpty();
            assertThat(rig.lines("hooks.txt")).containsExactly("enter ran, it's", "exit ran");
        }
    }
}
