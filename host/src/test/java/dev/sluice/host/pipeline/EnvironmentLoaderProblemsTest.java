package dev.sluice.host.pipeline;

import static dev.sluice.host.pipeline.EnvFiles.onlyProblem;
import static dev.sluice.host.pipeline.EnvFiles.problems;
import static dev.sluice.host.pipeline.EnvFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad environment gives a problem with place, field and fix, before anything runs. */
class EnvironmentLoaderProblemsTest {
    @TempDir
    Path dir;

    /** A pipeline with one inline environment {@code e} (its body indented under it) and a process in it. */
    private static String inline(String body) {
        return "environments:\n  e:\n" + body.indent(4) + "processes:\n  p: {command: [x], environment: e}\n";
    }

    private Location at(int line, int column) {
        return new Location(dir.resolve("p.yaml"), line, column);
    }

    @Test
    void unknownExtensionSuggestsTheClosestKnownOne() {
        Problem p = onlyProblem(dir, inline("""
                extensions: [WRAP_ACTION]
                variables: {A: "1"}
                """));

        assertThat(p.location()).isEqualTo(at(3, 18));
        assertThat(p.field()).isEqualTo("environments.e.extensions[0]");
        assertThat(p.message()).isEqualTo("unknown extension 'WRAP_ACTION'; did you mean 'WRAP_ACTIONS'?; sluice"
                + " knows EXPR, REDACTED_ENV_VARS, WRAP_ACTIONS, WRAP_TASK_RUN, SLUICE_MONITOR");
    }

    @Test
    void openJdExtensionSluiceDoesNotImplementIsRejected() {
        Problem p = onlyProblem(dir, inline("""
                extensions: [TASK_CHUNKING]
                variables: {A: "1"}
                """));

        assertThat(p.message()).startsWith("'TASK_CHUNKING' is an OpenJD extension sluice does not support");
    }

    @Test
    void extensionListedTwiceIsReported() {
        Problem p = onlyProblem(dir, inline("""
                extensions: [EXPR, EXPR]
                variables: {A: "1"}
                """));

        assertThat(p.field()).isEqualTo("environments.e.extensions[1]");
        assertThat(p.message()).contains("listed twice");
    }

    @Test
    void wrapActionsWithoutExprIsRejectedAsTheRfcRequires() {
        Problem p = onlyProblem(dir, inline(wrapActions("[WRAP_ACTIONS]")));

        assertThat(p.field()).isEqualTo("environments.e.extensions");
        assertThat(p.message()).contains("WRAP_ACTIONS needs EXPR as well");
    }

    @Test
    void bothWrapSpellingsAtOnceAreRejected() {
        Problem p = onlyProblem(dir, inline(wrapActions("[WRAP_ACTIONS, EXPR, WRAP_TASK_RUN]")));

        assertThat(p.message()).startsWith("WRAP_ACTIONS and WRAP_TASK_RUN are two spellings of wrapping");
    }

    private static String wrapActions(String extensions) {
        return "extensions: " + extensions + "\n" + """
                script:
                  actions:
                    onWrapEnvEnter: {command: "{{ WrappedAction.Command }}", args: ["{{ WrappedAction.Args }}"]}
                    onWrapTaskRun: {command: "{{ WrappedAction.Command }}", args: ["{{ WrappedAction.Args }}"]}
                    onWrapEnvExit: {command: "{{ WrappedAction.Command }}", args: ["{{ WrappedAction.Args }}"]}
                """;
    }

    @Test
    void wrapHookWithoutItsExtensionNamesTheExtensionToDeclare() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onWrapTaskRun: {command: "{{ WrappedAction.Command }}"}
                """));

        assertThat(p.location()).isEqualTo(at(5, 9));
        assertThat(p.field()).isEqualTo("environments.e.script.actions.onWrapTaskRun");
        assertThat(p.message()).contains("declare extensions: [WRAP_ACTIONS, EXPR]")
                .contains("extensions: [WRAP_TASK_RUN]");
    }

    @Test
    void wrapEnvHookUnderTheTaskRunDraftPointsToWrapActions() {
        List<Problem> problems = problems(dir, inline("""
                extensions: [WRAP_TASK_RUN]
                script:
                  actions:
                    onWrapEnvEnter: {command: x}
                    onWrapTaskRun: {command: "{{ Task.Command }}"}
                """));

        assertThat(problems).extracting(Problem::message).contains(
                "onWrapEnvEnter is part of WRAP_ACTIONS, not WRAP_TASK_RUN; declare extensions: [WRAP_ACTIONS, EXPR]"
                        + " instead of WRAP_TASK_RUN");
    }

    @Test
    void onMonitorWithoutSluiceMonitorIsRejected() {
        Problem p = onlyProblem(dir, inline("""
                onMonitor: {command: {command: check}, period: 5}
                """));

        assertThat(p.field()).isEqualTo("environments.e.onMonitor");
        assertThat(p.message()).isEqualTo("onMonitor is a sluice extension; declare it with"
                + " extensions: [SLUICE_MONITOR]");
    }

    @Test
    void incompleteWrapActionsSetNamesTheMissingHooks() {
        Problem p = onlyProblem(dir, inline("""
                extensions: [WRAP_ACTIONS, EXPR]
                script:
                  actions:
                    onWrapTaskRun: {command: "{{ WrappedAction.Command }}"}
                """));

        assertThat(p.field()).isEqualTo("environments.e.script.actions");
        assertThat(p.message()).startsWith("WRAP_ACTIONS hooks come all three or none: onWrapTaskRun is defined but"
                + " onWrapEnvEnter and onWrapEnvExit are not");
    }

    @Test
    void unknownFieldsAreReportedAtEveryLevel() {
        List<Problem> problems = problems(dir, inline("""
                varaibles: {A: "1"}
                script:
                  actions:
                    onEnter: {command: x, timeOut: 5}
                    onRun: {command: y}
                """));

        assertThat(problems).extracting(Problem::field, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("environments.e.varaibles",
                        "unknown field 'varaibles'; did you mean 'variables'?"),
                org.assertj.core.groups.Tuple.tuple("environments.e.script.actions.onEnter.timeOut",
                        "unknown field 'timeOut'; did you mean 'timeout'?"),
                org.assertj.core.groups.Tuple.tuple("environments.e.script.actions.onRun",
                        "unknown field 'onRun'; onRun belongs to a step's script; an environment has onEnter and"
                                + " onExit"));
    }

    @Test
    void malformedFormatStringGivesTheColumnInsideTheString() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onEnter: {command: bash, args: ["run {{ Session.WorkingDirectory"]}
                """));

        assertThat(p.location()).as("the quote that opens the string").isEqualTo(at(5, 41));
        assertThat(p.field()).isEqualTo("environments.e.script.actions.onEnter.args[0]");
        assertThat(p.message()).startsWith("column 5: '{{' is not closed");
    }

    @Test
    void wrappedActionOutsideTheWrapHooksIsOutOfScope() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onEnter: {command: bash, args: ["{{ WrappedAction.Args }}"]}
                """));

        assertThat(p.message()).startsWith("column 4: variable 'WrappedAction.Args' is not available in onEnter of"
                + " environment 'e'; it is available only in the wrap hooks");
    }

    @Test
    void wrappedActionInAnEmbeddedFileIsOutOfScopeBecauseFilesAreShared() {
        Problem p = onlyProblem(dir, inline(wrapActions("[WRAP_ACTIONS, EXPR]") + """
                  embeddedFiles:
                    - {name: Wrap, type: TEXT, data: "exec {{ WrappedAction.Command }}"}
                """));

        assertThat(p.field()).isEqualTo("environments.e.script.embeddedFiles[0].data");
        assertThat(p.message()).contains("variable 'WrappedAction.Command' is not available in an embedded file of"
                + " environment 'e'");
    }

    @Test
    void taskVariablesBelongOnlyToOnWrapTaskRun() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onEnter: {command: "{{ Task.Param.sample }}"}
                """));

        assertThat(p.message()).contains("variable 'Task.Param.sample' is not available in onEnter of environment"
                + " 'e'; it is available only in a step script's onRun");
    }

    @Test
    void draftNamesUnderWrapActionsPointToTheWrappedActionNames() {
        Problem p = onlyProblem(dir, inline("""
                extensions: [WRAP_ACTIONS, EXPR]
                script:
                  actions:
                    onWrapEnvEnter: {command: "{{ WrappedAction.Command }}"}
                    onWrapTaskRun: {command: "{{ Task.Command }}"}
                    onWrapEnvExit: {command: "{{ WrappedAction.Command }}"}
                """));

        assertThat(p.field()).isEqualTo("environments.e.script.actions.onWrapTaskRun.command");
        assertThat(p.message()).startsWith("column 4: 'Task.Command' is the WRAP_TASK_RUN draft's name; under"
                + " WRAP_ACTIONS write WrappedAction.Command");
    }

    @Test
    void wrappedActionNamesUnderTheDraftPointToTheDraftNames() {
        Problem p = onlyProblem(dir, inline("""
                extensions: [WRAP_TASK_RUN]
                script:
                  actions:
                    onWrapTaskRun: {command: "{{ WrappedAction.Command }}"}
                """));

        assertThat(p.message()).startsWith("column 4: 'WrappedAction.Command' is a WRAP_ACTIONS name; under"
                + " WRAP_TASK_RUN write Task.Command");
    }

    @Test
    void paramInAnInlineEnvironmentSaysInlineEnvironmentsHaveNoParameters() {
        Problem p = onlyProblem(dir, inline("""
                variables: {IMAGE: "{{ Param.Image }}"}
                """));

        assertThat(p.field()).isEqualTo("environments.e.variables.IMAGE");
        assertThat(p.message()).startsWith("column 4: variable 'Param.Image' is not defined: an inline environment"
                + " has no parameters");
    }

    @Test
    void undeclaredEmbeddedFileListsTheFilesThatExist() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onEnter: {command: bash, args: ["{{ Env.File.Setup }}"]}
                  embeddedFiles:
                    - {name: Enter, type: TEXT, data: "echo hi"}
                """));

        assertThat(p.message()).contains("variable 'Env.File.Setup' is not defined in onEnter of environment 'e';"
                + " defined there: Env.File.Enter");
    }

    @Test
    void timeoutMustBeAWholeNumberOfSecondsOfAtLeastOne() {
        List<Problem> problems = problems(dir, inline("""
                script:
                  actions:
                    onEnter: {command: x, timeout: 0}
                    onExit: {command: x, timeout: 1.5}
                """));

        assertThat(problems).extracting(Problem::message).containsExactly(
                "timeout must be at least 1 seconds, got 0; write e.g. timeout: 300",
                "'1.5' is not a whole number of seconds; write e.g. timeout: 300");
    }

    @Test
    void notifyPeriodMustBeOneToSixHundredSeconds() {
        List<Problem> problems = problems(dir, inline("""
                script:
                  actions:
                    onEnter: {command: x, cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 601}}
                    onExit: {command: x, cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 0}}
                """));

        assertThat(problems).extracting(Problem::message).containsExactly(
                "notifyPeriodInSeconds must be 1 to 600 seconds, got 601; write e.g. notifyPeriodInSeconds: 30",
                "notifyPeriodInSeconds must be 1 to 600 seconds, got 0; write e.g. notifyPeriodInSeconds: 30");
    }

    @Test
    void notifyPeriodWithTerminateIsRejected() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onEnter: {command: x, cancelation: {mode: TERMINATE, notifyPeriodInSeconds: 5}}
                """));

        assertThat(p.field()).isEqualTo("environments.e.script.actions.onEnter.cancelation.notifyPeriodInSeconds");
        assertThat(p.message()).startsWith("TERMINATE kills at once and has no notify period");
    }

    @Test
    void badCancelationModeListsTheModes() {
        Problem p = onlyProblem(dir, inline("""
                script:
                  actions:
                    onEnter: {command: x, cancelation: {mode: terminate}}
                """));

        assertThat(p.message()).isEqualTo("'terminate' is not a cancelation mode; write TERMINATE or"
                + " NOTIFY_THEN_TERMINATE (upper case)");
    }

    @Test
    void badVariableNamesAreReported() {
        List<Problem> problems = problems(dir, inline("""
                variables: {2FAST: "1", MY-VAR: "2", OK_1: "3"}
                """));

        assertThat(problems).extracting(Problem::field)
                .containsExactly("environments.e.variables.2FAST", "environments.e.variables.MY-VAR");
        assertThat(problems.get(0).message()).startsWith("'2FAST' is not a variable name");
    }

    @Test
    void environmentThatDoesNothingIsRejected() {
        Problem p = onlyProblem(dir, inline("description: nothing here\n"));

        assertThat(p.field()).isEqualTo("environments.e");
        assertThat(p.message()).startsWith("environment 'e' does nothing");
    }

    @Test
    void inlineNameDifferentFromItsKeyIsRejected() {
        Problem p = onlyProblem(dir, inline("""
                name: Conda
                variables: {A: "1"}
                """));

        assertThat(p.message()).startsWith("the name 'Conda' differs from the key 'e'");
    }

    @Test
    void monitorFieldsAreChecked() {
        List<Problem> problems = problems(dir, inline("""
                extensions: [SLUICE_MONITOR]
                onMonitor: {command: check.sh, period: 0, onFailure: restart, failureThreshold: 0}
                """));

        assertThat(problems).extracting(Problem::field).containsExactly(
                "environments.e.onMonitor.command", "environments.e.onMonitor.period",
                "environments.e.onMonitor.onFailure", "environments.e.onMonitor.failureThreshold");
        assertThat(problems.get(0).message()).startsWith("onMonitor's command is an action, not a program name");
        assertThat(problems.get(2).message()).isEqualTo("'restart' is not a failure action; write log or terminate");
    }

    @Test
    void processNamingAnUnknownEnvironmentGetsASuggestion() {
        Problem p = onlyProblem(dir, """
                environments:
                  conda: {variables: {A: "1"}}
                processes:
                  p: {command: [x], environment: [cnda]}
                """);

        assertThat(p.location()).isEqualTo(at(4, 35));
        assertThat(p.field()).isEqualTo("processes.p.environment[0]");
        assertThat(p.message()).isEqualTo("no environment is named 'cnda'; did you mean 'conda'?");
    }

    @Test
    void processNamingAnEnvironmentInAPipelineWithoutAnySaysWhereToDefineThem() {
        Problem p = onlyProblem(dir, """
                processes:
                  p: {command: [x], environment: conda}
                """);

        assertThat(p.message()).isEqualTo("no environment is named 'conda'; the pipeline defines none: define it"
                + " under the top-level environments:");
    }

    @Test
    void environmentWithProblemsIsNotAlsoReportedAsUnknownWhereItIsUsed() {
        Problem p = onlyProblem(dir, inline("variables: {A: [1]}\n"));

        assertThat(p.field()).isEqualTo("environments.e.variables.A");
    }

    @Test
    void twoWrappingLayersInOneProcessAreRejected() {
        Problem p = onlyProblem(dir, """
                environments:
                  docker:
                    extensions: [WRAP_TASK_RUN]
                    script: {actions: {onWrapTaskRun: {command: docker, args: [exec, c, "{{ Task.Command }}"]}}}
                  conda: {variables: {A: "1"}}
                  ssh:
                    extensions: [WRAP_TASK_RUN]
                    script: {actions: {onWrapTaskRun: {command: ssh, args: [host, "{{ Task.Command }}"]}}}
                processes:
                  ok: {command: [x], environment: [docker, conda]}
                  bad: {command: [x], environment: [docker, conda, ssh]}
                """);

        assertThat(p.field()).isEqualTo("processes.bad.environment[2]");
        assertThat(p.message()).startsWith("environments 'docker' and 'ssh' both wrap the actions inside them; a"
                + " process may have one wrapping environment").contains("2026-11-22-one-wrapping-layer.md");
    }

    @Test
    void duplicateEnvironmentNamesAreReported() {
        List<Problem> problems = problems(dir, """
                environments:
                  conda: {variables: {A: "1"}}
                  conda: {variables: {B: "1"}}
                processes:
                  p: {command: [x], environment: [conda, conda]}
                """);

        assertThat(problems).extracting(Problem::field).contains("environments.conda");
        assertThat(problems).extracting(Problem::message)
                .contains("duplicate key 'conda', already set at line 2:3; remove one of them");
    }

    @Test
    void environmentListedTwiceInOneProcessIsReported() {
        Problem p = onlyProblem(dir, """
                environments:
                  conda: {variables: {A: "1"}}
                processes:
                  p: {command: [x], environment: [conda, conda]}
                """);

        assertThat(p.field()).isEqualTo("processes.p.environment[1]");
        assertThat(p.message()).isEqualTo("'conda' is listed twice; a process enters each environment once");
    }

    @Test
    void everyProblemOfThePipelineIsReportedTogether() {
        List<Problem> problems = problems(dir, """
                environments:
                  a:
                    extensions: [NOPE]
                    script: {actions: {onEnter: {command: x, timeout: -1}}}
                  b: {variables: {1X: "1"}}
                processes:
                  p: {command: [x], environment: [a, b, c]}
                  q: {comand: [x]}
                """);

        assertThat(problems).extracting(Problem::field).containsExactly(
                "environments.a.extensions[0]", "environments.a.script.actions.onEnter.timeout",
                "environments.b.variables.1X", "processes.p.environment[2]", "processes.q",
                "processes.q.comand");
    }

    @Test
    void wrongShapedEnvironmentFieldOfAProcessIsReported() {
        Problem p = onlyProblem(dir, """
                environments:
                  conda: {variables: {A: "1"}}
                processes:
                  p: {command: [x], environment: {conda: {}}}
                """);

        assertThat(p.message()).startsWith("expected an environment name or a list of names");
    }
}
