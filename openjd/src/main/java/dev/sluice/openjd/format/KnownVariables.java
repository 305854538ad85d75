package dev.sluice.openjd.format;

import java.util.List;
import java.util.Optional;

/** Every variable OpenJD defines and where it is available, to explain out-of-scope references. */
final class KnownVariables {
    private record Entry(String pattern, String where) {
        boolean matches(String name) {
            if (pattern.endsWith(".*")) {
                String prefix = pattern.substring(0, pattern.length() - 1);
                return name.startsWith(prefix) && name.indexOf('.', prefix.length()) < 0
                        && name.length() > prefix.length();
            }
            return pattern.equals(name);
        }
    }

    private static final String WRAP_HOOKS =
            "the wrap hooks onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit (extension WRAP_ACTIONS)";
    private static final String EVERY_ACTION = "every action and embedded file";

    private static final List<Entry> ENTRIES = List.of(
            new Entry("Param.*", EVERY_ACTION),
            new Entry("RawParam.*", EVERY_ACTION),
            new Entry("Job.Name", EVERY_ACTION),
            new Entry("Session.WorkingDirectory", EVERY_ACTION),
            new Entry("Session.HasPathMappingRules", EVERY_ACTION),
            new Entry("Session.PathMappingRulesFile", EVERY_ACTION),
            new Entry("Task.Param.*", "a step script's onRun action and embedded files"),
            new Entry("Task.RawParam.*", "a step script's onRun action and embedded files"),
            new Entry("Task.File.*", "a step script's onRun action and embedded files"),
            new Entry("Env.File.*", "an environment script's actions and embedded files"),
            new Entry("WrappedAction.Command", WRAP_HOOKS),
            new Entry("WrappedAction.Args", WRAP_HOOKS),
            new Entry("WrappedAction.Environment", WRAP_HOOKS),
            new Entry("WrappedAction.Timeout", WRAP_HOOKS),
            new Entry("WrappedAction.Cancelation.Mode", WRAP_HOOKS),
            new Entry("WrappedAction.Cancelation.NotifyPeriodInSeconds", WRAP_HOOKS),
            new Entry("WrappedEnv.Name", "the onWrapEnvEnter and onWrapEnvExit hooks"),
            new Entry("WrappedStep.Name", "the onWrapTaskRun hook"),
            new Entry("Task.Command", "the onWrapTaskRun hook (WRAP_TASK_RUN draft name; prefer WrappedAction.Command)"),
            new Entry("Task.Args", "the onWrapTaskRun hook (WRAP_TASK_RUN draft name; prefer WrappedAction.Args)"),
            new Entry("Task.Environment",
                    "the onWrapTaskRun hook (WRAP_TASK_RUN draft name; prefer WrappedAction.Environment)"),
            new Entry("Env.Action.Timeout",
                    "the onWrapTaskRun hook (WRAP_TASK_RUN draft name; prefer WrappedAction.Timeout)"));

    private KnownVariables() {}

    /** Where OpenJD makes {@code name} available, if it is an OpenJD variable at all. */
    static Optional<String> whereAllowed(String name) {
        return ENTRIES.stream().filter(e -> e.matches(name)).map(Entry::where).findFirst();
    }
}
