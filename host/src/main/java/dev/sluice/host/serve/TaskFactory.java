package dev.sluice.host.serve;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.executor.local.LocalExecutor;
import dev.sluice.host.monitor.Intake;
import dev.sluice.host.run.ProcessChecks;
import dev.sluice.spi.Hints;
import dev.sluice.spi.Resources;
import dev.sluice.spi.Units;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Submissions made tasks of their classes: the class's process gives what the config routes to it
 * (executor, resources, env, hints, retries), the submission its command or script, env and inputs, and
 * what its class lets it set itself (image, mounts, resources within the class's bounds, allowed hints).
 * A task's id is its one parameter, so its key, and with it its work directory, are its own.
 */
final class TaskFactory {
    /** A problem with a submission: the field it is about, and what to do. */
    record Problem(String field, String message) {
    }

    private final Map<String, EffectiveProcess> classes;
    private final Map<String, ClassSettings> settings;
    private final ProcessChecks checks;
    private final boolean wrapped;

    /**
     * @param classes  each class's process, as the config routes it
     * @param settings each class's {@code serve.classes} settings
     * @param checks   the plugins' checks, for a task that sets its own resources or hints
     * @param wrapped  whether tasks run inside wrappers (environments, containers)
     */
    TaskFactory(Map<String, EffectiveProcess> classes, Map<String, ClassSettings> settings, ProcessChecks checks,
            boolean wrapped) {
        this.classes = Map.copyOf(classes);
        this.settings = Map.copyOf(settings);
        this.checks = checks;
        this.wrapped = wrapped;
    }

    Map<String, EffectiveProcess> classes() {
        return classes;
    }

    /** The task of submission {@code s}, with id {@code id}; {@code s} has passed {@link #problems}. */
    Intake.Arrival arrival(String id, Submission s) {
        EffectiveProcess cls = classes.get(s.taskClass());
        Submission.Execution x = s.execution();
        Map<String, String> params = Map.of("id", id);
        Map<String, String> env = env(s, cls);
        String key = TaskSpec.keyOf(cls.name(), params, x.argv(), x.script(), env, s.inputs());
        TaskSpec spec = new TaskSpec(cls.name(), cls.name() + " (id=" + id + ")", 0, params, x.argv(), x.script(),
                env, hints(s, cls), x.resources().over(cls.resources()), s.inputs(), key);
        return new Intake.Arrival(id, cls.name(), spec);
    }

    /**
     * What keeps submission {@code s} from running as its class is set up: a program the local executor
     * cannot find, an image or mounts for a class that runs no container, hints its class does not let a
     * task set, resources beyond the class's bounds, and what the plugins refuse of its resources and
     * hints, each said at submission rather than as a failed task. Empty when there is nothing.
     */
    List<Problem> problems(Submission s) {
        EffectiveProcess cls = classes.get(s.taskClass());
        ClassSettings rules = settings.getOrDefault(s.taskClass(), ClassSettings.NONE);
        Submission.Execution x = s.execution();
        List<Problem> out = new ArrayList<>();
        if (x.argv() != null && LocalExecutor.NAME.equals(cls.executor()) && !wrapped) {
            String program = x.argv().get(0);
            boolean ownPath = x.env().containsKey("PATH");
            LocalExecutor.programProblem(program, env(s, cls)).ifPresent(p -> out.add(new Problem(
                    "execution.command", program.indexOf('/') < 0 && !program.isEmpty() && !ownPath
                            // The host's PATH is the operator's, not the orchestrator's to read; a PATH the
                            // task gives is its own, and the message shows that one.
                            ? "command '" + program + "' was not found on the service's PATH; give the program's"
                                    + " full path, or ask the operator to install it"
                            : p)));
        }
        String container = rules.containerOn(cls.executor());
        String setting = "serve.classes." + s.taskClass() + ".container";
        if (container == null && (x.image() != null || !x.mounts().isEmpty())) {
            out.add(new Problem(x.image() != null ? "execution.image" : "execution.mounts", "class '" + s.taskClass()
                    + "' runs its tasks on the " + cls.executor() + " executor, in no container; send the task to a"
                    + " class that runs containers, or the operator sets " + setting + " (docker or apptainer)"));
        }
        for (String hint : s.hints().keySet()) {
            if (!rules.allowsHint(hint)) {
                out.add(new Problem("hints." + hint, "class '" + s.taskClass() + "' does not let a task set the hint '"
                        + hint + "'" + (rules.taskHints().isEmpty() ? "; it lets a task set no hints"
                        : "; it lets a task set " + String.join(", ", rules.taskHints()))
                        + " (the operator's serve.classes." + s.taskClass() + ".taskHints)"));
            } else if (container != null && ClassSettings.CONTAINERS.get(container).contains(hint)
                    && (hint.endsWith("/image") ? x.image() != null : !x.mounts().isEmpty())) {
                out.add(new Problem("hints." + hint, "the task gives " + (hint.endsWith("/image") ? "execution.image"
                        : "execution.mounts") + " too; give one of them"));
            }
        }
        bounds(s, rules, out);
        boolean own = !s.hints().isEmpty() || x.image() != null || !x.mounts().isEmpty() || !x.resources().isEmpty();
        if (out.isEmpty() && own) {
            Hints hints = Hints.of(hints(s, cls), "the task (class '" + s.taskClass() + "')");
            for (ProcessChecks.Finding f : checks.check(cls.name(), cls.executor(), x.resources().over(cls.resources()),
                    hints)) {
                out.add(new Problem(field(f.key(), container), f.message()));
            }
        }
        return out;
    }

    /** Resources asked beyond the class's {@code maxResources}. */
    private static void bounds(Submission s, ClassSettings rules, List<Problem> out) {
        Submission.Ask ask = s.execution().resources();
        Submission.Ask max = rules.maxResources();
        String bound = "serve.classes." + s.taskClass() + ".maxResources.";
        if (ask.cpus() != null && max.cpus() != null && ask.cpus() > max.cpus()) {
            out.add(new Problem("execution.resources.cpus", "asks for " + ask.cpus() + " CPUs; class '"
                    + s.taskClass() + "' allows at most " + max.cpus() + " (" + bound + "cpus)"));
        }
        if (ask.memoryBytes() != null && max.memoryBytes() != null && ask.memoryBytes() > max.memoryBytes()) {
            out.add(new Problem("execution.resources.memory", "asks for " + Units.formatSize(ask.memoryBytes())
                    + "; class '" + s.taskClass() + "' allows at most " + Units.formatSize(max.memoryBytes()) + " ("
                    + bound + "memory)"));
        }
        if (ask.time() != null && max.time() != null && ask.time().compareTo(max.time()) > 0) {
            out.add(new Problem("execution.resources.time", "asks for " + Units.formatDuration(ask.time())
                    + "; class '" + s.taskClass() + "' allows at most " + Units.formatDuration(max.time()) + " ("
                    + bound + "time)"));
        }
        if (ask.accelerators() != null && max.accelerators() != null && ask.accelerators() > max.accelerators()) {
            out.add(new Problem("execution.resources.accelerators", "asks for " + ask.accelerators()
                    + " accelerators; class '" + s.taskClass() + "' allows at most " + max.accelerators() + " ("
                    + bound + "accelerators)"));
        }
    }

    /** The submission's field a plugin's finding is about. */
    private static String field(String key, String container) {
        if (key.startsWith("resources.")) {
            return "execution." + key;
        }
        if (container != null && key.startsWith("hints.")) {
            List<String> hints = ClassSettings.CONTAINERS.get(container);
            String hint = key.substring("hints.".length());
            if (hint.equals(hints.get(0))) {
                return "execution.image";
            }
            if (hint.equals(hints.get(1))) {
                return "execution.mounts";
            }
        }
        return key;
    }

    private static Map<String, String> env(Submission s, EffectiveProcess cls) {
        Map<String, String> env = new LinkedHashMap<>(cls.env());
        env.putAll(s.execution().env());
        return env;
    }

    /** The class's hints, the task's own over them, and its image and mounts as its container's hints. */
    private Map<String, String> hints(Submission s, EffectiveProcess cls) {
        Map<String, String> hints = new LinkedHashMap<>(cls.hints());
        hints.putAll(s.hints());
        Submission.Execution x = s.execution();
        String container = settings.getOrDefault(s.taskClass(), ClassSettings.NONE).containerOn(cls.executor());
        if (container != null) {
            List<String> keys = ClassSettings.CONTAINERS.get(container);
            if (x.image() != null) {
                hints.put(keys.get(0), x.image());
            }
            if (!x.mounts().isEmpty()) {
                // After the class's own: the operator's mounts stay.
                String before = hints.get(keys.get(1));
                String mine = String.join(",", x.mounts());
                hints.put(keys.get(1), before == null || before.isBlank() ? mine : before + "," + mine);
            }
        }
        return hints;
    }
}
