package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.openjd.action.RunningAction;
import dev.sluice.spi.WrappedTask;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Wrapping environments: both hook spellings, the hooks' values, and the cancelation a wrapped task gets. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EnvironmentSessionWrapTest {
    private static final Resources TWO_MINUTES = Resources.DEFAULT.withTime(Duration.ofSeconds(120));

    @TempDir
    Path dir;

    /** A WRAP_TASK_RUN wrapper without actions of its own, whose onWrapTaskRun has the given extra fields. */
    private SessionRig wrapTaskRun(String hookFields, FakeTimeSource clock) throws Exception {
        return SessionRig.open(dir, """
                environments:
                  w:
                    extensions: [WRAP_TASK_RUN]
                    script:
                      actions:
                        onWrapTaskRun: {command: wrap, args: ["{{ Task.Command }}", "{{ Task.Args }}"]%s}
                processes:
                  p: {command: [x], environment: w}
                """.formatted(hookFields), clock);
    }

    @Test
    void wrapTaskRunHookGetsTheTaskCommandArgsEnvironmentAndTimeout() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  w:
                    extensions: [WRAP_TASK_RUN]
                    variables: {W_VAR: w-value}
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo w >> enters.txt; echo 'openjd_env: W_ENTERED=1'"]}
                        onWrapTaskRun:
                          command: /usr/bin/env
                          args: [wrapper, "{{ Task.Command }}", "{{ Task.Args }}", "--env", "{{ Task.Environment }}",
                                 "--timeout", "{{ Env.Action.Timeout }}", "last={{ Task.Args[-1] }}"]
                          timeout: 77
                processes:
                  p: {command: [x], environment: w}
                """)) {
            rig.enter("p");
            WrappedTask run = rig.launch(rig.task("p", TWO_MINUTES), List.of("python", "train.py", "--epochs", "3"),
                    Map.of("TASK_VAR", "t"));

            assertThat(rig.lines("enters.txt")).as("the wrapper's own onEnter runs normally").containsExactly("w");
            assertThat(run.command().argv()).containsExactly("/usr/bin/env", "wrapper", "python", "train.py",
                    "--epochs", "3", "--env", "W_VAR=w-value", "W_ENTERED=1", "TASK_VAR=t", "--timeout", "120",
                    "last=3");
            assertThat(run.command().environment()).containsOnly(Map.entry("W_VAR", "w-value"),
                    Map.entry("W_ENTERED", "1"), Map.entry("TASK_VAR", "t"), rig.sessionDirectoryVariable());
            assertThat(run.timeLimit()).as("the hook's timeout").contains(Duration.ofSeconds(77));
            assertThat(run.killGrace()).as("TERMINATE by default").contains(Duration.ZERO);
        }
    }

    @Test
    void wrappedEnvNameIsTheTemplatesOwnNameNotThePipelinesKey() throws Exception {
        SessionRig.write(dir, "envs/tools.yaml", """
                specificationVersion: environment-2023-09
                environment:
                  name: Studio Tools
                  script:
                    actions:
                      onEnter: {command: "true"}
                      onExit: {command: "true"}
                """);
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  box:
                    extensions: [WRAP_ACTIONS, EXPR]
                    script:
                      actions:
                        onWrapEnvEnter: {command: bash, args: [-c, 'echo "enter [$0]" >> hooks.txt', "{{ WrappedEnv.Name }}"]}
                        onWrapTaskRun: {command: run, args: ["{{ WrappedAction.Command }}"]}
                        onWrapEnvExit: {command: bash, args: [-c, 'echo "exit [$0]" >> hooks.txt', "{{ WrappedEnv.Name }}"]}
                  tools-key: {template: envs/tools.yaml}
                  inline-key: {script: {actions: {onEnter: {command: "true"}}}}
                processes:
                  p: {command: [x], environment: [box, tools-key, inline-key]}
                """)) {
            rig.enter("p");
            assertThat(rig.session.exitAll()).isEmpty();

            assertThat(rig.lines("hooks.txt")).containsExactly("enter [Studio Tools]", "enter [inline-key]",
                    "exit [Studio Tools]");
        }
    }

    @Test
    void taskWithoutATimeLimitGivesTheHookANullTimeoutAndTheRunNoLimitOfItsOwn() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  w:
                    extensions: [WRAP_TASK_RUN]
                    script:
                      actions:
                        onWrapTaskRun: {command: wrap, args: ["{{ Env.Action.Timeout }}", "t={{ Env.Action.Timeout }}", "{{ Task.Command }}"]}
                processes:
                  p: {command: [x], environment: w}
                """)) {
            rig.enter("p");
            WrappedTask run = rig.launch("p", List.of("prog"), Map.of());

            assertThat(run.command().argv()).as("a null argument gives none").containsExactly("wrap", "t=", "prog");
            assertThat(run.timeLimit()).isEmpty();
        }
    }

    @Test
    void wrapActionsHooksRunInsteadOfTheInnerEnvironmentsActionsAndSeeWhatTheyWrap() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  box:
                    extensions: [WRAP_ACTIONS, EXPR]
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo box-enter >> hooks.txt"]}
                        onExit: {command: bash, args: [-c, "echo box-exit >> hooks.txt"]}
                        onWrapEnvEnter:
                          command: bash
                          args:
                            - -c
                            - |
                              echo "wrap-enter $0 timeout=$1 mode=$2 notify=$3 env=$4" >> hooks.txt
                              echo "openjd_env: VIA_HOOK=$0"
                              shift 4
                              exec "$@"
                            - "{{ WrappedEnv.Name }}"
                            - "{{ string(WrappedAction.Timeout) }}"
                            - "{{ string(WrappedAction.Cancelation.Mode) }}"
                            - "{{ string(WrappedAction.Cancelation.NotifyPeriodInSeconds) }}"
                            - "{{ WrappedAction.Environment.join(',') }}"
                            - "{{ WrappedAction.Command }}"
                            - "{{ WrappedAction.Args }}"
                        onWrapTaskRun:
                          command: run-in-box
                          args: ["{{ WrappedStep.Name }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}", "--",
                                 "{{ WrappedAction.Environment }}", "timeout={{ string(WrappedAction.Timeout) }}",
                                 "mode={{ string(WrappedAction.Cancelation.Mode) }}"]
                        onWrapEnvExit:
                          command: bash
                          args: [-c, 'echo "wrap-exit $0 timeout=$1" >> hooks.txt; shift; exec "$@"',
                                 "{{ WrappedEnv.Name }}", "{{ string(WrappedAction.Timeout) }}",
                                 "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]
                  tool:
                    variables: {TOOL_HOME: /opt/tool}
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args: [-c, 'echo tool-enter >> hooks.txt; echo "openjd_env: TOOL_SAW=$TOOL_HOME"']
                          timeout: 33
                          cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 20}
                        onExit: {command: bash, args: [-c, 'echo "tool-exit $TOOL_SAW $VIA_HOOK" >> hooks.txt']}
                  plain: {variables: {PLAIN: "1"}}
                processes:
                  train: {command: [x], environment: [box, tool, plain]}
                """)) {
            rig.enter("train");
            WrappedTask run = rig.launch(rig.task("train", TWO_MINUTES), List.of("python", "fit.py"),
                    Map.of("LR", "0.1"));

            assertThat(rig.lines("hooks.txt")).as("onWrapEnvEnter ran tool's onEnter; plain has none to wrap")
                    .containsExactly("box-enter",
                            "wrap-enter tool timeout=33 mode=NOTIFY_THEN_TERMINATE notify=20 env=TOOL_HOME=/opt/tool",
                            "tool-enter");
            assertThat(run.command().argv()).containsExactly("run-in-box", "train", "python", "fit.py", "--",
                    "TOOL_HOME=/opt/tool", "VIA_HOOK=tool", "TOOL_SAW=/opt/tool", "PLAIN=1", "LR=0.1",
                    "timeout=120", "mode=null");
            assertThat(run.command().environment()).as("the hook's openjd_env set tool's variables")
                    .containsEntry("VIA_HOOK", "tool").containsEntry("TOOL_SAW", "/opt/tool");

            assertThat(rig.session.exitAll()).isEmpty();
            assertThat(rig.lines("hooks.txt")).as("onWrapEnvExit ran tool's onExit, with tool's variables")
                    .containsExactly("box-enter",
                            "wrap-enter tool timeout=33 mode=NOTIFY_THEN_TERMINATE notify=20 env=TOOL_HOME=/opt/tool",
                            "tool-enter", "wrap-exit tool timeout=null", "tool-exit /opt/tool tool", "box-exit");
        }
    }

    @Test
    void environmentsOutsideTheWrapperAreNotWrapped() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  before:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo before-enter >> hooks.txt"]}
                        onExit: {command: bash, args: [-c, "echo before-exit >> hooks.txt"]}
                  box:
                    extensions: [WRAP_ACTIONS, EXPR]
                    script:
                      actions:
                        onWrapEnvEnter: {command: bash, args: [-c, 'echo "wrap-enter $0" >> hooks.txt', "{{ WrappedEnv.Name }}"]}
                        onWrapTaskRun: {command: wrapped, args: ["{{ WrappedAction.Command }}"]}
                        onWrapEnvExit: {command: bash, args: [-c, 'echo "wrap-exit $0" >> hooks.txt', "{{ WrappedEnv.Name }}"]}
                  after:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo after-enter >> hooks.txt"]}
                        onExit: {command: bash, args: [-c, "echo after-exit >> hooks.txt"]}
                processes:
                  p: {command: [x], environment: [before, box, after]}
                """)) {
            rig.enter("p");
            assertThat(rig.launch("p", List.of("prog", "a"), Map.of()).command().argv()).containsExactly("wrapped",
                    "prog");
            rig.session.exitAll();

            assertThat(rig.lines("hooks.txt")).as("the hooks replace after's actions (and do not run them)")
                    .containsExactly("before-enter", "wrap-enter after", "wrap-exit after", "before-exit");
        }
    }

    @Test
    void exitHookWithoutATimeoutGetsTheWrappedOnExitsTimeoutNotTheDefault() throws Exception {
        // Regression: a wrap hook without a timeout of its own took the 300 s default of an exit action
        // instead of the timeout of the onExit it wraps.
        FakeTimeSource clock = new FakeTimeSource();
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  box:
                    extensions: [WRAP_ACTIONS, EXPR]
                    script:
                      actions:
                        onWrapEnvEnter: {command: bash, args: [-c, 'exec "$@"', hook, "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapTaskRun: {command: wrapped, args: ["{{ WrappedAction.Command }}"]}
                        onWrapEnvExit: {command: bash, args: [-c, 'exec "$@"', hook, "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                  slow:
                    script:
                      actions:
                        onExit: {command: bash, args: [-c, "echo exiting > exiting.txt; exec sleep 600"], timeout: 10}
                processes:
                  p: {command: [x], environment: [box, slow]}
                """, clock)) {
            rig.enter("p");
            CompletableFuture<List<String>> exit = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> exit.complete(rig.session.exitAll()));
            try {
                SessionRig.awaitUntil("the wrapped onExit runs", () -> !rig.lines("exiting.txt").isEmpty());
                clock.awaitSleepers(1, SessionRig.PATIENCE);
                clock.advance(Duration.ofSeconds(10));

                assertThat(SessionRig.await(exit)).singleElement().asString().contains("environment 'slow'")
                        .contains("onExit failed");
            } finally {
                clock.advance(Duration.ofSeconds(300));
            }
        }
    }

    @Test
    void notifyThenTerminateHookGivesItsNotifyPeriodAsGraceAndWritesCancelInfoBeforeCanceling() throws Exception {
        FakeTimeSource clock = new FakeTimeSource(Instant.parse("2026-01-01T00:00:00Z"));
        try (SessionRig rig = wrapTaskRun(
                ", timeout: 600, cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 45}", clock)) {
            rig.enter("p");
            TestTaskHandle first = rig.task("p");
            TestTaskHandle second = rig.task("p");
            WrappedTask run = rig.launch(first, List.of("prog"), Map.of());
            WrappedTask other = rig.launch(second, List.of("prog"), Map.of());
            assertThat(run.killGrace()).contains(Duration.ofSeconds(45));
            assertThat(run.timeLimit()).contains(Duration.ofSeconds(600));
            Path cancelInfo = first.workDir().resolve(RunningAction.CANCEL_INFO_FILE);
            assertThat(cancelInfo).doesNotExist();

            clock.advance(Duration.ofSeconds(10));
            run.beforeCancel(Duration.ofSeconds(45));
            clock.advance(Duration.ofSeconds(5));
            other.beforeCancel(Duration.ofSeconds(20));

            // Each task has its own, in its own work directory (where it starts): two cancels at once do not
            // overwrite each other's deadline.
            assertThat(Files.readString(cancelInfo)).isEqualToIgnoringWhitespace(
                    "{\"NotifyEnd\": \"2026-01-01T00:00:55Z\"}");
            assertThat(Files.readString(second.workDir().resolve(RunningAction.CANCEL_INFO_FILE)))
                    .isEqualToIgnoringWhitespace("{\"NotifyEnd\": \"2026-01-01T00:00:35Z\"}");
            assertThat(rig.file(RunningAction.CANCEL_INFO_FILE)).as("none in the session directory").doesNotExist();
        }
    }

    @Test
    void notifyThenTerminateWithoutAPeriodGivesATaskRunsDefaultGrace() throws Exception {
        try (SessionRig rig = wrapTaskRun(", cancelation: {mode: NOTIFY_THEN_TERMINATE}", new FakeTimeSource())) {
            rig.enter("p");
            WrappedTask run = rig.launch("p", List.of("prog"), Map.of());

            assertThat(run.killGrace()).contains(Duration.ofSeconds(120));
            assertThat(run.timeLimit()).isEmpty();
        }
    }

    @Test
    void terminateHookGivesZeroGraceAndWritesNoCancelInfo() throws Exception {
        try (SessionRig rig = wrapTaskRun(", cancelation: {mode: TERMINATE}, timeout: 5", new FakeTimeSource())) {
            rig.enter("p");
            TestTaskHandle task = rig.task("p");
            WrappedTask run = rig.launch(task, List.of("prog", "x"), Map.of());

            assertThat(run.command().argv()).containsExactly("wrap", "prog", "x");
            assertThat(run.killGrace()).contains(Duration.ZERO);
            assertThat(run.timeLimit()).contains(Duration.ofSeconds(5));
            run.beforeCancel(Duration.ZERO);
            run.beforeCancel(Duration.ofSeconds(30));
            assertThat(task.workDir().resolve(RunningAction.CANCEL_INFO_FILE)).doesNotExist();
            assertThat(rig.file(RunningAction.CANCEL_INFO_FILE)).doesNotExist();
        }
    }

    @Test
    void unwrappedTaskKeepsTheRunsOwnCancelationAndWritesNoCancelInfo() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a: {variables: {A: "1"}}
                processes:
                  p: {command: [x], environment: a}
                """, new FakeTimeSource())) {
            rig.enter("p");
            TestTaskHandle task = rig.task("p");
            WrappedTask run = rig.launch(task, List.of("prog"), Map.of());

            assertThat(run.command().argv()).containsExactly("prog");
            assertThat(run.killGrace()).isEmpty();
            assertThat(run.timeLimit()).isEmpty();
            run.beforeCancel(Duration.ofSeconds(30));
            assertThat(task.workDir().resolve(RunningAction.CANCEL_INFO_FILE)).doesNotExist();
            assertThat(rig.file(RunningAction.CANCEL_INFO_FILE)).doesNotExist();
        }
    }

    @Test
    void wrapHookWhoseFormatStringFailsFailsTheLaunchNamingTheHook() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  w:
                    extensions: [WRAP_TASK_RUN]
                    script:
                      actions:
                        onWrapTaskRun: {command: wrap, args: ["{{ repr_sh(Env.Action.Timeout) }}", "{{ Task.Command }}"]}
                processes:
                  p: {command: [x], environment: w}
                """)) {
            rig.enter("p");
            TaskException e = catchThrowableOfType(TaskException.class,
                    () -> rig.launch("p", List.of("prog"), Map.of()));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("onWrapTaskRun").contains("environment 'w'").contains("p (")
                    .contains("repr_sh");
        }
    }
}
