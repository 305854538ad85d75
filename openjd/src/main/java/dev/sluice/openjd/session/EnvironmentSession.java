package dev.sluice.openjd.session;

import dev.sluice.openjd.action.ActionException;
import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.ActionResult;
import dev.sluice.openjd.action.ActionRunner;
import dev.sluice.openjd.action.RunningAction;
import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.LetBinding;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.ActionDef;
import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.Extension;
import dev.sluice.openjd.model.ReferenceBehaviour;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environments of one run, as one Open Job Description session: each environment a process names
 * is entered once, before the first task that needs it (by the {@link #gate()}), wraps and sets the
 * variables of every task inside it ({@link #wrapper()}), is checked by its {@code onMonitor} alongside
 * each of its actions and tasks ({@link #healthMonitors()}), and is exited in reverse order when the
 * run ends ({@link #exitAll()}), also after a failure or a stop signal, as is every environment whose
 * enter was attempted.
 *
 * <p>An environment is entered once per place in the process stacks: {@code conda} entered inside
 * {@code container} is another instance than {@code conda} entered on its own, with variables of its
 * own. Each instance's variables reach the actions and tasks inside it and disappear when it exits.
 *
 * <p>Environment actions run on the host, in the session directory; tasks run wherever their
 * executor runs them, with the session's variables set and wrapped by the wrapping environment's
 * {@code onWrapTaskRun}. Thread-safe.
 *
 * <p>This class creates the session and keeps its life cycle (entering, exiting, the lock between
 * them); the parts it hands out live beside it: {@link SessionWrapper} for tasks, {@link SessionChecks}
 * for {@code onMonitor}, {@link LifecycleActions} for the enter and exit actions.
 */
public final class EnvironmentSession {
    /**
     * The variable that gives every action and task of the session the session directory, as other
     * OpenJD runtimes do: tasks start in directories of their own, so a task that reads what an
     * environment wrote into its working directory finds it here.
     */
    public static final String SESSION_DIRECTORY_VARIABLE = "OPENJD_SESSION_WORKING_DIR";

    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);

    private final Path directory;
    private final TimeSource time;
    private final SessionSecrets secrets;
    private final Map<String, String> hostEnvironment;
    private final Map<String, List<StackNode>> stacks;
    private final List<StackNode> nodes;
    private final SessionChecks checks;
    private final LifecycleActions lifecycle;
    /** Whether an environment of the session declares REDACTED_ENV_VARS, which lets openjd_redacted_env set. */
    private final boolean redactedVariables;
    /** One gate for the session: it remembers which attempts hold a turn until they end. */
    private final EnvironmentGate gate;
    private final Object lock = new Object();
    /** Instances whose enter was attempted, in that order; guarded by {@link #lock}. */
    private final List<StackNode> attempted = new ArrayList<>();
    /** Set when the session starts exiting; no environment is entered after that. Guarded by {@link #lock}. */
    private boolean closing;

    private EnvironmentSession(Path directory, TimeSource time, ActionRunner runner, SessionSecrets secrets,
            Map<String, String> hostEnvironment, Map<String, List<StackNode>> stacks, List<StackNode> nodes) {
        this.directory = directory;
        this.time = time;
        this.secrets = secrets;
        this.hostEnvironment = hostEnvironment;
        this.stacks = stacks;
        this.nodes = nodes;
        SessionActions actions = new SessionActions(directory);
        this.checks = new SessionChecks(actions, runner, time, nodes, stacks);
        // The run is one session, and OpenJD enables an extension for the whole session when any of its
        // templates declares it.
        this.redactedVariables = nodes.stream()
                .anyMatch(n -> n.def.extensions().contains(Extension.REDACTED_ENV_VARS));
        this.gate = new EnvironmentGate(this);
        this.lifecycle = new LifecycleActions(actions, checks, runner, this::isClosing, redactedVariables);
    }

    /**
     * A session for a run. Creates the session directory; enters nothing yet.
     *
     * @param environments    the pipeline's environments by name
     * @param processStacks   each process's environment names, outermost first; processes without
     *                        environments may be left out
     * @param directory       the session's working directory ({@code Session.WorkingDirectory})
     * @param hostEnvironment the environment every action and task starts from
     * @throws IOException     when the directory cannot be created
     * @throws ActionException when {@code setsid} or {@code kill} cannot be found
     */
    public static EnvironmentSession create(Map<String, EnvironmentDef> environments,
            Map<String, List<String>> processStacks, Path directory, TimeSource time,
            Map<String, String> hostEnvironment) throws IOException, ActionException {
        return create(environments, processStacks, directory, time, hostEnvironment, null);
    }

    /**
     * A session for a run, as {@link #create(Map, Map, Path, TimeSource, Map)}, whose format strings see
     * {@code jobName} as {@code Job.Name}: sluice has no jobs, so a host passes the pipeline's name. With
     * {@code null}, {@code Job.Name} has no value and a format string that uses it fails.
     */
    public static EnvironmentSession create(Map<String, EnvironmentDef> environments,
            Map<String, List<String>> processStacks, Path directory, TimeSource time,
            Map<String, String> hostEnvironment, String jobName) throws IOException, ActionException {
        Files.createDirectories(directory);
        Path rules = directory.resolve("path-mapping.json");
        Files.writeString(rules, "{\"version\": \"pathmapping-1.0\", \"path_mapping_rules\": []}\n",
                StandardCharsets.UTF_8);
        Values sessionValues = Values.builder()
                .put("Session.WorkingDirectory", Value.ofPath(directory.toString()))
                .put("Session.HasPathMappingRules", Value.of(false))
                .put("Session.PathMappingRulesFile", Value.ofPath(rules.toString()))
                .build();
        if (jobName != null) {
            sessionValues = sessionValues.toBuilder().put("Job.Name", jobName).build();
        }
        SessionSecrets secrets = new SessionSecrets();
        Map<String, String> base = new HashMap<>(hostEnvironment);
        base.put(SESSION_DIRECTORY_VARIABLE, directory.toString());
        ActionRunner runner = ActionRunner.create(time, directory, base, secrets);
        Map<String, String> host = Map.copyOf(hostEnvironment);
        Map<String, List<StackNode>> stacks = new HashMap<>();
        List<StackNode> nodes = new ArrayList<>();
        Map<String, StackNode> byKey = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> process : processStacks.entrySet()) {
            List<StackNode> stack = new ArrayList<>();
            StackNode parent = null;
            for (String name : process.getValue()) {
                EnvironmentDef def = environments.get(name);
                if (def == null) {
                    throw new IllegalArgumentException("process '" + process.getKey() + "' names environment '"
                            + name + "', which the pipeline does not define (validation should have caught this)");
                }
                String key = parent == null ? name : parent.key + "/" + name;
                StackNode node = byKey.get(key);
                if (node == null) {
                    node = StackNode.of(def, parent, key, byKey.size() + 1, directory, sessionValues);
                    byKey.put(key, node);
                    nodes.add(node);
                }
                stack.add(node);
                parent = node;
            }
            if (!stack.isEmpty()) {
                stacks.put(process.getKey(), List.copyOf(stack));
            }
        }
        return new EnvironmentSession(directory, time, runner, secrets, host, stacks, nodes);
    }

    /** The session's working directory. */
    public Path directory() {
        return directory;
    }

    /** The secrets the session's actions declared, to mask them in what the run writes. */
    public SessionSecrets secrets() {
        return secrets;
    }

    /** Whether the process runs in environments. */
    public boolean holds(String processName) {
        return stacks.containsKey(processName);
    }

    // ---- entering ---------------------------------------------------------------------------------

    /**
     * The gate that enters a task's environments before it may be submitted: the first task that needs
     * an environment enters it, the others wait for that. The same gate on every call.
     */
    public TaskReadinessGate gate() {
        return gate;
    }

    /**
     * Enters the process's environments that are not entered yet, outermost first, and waits until all
     * are; returns at once when they are.
     *
     * @throws TaskException when one could not be entered; the message names it and says why
     */
    void enter(String processName) throws TaskException, InterruptedException {
        for (StackNode node : stacks.getOrDefault(processName, List.of())) {
            try {
                start(node).get();
            } catch (ExecutionException e) {
                throw new TaskException(e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /**
     * The turn a task of the process must hold while it runs, when its tasks run one at a time: those
     * whose wrapping environment asks for {@code taskVariables}, so that "the next task" sees what the
     * one before set. One turn per innermost instance, the counterpart of one reference session; empty
     * when the process's tasks run in parallel.
     */
    Optional<Semaphore> taskTurn(String processName) {
        List<StackNode> stack = stacks.get(processName);
        if (stack == null) {
            return Optional.empty();
        }
        boolean serial = stack.stream().anyMatch(n -> n.def.wraps()
                && n.def.asReference(ReferenceBehaviour.TASK_VARIABLES));
        return serial ? Optional.of(stack.getLast().taskTurn) : Optional.empty();
    }

    private CompletableFuture<SessionVariables> start(StackNode node) {
        synchronized (lock) {
            if (!node.started) {
                node.started = true;
                if (closing) {
                    node.entered.completeExceptionally(new EnvironmentException(node.describe()
                            + " was not entered: the run is ending"));
                } else {
                    Thread.ofVirtual().name("enter-" + node.key).start(() -> enterNow(node));
                }
            }
        }
        return node.entered;
    }

    private void enterNow(StackNode node) {
        synchronized (lock) {
            if (closing) {
                node.entered.completeExceptionally(new EnvironmentException(node.describe()
                        + " was not entered: the run is ending"));
                return;
            }
            attempted.add(node);
        }
        long started = time.nanoTime();
        log.info("entering {}", node.describe());
        try {
            SessionVariables variables = node.parent == null ? SessionVariables.NONE : node.parent.entered.join();
            node.values = LetBinding.bindAll(node.def.let(), node.values);
            // Also without an onEnter: checks and a wrapper's onWrapTaskRun may use the files. Fresh files
            // are written by each action for itself, so none would use these.
            if (!node.freshFiles()) {
                node.writeEmbeddedFiles();
            }
            for (Map.Entry<String, FormatString> v : node.def.variables().entrySet()) {
                variables = variables.with(v.getKey(), v.getValue().evaluate(node.values));
            }
            node.variables = variables;
            Optional<ActionDef> onEnter = node.def.onEnter();
            if (onEnter.isPresent()) {
                ActionResult result = lifecycle.run(node, onEnter.get(), ActionKind.ENVIRONMENT_ENTER, "enter",
                        node.wrapper == null ? Optional.empty() : node.wrapper.def.onWrapEnvEnter(), true);
                if (!result.succeeded()) {
                    throw new EnvironmentException(node.describe() + " could not be entered: "
                            + result.failureMessage().orElse("onEnter failed") + " (log: "
                            + node.dir.resolve("enter.log") + ")");
                }
            }
            log.info("entered {} in {}", node.describe(), Units.formatDuration(
                    Duration.ofNanos(time.nanoTime() - started)));
            node.entered.complete(node.variables);
        } catch (EnvironmentException e) {
            node.entered.completeExceptionally(e);
        } catch (FormatStringException e) {
            node.entered.completeExceptionally(new EnvironmentException(node.describe() + " could not be entered: "
                    + e.getMessage()));
        } catch (IOException | ActionException | RuntimeException e) {
            log.debug("entering {} failed", node.describe(), e);
            node.entered.completeExceptionally(new EnvironmentException(node.describe() + " could not be entered: "
                    + (e.getCause() instanceof EnvironmentException inner ? inner.getMessage() : e.getMessage())));
        } catch (InterruptedException e) {
            node.entered.completeExceptionally(new EnvironmentException(node.describe()
                    + " could not be entered: interrupted"));
        } finally {
            node.entering = null;
        }
    }

    /** Whether the session has started exiting; enters that start after that cancel themselves. */
    private boolean isClosing() {
        synchronized (lock) {
            return closing;
        }
    }

    // ---- tasks and checks -------------------------------------------------------------------------

    /**
     * The wrapper that puts each task into the environments its process names (their variables and
     * the innermost wrapping environment's {@code onWrapTaskRun}), inside every plugin's wrapper.
     */
    public TaskWrapper wrapper() {
        return new SessionWrapper(stacks, hostEnvironment, secrets, time, directory, redactedVariables);
    }

    /**
     * The health monitors of the environments that have an {@code onMonitor}: each checks the tasks
     * inside its environment, through the same loop as a plugin's monitors.
     */
    public List<TaskHealthMonitor> healthMonitors() {
        return checks.healthMonitors();
    }

    // ---- exiting ----------------------------------------------------------------------------------

    /**
     * Exits every environment whose enter was attempted, innermost and latest first: enters still
     * running are canceled first, then each environment's {@code onExit} (or its wrapper's
     * {@code onWrapEnvExit}) runs, a failing one not stopping the others. Blocks until all are done.
     * Later calls do nothing.
     *
     * @return what went wrong, one message per environment whose exit failed; empty when all went well
     */
    public List<String> exitAll() {
        List<StackNode> toExit;
        synchronized (lock) {
            if (closing) {
                return List.of();
            }
            closing = true;
            toExit = new ArrayList<>(attempted);
        }
        for (StackNode node : toExit) {
            RunningAction entering = node.entering;
            if (entering != null && !node.entered.isDone()) {
                entering.cancel("the run is ending before " + node.describe() + " was entered");
            }
        }
        Collections.reverse(toExit);
        List<String> problems = new ArrayList<>();
        for (StackNode node : toExit) {
            try {
                node.entered.handle((v, e) -> null).join();
            } catch (RuntimeException ignored) {
                // handle() never completes exceptionally.
            }
            Optional<ActionDef> onExit = node.def.onExit();
            if (onExit.isEmpty()) {
                continue;
            }
            log.info("exiting {}", node.describe());
            try {
                ActionResult result = lifecycle.run(node, onExit.get(), ActionKind.ENVIRONMENT_EXIT, "exit",
                        node.wrapper == null ? Optional.empty() : node.wrapper.def.onWrapEnvExit(), false);
                if (!result.succeeded()) {
                    problems.add(node.describe() + ": onExit failed: " + result.failureMessage().orElse("")
                            + " (log: " + node.dir.resolve("exit.log") + ")");
                }
            } catch (FormatStringException | ActionException | IOException | RuntimeException e) {
                problems.add(node.describe() + ": onExit could not run: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add(node.describe() + ": onExit was interrupted");
                break;
            }
        }
        return problems;
    }

    /** The longest {@link #exitAll()} may take: every exit action's timeout, for a stop signal's wait. */
    public Duration exitBudget() {
        Duration total = Duration.ZERO;
        for (StackNode node : nodes) {
            if (node.def.onExit().isPresent()) {
                total = total.plus(node.def.onExit().get().resolveTimeout(ActionKind.ENVIRONMENT_EXIT)
                        .orElse(Duration.ofSeconds(300)));
            }
        }
        return total;
    }
}
