package dev.sluice.openjd.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FormatStringScopeTest {

    private static final String WRAP_ARGS = "{{ flatten([['-e', e] for e in WrappedAction.Environment]) }}";

    @Test
    void theWrapHookVariablesAreAvailableInTheWrapHooks() {
        for (String text : List.of(WRAP_ARGS, "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}",
                "{{ WrappedAction.Timeout or 30 }}", "{{ WrappedAction.Cancelation.Mode }}",
                "{{ WrappedAction.Cancelation.NotifyPeriodInSeconds }}", "{{ Env.File.Wrap }}")) {
            assertThat(FormatString.validate(text, Scope.WRAP_TASK_HOOK)).as(text).isEmpty();
            assertThat(FormatString.validate(text, Scope.WRAP_ENV_HOOK)).as(text).isEmpty();
        }
        assertThat(FormatString.validate("{{ WrappedEnv.Name }}", Scope.WRAP_ENV_HOOK)).isEmpty();
        assertThat(FormatString.validate("{{ WrappedStep.Name }}", Scope.WRAP_TASK_HOOK)).isEmpty();
        assertThat(FormatString.validate("{{ Task.Command }} {{ Task.Args }} {{ Task.Environment }} "
                + "{{ Env.Action.Timeout }}", Scope.WRAP_TASK_HOOK)).isEmpty();
    }

    @Test
    void aWrapVariableInOnEnterNamesTheHooksWhereItIsAllowed() {
        List<FormatProblem> problems = FormatString.validate("x {{ WrappedAction.Args }}", Scope.ENVIRONMENT_ACTION);

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.column()).isEqualTo(6);
            assertThat(p.message()).isEqualTo("column 6: variable 'WrappedAction.Args' is not available in "
                    + "an environment's onEnter/onExit action; it is available only in the wrap hooks "
                    + "onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit (extension WRAP_ACTIONS) "
                    + "(in format string \"x {{ WrappedAction.Args }}\")");
        });
    }

    @Test
    void anEmbeddedFileSharedByAllActionsCannotUseWrapVariables() {
        assertThat(FormatString.validate("exec {{ WrappedAction.Command }}", Scope.ENVIRONMENT_EMBEDDED_FILE))
                .singleElement().extracting(FormatProblem::detail).asString()
                .contains("not available in an environment's embedded file");
    }

    @Test
    void wrappedEnvAndWrappedStepAreEachOnlyInTheirOwnHooks() {
        assertThat(FormatString.validate("{{ WrappedStep.Name }}", Scope.WRAP_ENV_HOOK)).singleElement()
                .extracting(FormatProblem::detail).asString().contains("available only in the onWrapTaskRun hook");
        assertThat(FormatString.validate("{{ WrappedEnv.Name }}", Scope.WRAP_TASK_HOOK)).singleElement()
                .extracting(FormatProblem::detail).asString()
                .contains("available only in the onWrapEnvEnter and onWrapEnvExit hooks");
    }

    @Test
    void taskVariablesAreOnlyInStepScripts() {
        assertThat(FormatString.validate("{{ Task.Param.Frame }} {{ Task.File.Run }}", Scope.TASK_ACTION)).isEmpty();
        assertThat(FormatString.validate("{{ Task.Param.Frame }}", Scope.ENVIRONMENT_ACTION)).singleElement()
                .extracting(FormatProblem::detail).asString()
                .contains("available only in a step script's onRun action and embedded files");
        assertThat(FormatString.validate("{{ Env.File.X }}", Scope.TASK_ACTION)).singleElement()
                .extracting(FormatProblem::detail).asString()
                .contains("available only in an environment script's actions and embedded files");
    }

    @Test
    void everyBadReferenceIsReportedWithItsOwnColumn() {
        List<FormatProblem> problems = FormatString.validate(
                "{{ Param.Ok }} {{ Nope.X }} {{ [a for a in WrappedAction.Args] }} {{ Session.Bogus }}",
                Scope.ENVIRONMENT_ACTION);

        assertThat(problems).extracting(FormatProblem::column).containsExactly(19, 44, 70);
        assertThat(problems.get(0).detail()).startsWith("unknown variable 'Nope.X'; the variables available in "
                + "an environment's onEnter/onExit action are Env.File.<Name>, Job.Name, Param.<Name>, RawParam.<Name>, "
                + "Session.HasPathMappingRules");
        assertThat(problems.get(2).detail()).isEqualTo("variable 'Session.Bogus' is not defined in an environment's "
                + "onEnter/onExit action; defined there: Session.HasPathMappingRules, Session.PathMappingRulesFile, "
                + "Session.WorkingDirectory");
    }

    @Test
    void aNarrowedScopeNamesTheDeclaredMembersOfAFamily() {
        Scope onEnter = Scope.of("onEnter of environment 'Docker'",
                Set.of("Param.ContainerImage", "Env.File.Enter", "Env.File.Exit", "Session.WorkingDirectory"));

        List<FormatProblem> problems = FormatString.validate("{{ Env.File.Wrap }} {{ Param.ContainerImage }}", onEnter);

        assertThat(problems).singleElement().extracting(FormatProblem::detail).isEqualTo(
                "variable 'Env.File.Wrap' is not defined in onEnter of environment 'Docker'; "
                        + "defined there: Env.File.Enter, Env.File.Exit");
    }

    @Test
    void aSyntaxErrorIsReportedByValidateInsteadOfScopeProblems() {
        List<FormatProblem> problems = FormatString.validate("{{ WrappedAction.Args", Scope.ENVIRONMENT_ACTION);

        assertThat(problems).singleElement().extracting(FormatProblem::detail).asString().contains("not closed");
    }

    @Test
    void aFamilyAllowsExactlyOneMoreNameSegment() {
        assertThat(Scope.TASK_ACTION.allows("Param.A")).isTrue();
        assertThat(Scope.TASK_ACTION.allows("Param.A.B")).isFalse();
        assertThat(Scope.TASK_ACTION.allows("Param")).isFalse();
        assertThat(Scope.TASK_ACTION.plus("with extra", Set.of("Extra.Thing")).allows("Extra.Thing")).isTrue();
    }
}
