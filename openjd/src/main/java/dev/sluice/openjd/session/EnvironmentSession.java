package dev.sluice.openjd.session;

import dev.sluice.openjd.action.Action;
import dev.sluice.openjd.action.ActionException;
import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.ActionListener;
import dev.sluice.openjd.action.ActionResult;
import dev.sluice.openjd.action.ActionRunner;
import dev.sluice.openjd.action.Cancelation;
import dev.sluice.openjd.action.RunningAction;
import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.ActionDef;
import dev.sluice.openjd.model.EmbeddedFileDef;
import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.MonitorDef;
import dev.sluice.openjd.model.ParameterType;
import dev.sluice.openjd.model.ParameterValue;
import dev.sluice.openjd.model.WrapStyle;
import dev.sluice.kit.HealthProbeLoop;
import dev.sluice.spi.Health;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.WrappedTask;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environments of one run, as one Open Job Description session: each environment a process names
 * is entered once, before the first task that needs it (by the {@link #gate()}), wraps and sets the
 * variables of every task inside it ({@link #launch}), is checked by its {@code onMonitor} alongside
 * each of its actions and tasks ({@link #healthMonitors()}), and is exited in reverse order when the
 * run ends ({@link #close()}), also after a failure or a stop signal, as is every environment whose
 * enter was attempted.
 *
 * <p>An environment is entered once per place in the process stacks: {@code conda} entered inside
 * {@code container} is another instance than {@code conda} entered on its own, with variables of its
 * own. Each instance's variables reach the actions and tasks inside it and disappear when it exits.
 *
 * <p>Environment actions run on the host, in the session directory; tasks run wherever their
 * executor runs them, with the session's variables set and wrapped by the wrapping environment's
 * {@code onWrapTaskRun}. Thread-safe.
 */
public final class EnvironmentSession {
    /** How long a check may run when its {@code onMonitor.command} gives no timeout. */
    static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);

    private final Path directory;
    private final TimeSource time;
    private final ActionRunner runner;
    private final SessionSecrets secrets;
    private final Map<String, String> hostEnvironment;
    private final Map<String, List<Node>> stacks = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Values sessionValues;
    private final Object lock = new Object();
    /** Instances whose enter was attempted, in that order; guarded by {@link #lock}. */
    private final List<Node> attempted = new ArrayList<>();
    /** Set when the session starts exiting; no environment is entered after that. Guarded by {@link #lock}. */
    private boolean closing;

    /** One environment at one place in the stacks. */
    private static final class Node {
        final EnvironmentDef def;
        final Node parent;
        /** The names from the outermost to this one, e.g. {@code container/conda}. */
        final String key;
        /** The wrapping environment outside this one, if any. */
        final Node wrapper;
        final Path dir;
        final Values values;
        final CompletableFuture<SessionVariables> entered = new CompletableFuture<>();
        /** Guarded by the session's lock. */
        boolean started;
        /** The variables while entering and once entered; read by checks. */
        volatile SessionVariables variables = SessionVariables.NONE;
        /** The enter action while it runs, so that closing can cancel it. */
        volatile RunningAction entering;

        Node(EnvironmentDef def, Node parent, String key, Node wrapper, Path dir, Values values) {
            this.def = def;
            this.parent = parent;
            this.key = key;
            this.wrapper = wrapper;
            this.dir = dir;
            this.values = values;
        }

        String describe() {
            return parent == null ? "environment '" + def.name() + "'"
                    : "environment '" + def.name() + "' (inside " + parent.key.replace("/", " > ") + ")";
        }
    }

    private EnvironmentSession(Path directory, TimeSource time, ActionRunner runner, SessionSecrets secrets,
            Map<String, String> hostEnvironment, Values sessionValues) {
        this.directory = directory;
        this.time = time;
        this.runner = runner;
        this.secrets = secrets;
        this.hostEnvironment = hostEnvironment;
        this.sessionValues = sessionValues;
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
        Files.createDirectories(directory);
        Path rules = directory.resolve("path-mapping.json");
        Files.writeString(rules, "{\"version\": \"pathmapping-1.0\", \"path_mapping_rules\": []}\n",
                StandardCharsets.UTF_8);
        Values sessionValues = Values.builder()
                .put("Session.WorkingDirectory", directory.toString())
                .put("Session.HasPathMappingRules", Value.of(false))
                .put("Session.PathMappingRulesFile", rules.toString())
                .build();
        SessionSecrets secrets = new SessionSecrets();
        ActionRunner runner = ActionRunner.create(time, directory, hostEnvironment, secrets);
        EnvironmentSession session = new EnvironmentSession(directory, time, runner, secrets,
                Map.copyOf(hostEnvironment), sessionValues);
        Map<String, Node> byKey = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> process : processStacks.entrySet()) {
            List<Node> stack = new ArrayList<>();
            Node parent = null;
            for (String name : process.getValue()) {
                EnvironmentDef def = environments.get(name);
                if (def == null) {
                    throw new IllegalArgumentException("process '" + process.getKey() + "' names environment '"
                            + name + "', which the pipeline does not define (validation should have caught this)");
                }
                String key = parent == null ? name : parent.key + "/" + name;
                Node node = byKey.get(key);
                if (node == null) {
                    node = session.newNode(def, parent, key, byKey.size() + 1);
                    byKey.put(key, node);
                    session.nodes.add(node);
                }
                stack.add(node);
                parent = node;
            }
            if (!stack.isEmpty()) {
                session.stacks.put(process.getKey(), List.copyOf(stack));
            }
        }
        return session;
    }

    private Node newNode(EnvironmentDef def, Node parent, String key, int index) {
        Node wrapper = null;
        for (Node n = parent; n != null; n = n.parent) {
            if (n.def.wraps()) {
                wrapper = n;
                break;
            }
        }
        Path dir = directory.resolve("env-" + index + "-" + def.name());
        Values.Builder values = sessionValues.toBuilder();
        for (ParameterValue p : def.parameters().values()) {
            Value v = p.type() == ParameterType.INT ? Value.of(Long.parseLong(p.value())) : Value.of(p.value());
            values.put("Param." + p.name(), v).put("RawParam." + p.name(), v);
        }
        for (EmbeddedFileDef f : def.embeddedFiles()) {
            values.put("Env.File." + f.name(), dir.resolve(f.filename().orElse(f.name())).toString());
        }
        return new Node(def, parent, key, wrapper, dir, values.build());
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
     * an environment enters it, the others wait for that.
     */
    public TaskReadinessGate gate() {
        return new EnvironmentGate(this);
    }

    /**
     * Enters the process's environments that are not entered yet, outermost first, and waits until all
     * are; returns at once when they are.
     *
     * @throws TaskException when one could not be entered; the message names it and says why
     */
    void enter(String processName) throws TaskException, InterruptedException {
        for (Node node : stacks.getOrDefault(processName, List.of())) {
            try {
                start(node).get();
            } catch (ExecutionException e) {
                throw new TaskException(e.getCause().getMessage(), e.getCause());
            }
        }
    }

    private CompletableFuture<SessionVariables> start(Node node) {
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

    private void enterNow(Node node) {
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
            writeEmbeddedFiles(node);
            for (Map.Entry<String, FormatString> v : node.def.variables().entrySet()) {
                variables = variables.with(v.getKey(), v.getValue().evaluate(node.values));
            }
            node.variables = variables;
            Optional<ActionDef> onEnter = node.def.onEnter();
            if (onEnter.isPresent()) {
                ActionResult result = runLifecycleAction(node, onEnter.get(), ActionKind.ENVIRONMENT_ENTER, "enter",
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

    /** Embedded files are written once, before the environment's first action, and shared by all of them. */
    private void writeEmbeddedFiles(Node node) throws IOException, FormatStringException {
        Files.createDirectories(node.dir);
        for (EmbeddedFileDef f : node.def.embeddedFiles()) {
            Path file = node.dir.resolve(f.filename().orElse(f.name()));
            Files.writeString(file, f.data().evaluate(node.values), StandardCharsets.UTF_8);
            if (f.runnable()) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    /**
     * Runs an environment's enter or exit action, through the wrapping environment's hook when there is
     * one, with the environment's check alongside.
     *
     * @param applyVariables whether the action's {@code openjd_env} lines change the node's variables
     */
    private ActionResult runLifecycleAction(Node node, ActionDef def, ActionKind kind, String logName,
            Optional<ActionDef> hook, boolean applyVariables)
            throws FormatStringException, ActionException, InterruptedException, IOException {
        Files.createDirectories(node.dir);
        SessionVariables variables = node.variables;
        Action action = action(def, node.values, variables, kind, Optional.empty(), null);
        if (hook.isPresent()) {
            Node wrapper = node.wrapper;
            Values wrapValues = wrappedAction(wrapper.values.toBuilder(), action.argv(), variables.asAssignments(),
                    def.timeout(), def.cancelation().map(c -> c.mode().name()).orElse(null),
                    def.cancelation().flatMap(c -> c.notifyPeriod()).orElse(null))
                    .put("WrappedEnv.Name", node.def.name())
                    .build();
            // The hook's own timeout and cancelation, where it gives them, else the wrapped action's.
            action = action(hook.get(), wrapValues, variables, kind,
                    action.timeout(), hook.get().cancelation().isPresent() ? null : action.cancelation());
        }
        ActionListener listener = !applyVariables ? ActionListener.NONE : new ActionListener() {
            @Override
            public void onEnvironmentSet(String name, String value, boolean redacted) {
                node.variables = node.variables.with(name, value);
            }

            @Override
            public void onEnvironmentUnset(String name) {
                node.variables = node.variables.without(name);
            }

            @Override
            public void onStatus(String message) {
                log.info("{}: {}", node.describe(), message);
            }
        };
        RunningAction running = runner.start(action, node.dir.resolve(logName + ".log"), listener);
        if (applyVariables) {
            node.entering = running;
            // exitAll() cancels the enters it finds running; one whose action started after it looked
            // cancels itself, so that exiting never waits for an enter to run to its end.
            boolean ending;
            synchronized (lock) {
                ending = closing;
            }
            if (ending) {
                running.cancel("the run is ending before " + node.describe() + " was entered");
            }
        }
        Thread check = node.def.monitor().map(m -> HealthProbeLoop.start("check-" + node.key + "-" + logName, time,
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
        try {
            return running.awaitResult();
        } finally {
            if (check != null) {
                check.interrupt();
            }
        }
    }

    /**
     * An action ready to run in the session directory.
     *
     * @param fallbackTimeout     used when the definition gives none, before its kind's default (a wrap
     *                            hook's: the wrapped action's timeout)
     * @param fallbackCancelation used instead of the definition's when not null
     */
    private Action action(ActionDef def, Values values, SessionVariables variables, ActionKind kind,
            Optional<Duration> fallbackTimeout, Cancelation fallbackCancelation) throws FormatStringException {
        List<String> argv = new ArrayList<>();
        argv.add(def.command().evaluate(values));
        argv.addAll(FormatString.evaluateArgs(def.args(), values));
        Optional<Duration> timeout = def.timeout().or(() -> fallbackTimeout).or(kind::defaultTimeout);
        Cancelation cancelation = fallbackCancelation != null ? fallbackCancelation : def.resolveCancelation(kind);
        return new Action(argv, variables.set(), variables.unset(), directory, timeout, cancelation);
    }

    /** The {@code WrappedAction.*} values of a wrap hook. */
    private static Values.Builder wrappedAction(Values.Builder values, List<String> argv, List<String> environment,
            Optional<Duration> timeout, String cancelationMode, Duration notifyPeriod) {
        return values
                .put("WrappedAction.Command", argv.getFirst())
                .putStrings("WrappedAction.Args", argv.subList(1, argv.size()))
                .putStrings("WrappedAction.Environment", environment)
                .put("WrappedAction.Timeout", Value.ofNullable(timeout.map(Duration::toSeconds).orElse(null)))
                .put("WrappedAction.Cancelation.Mode", Value.ofNullable(cancelationMode))
                .put("WrappedAction.Cancelation.NotifyPeriodInSeconds",
                        Value.ofNullable(notifyPeriod == null ? null : notifyPeriod.toSeconds()));
    }

    // ---- tasks ------------------------------------------------------------------------------------

    /**
     * The wrapper that puts each task into the environments its process names (their variables and
     * the innermost wrapping environment's {@code onWrapTaskRun}), inside every plugin's wrapper.
     */
    public TaskWrapper wrapper() {
        return new TaskWrapper() {
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
                return holds(task.processName());
            }

            @Override
            public LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException {
                return open(task, command).command();
            }

            @Override
            public WrappedTask open(TaskHandle task, LaunchCommand command) throws TaskException {
                return launch(task, command, TaskFiles.in(task.workDir()));
            }
        };
    }

    private WrappedTask launch(TaskHandle task, LaunchCommand command, TaskFiles files) throws TaskException {
        List<Node> stack = stacks.get(task.processName());
        if (stack == null) {
            return WrappedTask.of(command);
        }
        Node inner = stack.getLast();
        SessionVariables variables = inner.entered.isDone() && !inner.entered.isCompletedExceptionally()
                ? inner.entered.join() : null;
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
        Node wrapper = stack.stream().filter(n -> n.def.wraps()).findFirst().orElse(null);
        if (wrapper != null) {
            ActionDef hook = wrapper.def.onWrapTaskRun().orElseThrow();
            List<String> assignments = new SessionVariables(environment, Set.of()).asAssignments();
            Optional<Duration> taskTime = task.resources().timeLimit();
            Values.Builder values = wrappedAction(wrapper.values.toBuilder(), argv, assignments, taskTime, null, null)
                    .put("WrappedStep.Name", task.processName());
            if (wrapper.def.wrapStyle() == WrapStyle.WRAP_TASK_RUN) {
                values.put("Task.Command", argv.getFirst())
                        .putStrings("Task.Args", argv.subList(1, argv.size()))
                        .putStrings("Task.Environment", assignments)
                        .put("Env.Action.Timeout", Value.ofNullable(taskTime.map(Duration::toSeconds).orElse(null)));
            }
            try {
                Values all = values.build();
                List<String> wrapped = new ArrayList<>();
                wrapped.add(hook.command().evaluate(all));
                wrapped.addAll(FormatString.evaluateArgs(hook.args(), all));
                argv = wrapped;
            } catch (FormatStringException e) {
                throw new TaskException("onWrapTaskRun of " + wrapper.describe() + " (" + hook.location()
                        + ") failed for task " + task.name() + ": " + e.getMessage(), e);
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
        LaunchCommand launched = new LaunchCommand(argv, environment, command.workDir());
        TaskOutputWatcher watcher = new TaskOutputWatcher(files.stdout(), secrets, time);
        return new Run(launched, timeLimit, killGrace, notify, watcher);
    }

    /** One task attempt inside the session. */
    private final class Run implements WrappedTask {
        private final LaunchCommand command;
        private final Optional<Duration> timeLimit;
        private final Optional<Duration> killGrace;
        private final boolean notify;
        private final TaskOutputWatcher watcher;

        Run(LaunchCommand command, Optional<Duration> timeLimit, Optional<Duration> killGrace, boolean notify,
                TaskOutputWatcher watcher) {
            this.command = command;
            this.timeLimit = timeLimit;
            this.killGrace = killGrace;
            this.notify = notify;
            this.watcher = watcher;
        }

        @Override
        public LaunchCommand command() {
            return command;
        }

        @Override
        public Optional<Duration> timeLimit() {
            return timeLimit;
        }

        @Override
        public Optional<Duration> killGrace() {
            return killGrace;
        }

        @Override
        public void beforeCancel(Duration grace) {
            if (!notify || grace.isZero()) {
                return;
            }
            try {
                RunningAction.writeCancelInfo(directory, time.now().plus(grace));
            } catch (IOException | RuntimeException e) {
                log.warn("could not write {} in {}: {}", RunningAction.CANCEL_INFO_FILE, directory, e.toString());
            }
        }

        @Override
        public void launched(Reports reports) {
            watcher.start(reports::status, reports::fail);
        }

        @Override
        public Ending ended() {
            Optional<String> said = watcher.finish();
            return new Ending(watcher.protocolFailure(), said);
        }
    }

    // ---- checks -----------------------------------------------------------------------------------

    /**
     * The health monitors of the environments that have an {@code onMonitor}: each checks the tasks
     * inside its environment, through the same loop as a plugin's monitors.
     */
    public List<TaskHealthMonitor> healthMonitors() {
        List<TaskHealthMonitor> monitors = new ArrayList<>();
        for (Node node : nodes) {
            node.def.monitor().ifPresent(m -> monitors.add(new EnvironmentHealthMonitor(node.key, m,
                    task -> stacks.getOrDefault(task.processName(), List.of()).contains(node), () -> check(node))));
        }
        return monitors;
    }

    /** Runs the environment's check once, with its current variables. */
    private Health check(Node node) throws InterruptedException {
        MonitorDef monitor = node.def.monitor().orElseThrow();
        List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        String[] lastLine = new String[1];
        RunningAction running;
        try {
            Action action = action(monitor.action(), node.values, node.variables, ActionKind.HEALTH_MONITOR,
                    Optional.of(DEFAULT_CHECK_TIMEOUT), null);
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
            return verdict(node, monitor, "the check could not start: " + e.getMessage());
        }
        ActionResult result;
        try {
            result = running.awaitResult();
        } catch (InterruptedException e) {
            // What the check watched has ended; so does the check.
            running.cancel("the checked action ended", Duration.ZERO);
            throw e;
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

    private static Health verdict(Node node, MonitorDef monitor, String why) {
        if (monitor.onFailure() == MonitorDef.OnFailure.LOG) {
            log.warn("health check of {} failed: {}", node.describe(), why);
            return Health.ok("health check failed: " + why);
        }
        return Health.unhealthy(why);
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
        List<Node> toExit;
        synchronized (lock) {
            if (closing) {
                return List.of();
            }
            closing = true;
            toExit = new ArrayList<>(attempted);
        }
        for (Node node : toExit) {
            RunningAction entering = node.entering;
            if (entering != null && !node.entered.isDone()) {
                entering.cancel("the run is ending before " + node.describe() + " was entered");
            }
        }
        Collections.reverse(toExit);
        List<String> problems = new ArrayList<>();
        for (Node node : toExit) {
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
                ActionResult result = runLifecycleAction(node, onExit.get(), ActionKind.ENVIRONMENT_EXIT, "exit",
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
        for (Node node : nodes) {
            if (node.def.onExit().isPresent()) {
                total = total.plus(node.def.onExit().get().resolveTimeout(ActionKind.ENVIRONMENT_EXIT)
                        .orElse(Duration.ofSeconds(300)));
            }
        }
        return total;
    }
}
