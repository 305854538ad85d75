package dev.sluice.openjd.session;

import dev.sluice.openjd.action.Action;
import dev.sluice.openjd.action.ActionException;
import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.ActionListener;
import dev.sluice.openjd.action.ActionResult;
import dev.sluice.openjd.action.ActionRunner;
import dev.sluice.openjd.action.CancelSignals;
import dev.sluice.openjd.action.RunningAction;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.model.MonitorDef;
import dev.sluice.openjd.model.ReferenceBehaviour;
import dev.sluice.kit.HealthProbeLoop;
import dev.sluice.spi.Health;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environments' {@code onMonitor} checks: as health monitors of the tasks inside each environment,
 * and alongside the environment's own enter and exit actions.
 */
final class SessionChecks {
    /** How long a check may run when its {@code onMonitor.command} gives no timeout. */
    static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(60);
    // The session's logger, so that the run's log names the same source as before the session was split.
    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);

    private final SessionActions actions;
    private final ActionRunner runner;
    private final TimeSource time;
    private final List<StackNode> nodes;
    private final Map<String, List<StackNode>> stacks;

    SessionChecks(SessionActions actions, ActionRunner runner, TimeSource time, List<StackNode> nodes,
            Map<String, List<StackNode>> stacks) {
        this.actions = actions;
        this.runner = runner;
        this.time = time;
        this.nodes = nodes;
        this.stacks = stacks;
    }

    /** See {@link EnvironmentSession#healthMonitors()}. */
    List<TaskHealthMonitor> healthMonitors() {
        List<TaskHealthMonitor> monitors = new ArrayList<>();
        for (StackNode node : nodes) {
            node.def.monitor().ifPresent(m -> monitors.add(new EnvironmentHealthMonitor(node.key, m,
                    task -> stacks.getOrDefault(task.processName(), List.of()).contains(node), () -> check(node))));
        }
        return monitors;
    }

    /**
     * Checks the environment while one of its own actions runs, canceling the action when the check
     * finds it unhealthy.
     *
     * @return the checking thread, to interrupt when the action has ended; {@code null} when the
     *         environment has no {@code onMonitor}
     */
    Thread alongside(StackNode node, String logName, RunningAction running) {
        return node.def.monitor().map(m -> HealthProbeLoop.start("check-" + node.key + "-" + logName, time,
                m.period(), m.failureThreshold(), null, () -> check(node),
                new HealthProbeLoop.Outcome() {
                    @Override
                    public void status(String message) {
                        log.info("{}: {}", node.describe(), message);
                    }

                    @Override
                    public void unhealthy(String message) {
                        running.cancel("health check of " + node.describe() + " failed: " + message);
                    }
                })).orElse(null);
    }

    /** Runs the environment's check once, with its current variables. */
    private Health check(StackNode node) throws InterruptedException {
        MonitorDef monitor = node.def.monitor().orElseThrow();
        List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        String[] lastLine = new String[1];
        RunningAction running;
        // Fresh files (freshEmbeddedFiles) are written for each check, as for every other action of the
        // environment, and removed when it ends: checks run every period for as long as the environment
        // lives, and nothing after a check reads its copies.
        StackNode.ActionFiles files = new StackNode.ActionFiles(node.values, List.of());
        try {
            if (node.freshFiles()) {
                files = node.forAction();
            }
            Action action = actions.action(monitor.action(), files.values(), node.variables,
                    ActionKind.HEALTH_MONITOR, Optional.of(DEFAULT_CHECK_TIMEOUT), null);
            if (node.def.asReference(ReferenceBehaviour.CANCEL_SIGNALS)) {
                action = action.withSignals(CancelSignals.MAIN_PROCESS_THEN_TREE);
            }
            Files.createDirectories(node.dir);
            running = runner.start(action, node.dir.resolve("monitor.log"), new ActionListener() {
                @Override
                public void onOutput(String line) {
                    if (!line.isBlank() && !line.startsWith("openjd_")) {
                        lastLine[0] = line.strip();
                    }
                }

                @Override
                public void onStatus(String message) {
                    statuses.add(message);
                }
            });
        } catch (FormatStringException | ActionException | IOException e) {
            StackNode.remove(files.written());
            return verdict(node, monitor, "the check could not start: " + e.getMessage());
        }
        ActionResult result;
        try {
            result = running.awaitResult();
        } catch (InterruptedException e) {
            // What the check watched has ended; so does the check.
            running.cancel("the checked action ended", Duration.ZERO);
            throw e;
        } finally {
            StackNode.remove(files.written());
        }
        if (result.succeeded()) {
            return statuses.isEmpty() ? Health.ok() : Health.ok(statuses.getLast());
        }
        String why = result.failureMessage().orElse("exited with status " + result.exitCode());
        if (lastLine[0] != null && !why.contains(lastLine[0])) {
            why = lastLine[0] + " (" + why + ")";
        }
        return verdict(node, monitor, why);
    }

    private static Health verdict(StackNode node, MonitorDef monitor, String why) {
        if (monitor.onFailure() == MonitorDef.OnFailure.LOG) {
            log.warn("health check of {} failed: {}", node.describe(), why);
            return Health.ok("health check failed: " + why);
        }
        return Health.unhealthy(why);
    }
}
