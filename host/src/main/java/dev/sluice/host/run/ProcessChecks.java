package dev.sluice.host.run;

import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The plugins' checks of what a process's tasks ask for: each gate's {@code validate} and the executor's
 * {@code validateHints}. Run for every process before a run starts, and by {@code sluice serve} for a
 * task that brings its own resources or hints, so that both are refused in the same words.
 */
public final class ProcessChecks {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProcessChecks.class);

    /**
     * One problem found.
     *
     * @param key     what it is about, as the process writes it: {@code resources.accelerators},
     *                {@code hints.docker/image}, or {@code hints} for a plugin that failed checking
     * @param message the plugin's words, with the fix
     */
    public record Finding(String key, String message) {
    }

    private final List<TaskReadinessGate> gates;
    private final Map<String, TaskExecutor> executors;

    public ProcessChecks(List<TaskReadinessGate> gates, Map<String, TaskExecutor> executors) {
        this.gates = List.copyOf(gates);
        this.executors = Map.copyOf(executors);
    }

    List<TaskReadinessGate> gates() {
        return gates;
    }

    /** What the gates and the executor {@code executor} find wrong with tasks asking for these. */
    public List<Finding> check(String processName, String executor, Resources resources, Hints hints) {
        List<Finding> found = new ArrayList<>();
        TaskRequest request = new TaskRequest(processName, executor, resources, hints);
        for (TaskReadinessGate gate : gates) {
            try {
                gate.validate(request);
            } catch (InvalidSettingException e) {
                // A resource the gate refuses (resources.accelerators) is named as such, not as a hint.
                String key = e.key() != null && e.key().startsWith("resources.") ? e.key() : "hints." + e.key();
                found.add(new Finding(key, e.getMessage()));
            } catch (RuntimeException e) {
                log.error("gate '{}' failed checking process '{}'", gate.id(), processName, e);
                found.add(new Finding("hints", "gate '" + gate.id() + "' failed checking the process: "
                        + describe(e)));
            }
        }
        TaskExecutor exec = executors.get(executor);
        if (exec != null) {
            try {
                exec.validateHints(hints);
            } catch (InvalidSettingException e) {
                found.add(new Finding("hints." + e.key(), e.getMessage()));
            } catch (RuntimeException e) {
                log.error("executor '{}' failed checking process '{}'", exec.name(), processName, e);
                found.add(new Finding("hints", "executor '" + exec.name() + "' failed checking the hints: "
                        + describe(e)));
            }
        }
        return found;
    }

    /** A plugin's unexpected exception for people: its message, not its Java class. */
    static String describe(RuntimeException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? "an unexpected error in the plugin (the log has the details)"
                : message;
    }
}
