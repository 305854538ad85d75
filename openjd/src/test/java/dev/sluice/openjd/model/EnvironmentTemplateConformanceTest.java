package dev.sluice.openjd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.LetBinding;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problem;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The features that the Open Job Description specification's sample environment template
 * ({@code python-venv.yaml}, also the step environment of {@code algorithmic-art.yaml}) and its published
 * conformance cases for environment templates exercise, each in a template of sluice's own
 * ({@code src/test/resources/env/conformance}): valid ones load, invalid ones are refused for the reason
 * the case names (issue 18). docs/user-guide/environments.md lists them under Conformance.
 */
class EnvironmentTemplateConformanceTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(EnvironmentTemplateConformanceTest.class.getResource("/env/conformance/" + name).toURI());
    }

    private static EnvironmentDef load(String name) throws Exception {
        return EnvironmentLoader.loadTemplate(name.startsWith("/") ? Path.of(name) : fixture(name), Map.of());
    }

    /** Each problem as {@code line:column: field: message}, without the file. */
    private static List<String> problems(String name) throws Exception {
        Path file = fixture(name);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> EnvironmentLoader.loadTemplate(file, Map.of()));
        assertThat(e).as(name + " is refused").isNotNull();
        return e.problems().stream().map(Problem::toString)
                .map(s -> s.startsWith(file + ":") ? s.substring(file.toString().length() + 1) : s).toList();
    }

    // The specification's sample (python-venv.yaml; algorithmic-art.yaml's step environment is the same).

    @Test
    void theVenvSampleLoadsWithRunnableWrittenAsTrueCapitalised() throws Exception {
        EnvironmentDef venv = load("venv-sample.yaml");

        assertThat(venv.name()).isEqualTo("Venv");
        assertThat(venv.embeddedFiles()).extracting(EmbeddedFileDef::runnable).containsExactly(true, true);
        assertThat(venv.onEnter().orElseThrow().args()).extracting(FormatString::text)
                .containsExactly("{{Env.File.Setup }}");
    }

    @Test
    void checkingATemplateAloneNeedsNoParameterValues(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("t.yaml"), """
                specificationVersion: environment-2023-09
                parameterDefinitions: [{name: Image, type: STRING}]
                environment: {name: NeedsImage, variables: {IMAGE: "{{ Param.Image }}"}}
                """);

        EnvironmentLoader.CheckedTemplate checked = EnvironmentLoader.checkTemplate(file);
        assertThat(checked.name()).isEqualTo("NeedsImage");
        assertThat(checked.parameters()).extracting(ParameterDef::name).containsExactly("Image");
        assertThat(checked.wraps()).isFalse();
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> load(file.toString())))
                .as("loading it for a run needs the value").isNotNull();
    }

    // YAML 1.1, as the reference tools read templates.

    @Test
    void everyYaml11BooleanIsRead() throws Exception {
        assertThat(load("yaml11-booleans.yaml").embeddedFiles()).extracting(EmbeddedFileDef::runnable)
                .containsExactly(true, true, true, true, true, true, false, false, false, false);
    }

    @Test
    void textThatYaml11ReadsAsTextIsNotABoolean() throws Exception {
        assertThat(problems("not-a-boolean.invalid.yaml")).containsExactly(
                "9:48: environment.script.embeddedFiles[0].runnable: 'y' is not a boolean; write true or false",
                "10:48: environment.script.embeddedFiles[1].runnable: 'tRUE' is not a boolean; write true or false");
    }

    @Test
    void hooksSharedThroughAnchorsAliasesAndAMergeKeyLoad() throws Exception {
        EnvironmentDef env = load("anchors-shared-hooks.yaml");

        assertThat(env.wrapStyle()).isEqualTo(WrapStyle.WRAP_ACTIONS);
        ActionDef run = env.onWrapTaskRun().orElseThrow();
        assertThat(run.args()).extracting(FormatString::text).containsExactly("-c", "exec \"$@\"", "--",
                "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}");
        assertThat(run.timeout()).contains(java.time.Duration.ofSeconds(600));
        assertThat(env.onWrapEnvExit().orElseThrow().timeout()).as("the merge key's own timeout wins")
                .contains(java.time.Duration.ofSeconds(60));
        assertThat(env.onWrapEnvExit().orElseThrow().command().text()).isEqualTo("bash");
    }

    @Test
    void aProblemInAnAliasedValueNamesWhereItIsWrittenAndTheAliasThatUsesIt() throws Exception {
        assertThat(problems("anchors-misused.invalid.yaml")).containsExactly("11:16 (through the alias *hook at line"
                + " 12:22): environment.script.actions.onWrapTaskRun.args[0]: column 4: variable 'WrappedEnv.Name' is"
                + " not available in onWrapTaskRun of environment 'MisusedAlias'; it is available only in the"
                + " onWrapEnvEnter and onWrapEnvExit hooks (in format string \"{{ WrappedEnv.Name }}\")");
    }

    // base/env_templates

    @Test
    void validBaseCasesLoad() throws Exception {
        assertThat(load("json-template.json").name()).isEqualTo("FromJson");
        EnvironmentDef limits = load("limits.yaml");
        assertThat(limits.name()).hasSize(64);
        assertThat(limits.variables().get("LONG").text()).hasSize(2048);
        assertThat(load("value-references.yaml").variables().keySet()).containsExactly("WHERE", "MAPPED");
    }

    @Test
    void invalidBaseCasesAreRefusedForTheirReason() throws Exception {
        assertThat(problems("empty-parameter-definitions.invalid.yaml")).containsExactly(
                "2:23: parameterDefinitions: the list is empty; define a parameter or remove the field");
        assertThat(problems("no-specification-version.invalid.yaml")).containsExactly("1:1: specificationVersion:"
                + " missing; an environment template starts with specificationVersion: environment-2023-09");
        assertThat(problems("other-specification-version.invalid.yaml")).containsExactly("1:23: specificationVersion:"
                + " 'environment-2022-01' is not an environment template version; sluice reads specificationVersion:"
                + " environment-2023-09");
        assertThat(problems("no-name.invalid.yaml")).containsExactly(
                "3:3: environment.name: missing; an OpenJD environment has a name, e.g. name: Conda");
        assertThat(problems("name-too-long.invalid.yaml")).containsExactly("3:9: environment.name: '" + "N".repeat(65)
                + "' is not an environment name; write 1 to 64 characters without control characters");
        assertThat(problems("nothing-to-do.invalid.yaml")).containsExactly("3:3: environment: environment 'Empty'"
                + " does nothing; give it a script (script: {actions: {onEnter: ...}}), variables, or an onMonitor");
        String undefined = ": column 4: variable 'Param.Missing' is not defined: the template declares no parameters;"
                + " add it under parameterDefinitions (in format string \"{{ Param.Missing }}\")";
        assertThat(problems("undefined-variables.invalid.yaml")).containsExactly(
                "6:8: environment.variables.V" + undefined,
                "9:35: environment.script.embeddedFiles[0].data" + undefined,
                "12:18: environment.script.actions.onEnter.command" + undefined,
                "13:16: environment.script.actions.onEnter.args[0]" + undefined);
    }

    // EXPR/env_templates (the expression language itself is tested in the format package)

    @Test
    void stepNameIsNotDefinedInAnEnvironmentTemplate() throws Exception {
        assertThat(problems("step-name.invalid.yaml")).containsExactly("8:39: environment.script.actions.onEnter"
                + ".args[0]: column 4: unknown variable 'Step.Name'; the variables available in onEnter of environment"
                + " 'NoStep' are Job.Name, Session.HasPathMappingRules, Session.PathMappingRulesFile, Session.WorkingDirectory"
                + " (in format string \"{{ Step.Name }}\")");
    }

    // WRAP_ACTIONS/env_templates

    @Test
    void wrappedValuesOutsideTheirHooksAreRefused() throws Exception {
        assertThat(problems("wrapped-action-outside-hooks.invalid.yaml")).containsExactly(
                "9:35: environment.script.embeddedFiles[0].data: column 4: variable 'WrappedAction.Command' is not"
                        + " available in an embedded file of environment 'OutsideHooks'; it is available only in the"
                        + " wrap hooks onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit (extension WRAP_ACTIONS) (in"
                        + " format string \"{{ WrappedAction.Command }}\")",
                "11:39: environment.script.actions.onEnter.args[0]: column 12: variable 'WrappedAction.Args' is not"
                        + " available in onEnter of environment 'OutsideHooks'; it is available only in the wrap hooks"
                        + " onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit (extension WRAP_ACTIONS) (in format string"
                        + " \"{{ repr_sh(WrappedAction.Args) }}\")");
        assertThat(problems("wrapped-names-in-wrong-hooks.invalid.yaml")).containsExactly(
                "8:46: environment.script.actions.onWrapEnvEnter.args[0]: column 4: variable 'WrappedStep.Name' is not"
                        + " available in onWrapEnvEnter of environment 'WrongHooks'; it is available only in the"
                        + " onWrapTaskRun hook (in format string \"{{ WrappedStep.Name }}\")",
                "9:45: environment.script.actions.onWrapTaskRun.args[0]: column 4: variable 'WrappedEnv.Name' is not"
                        + " available in onWrapTaskRun of environment 'WrongHooks'; it is available only in the"
                        + " onWrapEnvEnter and onWrapEnvExit hooks (in format string \"{{ WrappedEnv.Name }}\")");
    }

    @Test
    void wrapHooksComeAllThreeOrNone() throws Exception {
        assertThat(problems("wrap-hooks-incomplete.invalid.yaml")).containsExactly("8:7: environment.script.actions:"
                + " WRAP_ACTIONS hooks come all three or none: onWrapEnvEnter, onWrapEnvExit are defined but"
                + " onWrapTaskRun is not; define onWrapTaskRun (they may pass the wrapped action through unchanged)");
    }

    // FEATURE_BUNDLE_1, which sluice does not claim: refused, saying so.

    @Test
    void featureBundle1FormsAreRefusedNamingTheExtension() throws Exception {
        assertThat(problems("timeout-format-string.invalid.yaml")).containsExactly("8:48: environment.script.actions"
                + ".onWrapEnvEnter.timeout: '{{ WrappedAction.Timeout }}' is not a whole number of seconds (a format"
                + " string here needs the FEATURE_BUNDLE_1 extension, which sluice does not support); write e.g."
                + " timeout: 300");
        String endOfLine = "environment.script.embeddedFiles[0].endOfLine: unknown field 'endOfLine'; endOfLine needs"
                + " the FEATURE_BUNDLE_1 extension, which sluice does not support; remove it";
        assertThat(problems("end-of-line-without-extension.invalid.yaml")).containsExactly("6:42: " + endOfLine);
        assertThat(problems("feature-bundle-1.invalid.yaml")).containsExactly(
                "3:14: extensions[0]: 'FEATURE_BUNDLE_1' is an OpenJD extension sluice does not support; remove it;"
                        + " sluice knows EXPR, REDACTED_ENV_VARS, WRAP_ACTIONS, WRAP_TASK_RUN, SLUICE_MONITOR",
                "8:42: " + endOfLine);
    }

    @Test
    void letWithoutExprIsRefusedNamingTheExtension() throws Exception {
        assertThat(problems("let-without-expr.invalid.yaml")).containsExactly(
                "6:10: environment.script.let: let bindings belong to the EXPR extension; declare it, e.g."
                        + " extensions: [EXPR]");
    }

    // EXPR/env_templates, the valid case: every EXPR form an environment template may hold, at once.

    @Test
    void exprFormsInVariablesLetBindingsFilesAndArgsLoad() throws Exception {
        EnvironmentDef env = load("expr-features.yaml");

        assertThat(env.name()).isEqualTo("ExprEverywhere");
        assertThat(env.variables().keySet()).containsExactly("TRIPLED", "SHOUTED");
        assertThat(env.let()).extracting(LetBinding::text)
                .containsExactly("out_dir = Session.WorkingDirectory / Param.Out", "report = out_dir / (Job.Name + '.txt')");
        assertThat(env.onEnter().orElseThrow().args()).extracting(FormatString::text)
                .containsExactly("{{ Param.N if Param.N > 2 else 2 }}");
    }

    @Test
    void letBindingsAreCheckedForTheReasonTheCaseNames() throws Exception {
        assertThat(problems("let-duplicate.invalid.yaml")).containsExactly("7:19: environment.script.let[1]: column 1:"
                + " 'a' is bound twice in this let block; give the second binding another name (in format string"
                + " \"a = 20\")");
        assertThat(problems("let-undefined.invalid.yaml")).containsExactly("7:11: environment.script.let[0]: column 5:"
                + " variable 'Param.Nowhere' is not defined: the template declares no parameters; add it under"
                + " parameterDefinitions (in format string \"b = Param.Nowhere * 2\")");
        assertThat(problems("let-step-name.invalid.yaml")).containsExactly("7:11: environment.script.let[0]: column 9:"
                + " unknown variable 'Step.Name'; the variables available in the let bindings of environment"
                + " 'LetNoStep' are Job.Name, Session.HasPathMappingRules, Session.PathMappingRulesFile,"
                + " Session.WorkingDirectory (in format string \"label = Step.Name\")");
    }

    /**
     * EXPR expr1.1--type-error: {@code STRING + 1} is refused from the declared types when the template is
     * loaded, before anything runs, as the reference refuses it.
     */
    @Test
    void aTypeErrorFromDeclaredTypesIsRefusedWhenLoading() throws Exception {
        assertThat(problems("type-error.invalid.yaml")).containsExactly("10:39: environment.script.actions.onEnter.args[0]:"
                + " column 16: cannot add a string and an int: Param.Label + 1; convert with int(Param.Label) or"
                + " string(1) (in format string \"{{ Param.Label + 1 }}\")");
    }

    /** base 7.3--complex-expr-requires-expr and 7.3.1--job-name-requires-expr: a difference on purpose. */
    @Test
    void expressionsWithoutTheExprExtensionLoadOnPurpose() throws Exception {
        assertThat(load("without-expr.yaml").onEnter().orElseThrow().args()).extracting(FormatString::text)
                .containsExactly("{{ Param.N + 1 }}", "{{ Job.Name }}");
    }

    // WRAP_ACTIONS: the valid wrapping environment that forwards through repr_py (its behaviour is held by
    // WrapForwardingConformanceTest), and the rest of the scope and all-or-none cases.

    @Test
    void aWrapEnvironmentForwardingThroughReprPyLoads() throws Exception {
        EnvironmentDef env = load("wrap-forwarding-repr-py.yaml");

        assertThat(env.wrapStyle()).isEqualTo(WrapStyle.WRAP_ACTIONS);
        for (ActionDef hook : List.of(env.onWrapEnvEnter().orElseThrow(), env.onWrapTaskRun().orElseThrow(),
                env.onWrapEnvExit().orElseThrow())) {
            assertThat(hook.args().get(1).text()).contains("{{ repr_py(WrappedAction.Command) }}",
                    "{{ repr_py(WrappedAction.Args) }}");
        }
    }

    @Test
    void wrappedValuesInALetBindingOrWrappedStepInTheExitHookAreRefused() throws Exception {
        assertThat(problems("wrapped-action-in-let.invalid.yaml")).containsExactly("7:11: environment.script.let[0]:"
                + " column 7: variable 'WrappedAction.Command' is not available in the let bindings of environment"
                + " 'LetWrapped'; it is available only in the wrap hooks onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit"
                + " (extension WRAP_ACTIONS) (in format string \"cmd = WrappedAction.Command\")");
        assertThat(problems("wrapped-step-name-in-exit.invalid.yaml")).containsExactly("10:45: environment.script"
                + ".actions.onWrapEnvExit.args[0]: column 4: variable 'WrappedStep.Name' is not available in"
                + " onWrapEnvExit of environment 'StepAtExit'; it is available only in the onWrapTaskRun hook (in"
                + " format string \"{{ WrappedStep.Name }}\")");
    }

    @Test
    void everyIncompleteSetOfWrapHooksIsRefused() throws Exception {
        String tail = " (they may pass the wrapped action through unchanged)";
        assertThat(problems("wrap-hook-enter-only.invalid.yaml")).containsExactly("8:7: environment.script.actions:"
                + " WRAP_ACTIONS hooks come all three or none: onWrapEnvEnter is defined but onWrapTaskRun and"
                + " onWrapEnvExit are not; define onWrapTaskRun and onWrapEnvExit" + tail);
        assertThat(problems("wrap-hook-exit-only.invalid.yaml")).containsExactly("8:7: environment.script.actions:"
                + " WRAP_ACTIONS hooks come all three or none: onWrapEnvExit is defined but onWrapEnvEnter and"
                + " onWrapTaskRun are not; define onWrapEnvEnter and onWrapTaskRun" + tail);
        assertThat(problems("wrap-hooks-without-enter.invalid.yaml")).containsExactly("8:7: environment.script.actions:"
                + " WRAP_ACTIONS hooks come all three or none: onWrapTaskRun, onWrapEnvExit are defined but"
                + " onWrapEnvEnter is not; define onWrapEnvEnter" + tail);
    }

    /**
     * WRAP_ACTIONS 4--wrappedaction-in-cancelation-outside-hook and FEATURE_BUNDLE_1 5--timeout-session-symbol,
     * 5--timeout-env-file-reference: a format string as a cancelation mode or a timeout is a FEATURE_BUNDLE_1
     * form, refused saying so before the variable's scope matters.
     */
    @Test
    void formatStringsAsCancelationModeOrTimeoutAreRefusedNamingFeatureBundle1() throws Exception {
        assertThat(problems("wrapped-cancelation-mode-outside-hooks.invalid.yaml")).containsExactly("11:29:"
                + " environment.script.actions.onEnter.cancelation.mode: '{{ WrappedAction.Cancelation.Mode }}' is not"
                + " a cancelation mode (a format string here needs the FEATURE_BUNDLE_1 extension, which sluice does"
                + " not support); write TERMINATE or NOTIFY_THEN_TERMINATE");
        String notSeconds = " is not a whole number of seconds (a format string here needs the FEATURE_BUNDLE_1"
                + " extension, which sluice does not support); write e.g. timeout: 300";
        assertThat(problems("feature-bundle-1-timeouts.invalid.yaml")).containsExactly(
                "4:14: extensions[0]: 'FEATURE_BUNDLE_1' is an OpenJD extension sluice does not support; remove it;"
                        + " sluice knows EXPR, REDACTED_ENV_VARS, WRAP_ACTIONS, WRAP_TASK_RUN, SLUICE_MONITOR",
                "11:43: environment.script.actions.onEnter.timeout: '{{ Session.WorkingDirectory }}'" + notSeconds,
                "12:42: environment.script.actions.onExit.timeout: '{{ Env.File.Setup }}'" + notSeconds);
    }
}
