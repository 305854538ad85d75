package dev.sluice.openjd.session;

import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.ActionListener;
import dev.sluice.openjd.action.Cancelation;
import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.ActionDef;
import dev.sluice.openjd.model.ReferenceBehaviour;
import dev.sluice.openjd.model.WrapStyle;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.WrappedTask;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Puts each task into the environments its process names: their variables and the innermost wrapping
 * environment's {@code onWrapTaskRun}, inside every plugin's wrapper (it has the lowest priority).
 */
final class SessionWrapper implements TaskWrapper {
    private final Map<String, List<StackNode>> stacks;
    private final Map<String, String> hostEnvironment;
    private final SessionSecrets secrets;
    private final TimeSource time;
    /** The session directory, which tasks learn through {@link EnvironmentSession#SESSION_DIRECTORY_VARIABLE}. */
    private final Path directory;

    /** Whether an environment of the session declares REDACTED_ENV_VARS, for a task's own openjd_redacted_env. */
    private final boolean redactedVariables;

    SessionWrapper(Map<String, List<StackNode>> stacks, Map<String, String> hostEnvironment, SessionSecrets secrets,
            TimeSource time, Path directory, boolean redactedVariables) {
        this.redactedVariables = redactedVariables;
        this.stacks = stacks;
        this.hostEnvironment = hostEnvironment;
        this.secrets = secrets;
        this.time = time;
        this.directory = directory;
    }

    @Override
    public String id() {
        return "environments";
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return stacks.containsKey(task.processName());
    }

    @Override
    public LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException {
        return open(task, command).command();
    }

    @Override
    public WrappedTask open(TaskHandle task, LaunchCommand command) throws TaskException {
        return launch(task, command, TaskFiles.in(task.workDir()));
    }

    private WrappedTask launch(TaskHandle task, LaunchCommand command, TaskFiles files) throws TaskException {
        List<StackNode> stack = stacks.get(task.processName());
        if (stack == null) {
            return WrappedTask.of(command);
        }
        StackNode inner = stack.getLast();
        // The instance's variables now, not when it was entered: with taskVariables, a task before this
        // one may have changed them.
        SessionVariables variables = inner.entered.isDone() && !inner.entered.isCompletedExceptionally()
                ? inner.variables : null;
        if (variables == null) {
            throw new TaskException(inner.describe() + " is not entered, so task " + task.name()
                    + " cannot run in it");
        }
        // The process's own env: is the most specific setting and wins over the environments'.
        Map<String, String> environment = new LinkedHashMap<>(variables.set());
        environment.putAll(command.environment());
        Set<String> unset = new LinkedHashSet<>(variables.unset());
        unset.removeAll(command.environment().keySet());

        List<String> argv = command.argv();
        Optional<Duration> timeLimit = Optional.empty();
        Optional<Duration> killGrace = Optional.empty();
        boolean notify = false;
        StackNode wrapper = stack.stream().filter(n -> n.def.wraps()).findFirst().orElse(null);
        if (wrapper != null) {
            ActionDef hook = wrapper.def.onWrapTaskRun().orElseThrow();
            List<String> assignments = new SessionVariables(environment, Set.of()).asAssignments();
            Optional<Duration> taskTime = task.resources().timeLimit();
            try {
                // Before every task, as OpenJD writes a wrapper's files before each of its actions; with
                // freshEmbeddedFiles under names of this task's own, which its hook's values name.
                Values wrapperValues = wrapper.forAction().values();
                Values.Builder values = SessionActions.wrappedAction(wrapperValues.toBuilder(), argv, assignments,
                        taskTime, null, null)
                        .put("WrappedStep.Name", task.processName());
                if (wrapper.def.wrapStyle() == WrapStyle.WRAP_TASK_RUN) {
                    values.put("Task.Command", argv.getFirst())
                            .putStrings("Task.Args", argv.subList(1, argv.size()))
                            .putStrings("Task.Environment", assignments)
                            .put("Env.Action.Timeout",
                                    Value.ofNullable(taskTime.map(Duration::toSeconds).orElse(null)));
                }
                Values all = values.build();
                List<String> wrapped = new ArrayList<>();
                wrapped.add(hook.command().evaluate(all));
                wrapped.addAll(FormatString.evaluateArgs(hook.args(), all));
                argv = wrapped;
            } catch (FormatStringException e) {
                throw new TaskException("onWrapTaskRun of " + wrapper.describe() + " (" + hook.location()
                        + ") failed for task " + task.name() + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new TaskException("the embedded files of " + wrapper.describe() + " could not be written into "
                        + wrapper.dir + " for task " + task.name() + ": " + e.getMessage()
                        + "; check that the session directory is writable", e);
            }
            timeLimit = hook.timeout();
            Cancelation cancelation = hook.resolveCancelation(ActionKind.TASK_RUN);
            killGrace = Optional.of(cancelation.notifyPeriod());
            notify = cancelation.mode() == Cancelation.Mode.NOTIFY_THEN_TERMINATE;
        }
        // Variables an environment unset that the host has: the task must not inherit them.
        List<String> inherited = unset.stream().filter(hostEnvironment::containsKey).toList();
        if (!inherited.isEmpty()) {
            List<String> withUnset = new ArrayList<>();
            withUnset.add("env");
            inherited.forEach(name -> {
                withUnset.add("-u");
                withUnset.add(name);
            });
            withUnset.addAll(argv);
            argv = withUnset;
        }
        // Tasks start in their own work directories (several run at once); this names the session's, for
        // tasks that share files with the environments. Not a session variable, so no wrapper forwards it.
        environment.putIfAbsent(EnvironmentSession.SESSION_DIRECTORY_VARIABLE, directory.toString());
        // sessionDirectory: the task (its wrap hook, where there is one) starts in the session directory, as
        // the reference runs every action there. Only where it starts: its output files stay in its own
        // directory, which the executor writes through the task's files, not through this command. Every
        // executor sees the session directory wherever it sees the task's own, both being under the run's
        // work root.
        boolean inSession = stack.stream().anyMatch(n -> n.def.asReference(ReferenceBehaviour.SESSION_DIRECTORY));
        Path startsIn = inSession ? directory : command.workDir();
        LaunchCommand launched = new LaunchCommand(argv, environment, startsIn);
        // RFC 0008's reading, where the pipeline asks for it: the task's openjd_env lines change its
        // instance's variables for the actions after it (the gate runs that instance's tasks one at a time).
        ActionListener taskLines = wrapper != null && wrapper.def.asReference(ReferenceBehaviour.TASK_VARIABLES)
                ? new VariableLines(inner, redactedVariables) : null;
        TaskOutputWatcher watcher = new TaskOutputWatcher(files.stdout(), secrets, time, taskLines);
        boolean masked = stack.stream().anyMatch(n -> n.def.asReference(ReferenceBehaviour.MASK_TASK_OUTPUT));
        Optional<TaskOutputMask> mask = masked ? Optional.of(new TaskOutputMask(files, secrets)) : Optional.empty();
        // Where the task starts, so that it reads its deadline as cancel_info.json, relative: its own
        // directory, where tasks canceled together each read their own; with sessionDirectory the
        // session's, shared as in the reference.
        return new WrappedRun(launched, timeLimit, killGrace, notify, watcher, startsIn, time, mask);
    }
}
