package dev.sluice.host.serve;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.executor.local.LocalExecutor;
import dev.sluice.host.monitor.Intake;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A submission made a task of its class: the class's process gives what the config routes to it
 * (executor, resources, env, hints, retries), the submission its command or script, env and inputs. The
 * task's id is its one parameter, so its key, and with it its work directory, are its own.
 */
final class TaskFactory {
    private TaskFactory() {
    }

    static Intake.Arrival arrival(String id, Submission s, EffectiveProcess cls) {
        Map<String, String> params = Map.of("id", id);
        Map<String, String> env = new LinkedHashMap<>(cls.env());
        env.putAll(s.env());
        String key = TaskSpec.keyOf(cls.name(), params, s.argv(), s.script(), env, s.inputs());
        TaskSpec spec = new TaskSpec(cls.name(), cls.name() + " (id=" + id + ")", 0, params, s.argv(), s.script(),
                env, cls.hints(), s.inputs(), key);
        return new Intake.Arrival(id, cls.name(), spec);
    }

    /**
     * Why the local executor could not start the submission's program (not found, not executable), said
     * at submission rather than as a failed task; empty when it could, or when another executor runs it.
     */
    static Optional<String> programProblem(Submission s, EffectiveProcess cls, boolean wrapped) {
        if (s.argv() == null || !LocalExecutor.NAME.equals(cls.executor()) || wrapped) {
            return Optional.empty();
        }
        Map<String, String> env = new LinkedHashMap<>(cls.env());
        env.putAll(s.env());
        return LocalExecutor.programProblem(s.argv().get(0), env);
    }
}
