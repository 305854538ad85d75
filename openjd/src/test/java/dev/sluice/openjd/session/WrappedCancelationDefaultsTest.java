package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code WrappedAction.Cancelation.NotifyPeriodInSeconds} carries the schema's default when the wrapped
 * action declares NOTIFY_THEN_TERMINATE without a period (issue 18, RFC 0008: 30 s for an environment's
 * onEnter and onExit), and stays null for TERMINATE and for an action without a cancelation.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WrappedCancelationDefaultsTest {
    @TempDir
    Path dir;

    @Test
    void aNotifyPeriodLeftOutReachesTheHookAsTheDefaultOfTheWrappedActionsKind() throws Exception {
        String hook = """
                          command: bash
                          args: [-c, 'echo "$0 $1 mode=$2 notify=$3" >> hooks.txt', "%s", "{{ WrappedEnv.Name }}",
                                 "{{ string(WrappedAction.Cancelation.Mode) }}",
                                 "{{ string(WrappedAction.Cancelation.NotifyPeriodInSeconds) }}"]
                """;
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  box:
                    extensions: [WRAP_ACTIONS, EXPR]
                    script:
                      actions:
                        onWrapEnvEnter:
                %s
                        onWrapTaskRun: {command: run-in-box, args: ["{{ WrappedAction.Command }}"]}
                        onWrapEnvExit:
                %s
                  notify:
                    script:
                      actions:
                        onEnter: {command: "true", cancelation: {mode: NOTIFY_THEN_TERMINATE}}
                        onExit: {command: "true", cancelation: {mode: NOTIFY_THEN_TERMINATE}}
                  written:
                    script:
                      actions:
                        onEnter: {command: "true", cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 7}}
                  terminate:
                    script:
                      actions:
                        onEnter: {command: "true", cancelation: {mode: TERMINATE}}
                  none:
                    script:
                      actions:
                        onEnter: {command: "true"}
                processes:
                  p: {command: [x], environment: [box, notify, written, terminate, none]}
                """.formatted(hook.formatted("enter"), hook.formatted("exit")))) {
            rig.enter("p");
            rig.session.exitAll();

            assertThat(rig.lines("hooks.txt")).containsExactly(
                    "enter notify mode=NOTIFY_THEN_TERMINATE notify=30",
                    "enter written mode=NOTIFY_THEN_TERMINATE notify=7",
                    "enter terminate mode=TERMINATE notify=null",
                    "enter none mode=null notify=null",
                    "exit notify mode=NOTIFY_THEN_TERMINATE notify=30");
        }
    }
}
