package dev.sluice.plugins.docker;

import dev.sluice.kit.StatusTable;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * Starts a task's attempt on the engine, by exec in its session container or in a container of its
 * own, with its output streamed into its files and its end handed to {@link TaskEnds}.
 */
final class Launcher {
    private final Engine engine;
    private final Containers containers;
    private final SessionContainers sessions;
    private final StatusTable<EngineAttempt> runs;
    private final TaskEnds ends;
    private final DockerSettings settings;
    private final RunLabels labels;
    private final TimeSource time;
    private final Logger log;
    /** The operator's secret variables, which a container does not inherit from sluice as a local task does. */
    private final Map<String, String> secrets;

    Launcher(Engine engine, Containers containers, SessionContainers sessions, StatusTable<EngineAttempt> runs,
            TaskEnds ends, DockerSettings settings, RunLabels labels, TimeSource time, Logger log,
            Map<String, String> secrets) {
        this.engine = engine;
        this.containers = containers;
        this.sessions = sessions;
        this.runs = runs;
        this.ends = ends;
        this.settings = settings;
        this.labels = labels;
        this.time = time;
        this.log = log;
        this.secrets = Map.copyOf(secrets);
    }

    /** @throws EngineException when the engine refuses */
    SubmittedTask inSession(TaskLaunch launch, TaskOptions options, List<Mount> mounts) throws TaskException {
        SessionContainer session = sessions.of(options.image(), mounts);
        String execId;
        try {
            execId = createExec(session, launch);
        } catch (EngineException e) {
            if (!e.is(EngineException.Kind.CONFLICT) && !e.is(EngineException.Kind.NOT_FOUND)) {
                throw e;
            }
            // It died between two tasks: the next task of its kind gets a fresh one.
            session.died(ContainerState.describe(containers.state(session.id, true)));
            session = sessions.of(options.image(), mounts);
            execId = createExec(session, launch);
        }
        SubmittedTask submitted = new SubmittedTask(launch.task().id(), launch.task().attempt(),
                session.name + "/" + execId.substring(0, Math.min(12, execId.length())));
        EngineAttempt run = new EngineAttempt(launch, submitted, session, session.id, session.name, execId,
                System.nanoTime(), time.now());
        OutputSink sink = sink(launch, () -> ends.execEnded(run));
        try {
            engine.startExec(execId, sink);
        } catch (RuntimeException e) {
            sink.abandon();
            throw e;
        }
        // Held only once the exec started, and its end let through only once it is held.
        runs.add(submitted, run, TaskStatus.running(run.startedAt));
        sink.ready();
        return submitted;
    }

    private String createExec(SessionContainer session, TaskLaunch launch) {
        return engine.createExec(session.id, new Engine.ExecRequest(launch.command().argv(),
                env(withSecrets(launch.command().environment())), launch.command().workDir().toString(),
                settings.user()));
    }

    /** @throws EngineException when the engine refuses */
    SubmittedTask inOwnContainer(TaskLaunch launch, TaskOptions options, List<Mount> mounts,
            Optional<ContainerRequest.Gpus> gpus) throws TaskException {
        TaskHandle task = launch.task();
        String name = labels.taskName(task.id(), task.attempt());
        Map<String, String> withSecrets = withSecrets(launch.command().environment());
        Map<String, String> environment = gpus.map(g -> g.containerEnvironment(withSecrets)).orElse(withSecrets);
        ContainerRequest request = new ContainerRequest(options.image(), name, launch.command().argv(),
                env(environment), launch.command().workDir().toString(), settings.user(),
                labels.of(DockerSettings.Isolation.TASK, task.id()), mounts, settings.network(),
                task.resources().cpus() * 1_000_000_000L, task.resources().memoryBytes(), gpus);
        SubmittedTask submitted = new SubmittedTask(task.id(), task.attempt(), name);
        EngineAttempt[] holder = new EngineAttempt[1];
        OutputSink sink = sink(launch, () -> ends.containerEnded(holder[0]));
        // Taken before the start: an out-of-memory event of a container that dies at once may come
        // before createAndStart returns.
        long startNanos = System.nanoTime();
        String id;
        try {
            id = containers.createAndStart(request, sink);
        } catch (RuntimeException | TaskException e) {
            sink.abandon();
            throw e;
        }
        EngineAttempt run = new EngineAttempt(launch, submitted, null, id, name, null, startNanos, time.now());
        holder[0] = run;
        runs.add(submitted, run, TaskStatus.running(run.startedAt));
        sink.ready();
        return submitted;
    }

    /**
     * Removes what a start cut short by the engine going away left of the attempt (its container, by its
     * name), so that the start can be tried again under the same name.
     */
    void clearInterruptedStart(TaskLaunch launch) {
        containers.remove(labels.taskName(launch.task().id(), launch.task().attempt()));
    }

    private OutputSink sink(TaskLaunch launch, Runnable onEnd) throws TaskException {
        try {
            return new OutputSink(launch.files().stdout(), launch.files().stderr(), onEnd, log);
        } catch (IOException e) {
            throw new TaskException("cannot write the output of task " + launch.task().name() + " into "
                    + launch.files().workDir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The task's environment on top of the secrets, as a local task's is on top of sluice's own. Handed to the
     * engine in the request only: nothing the executor writes holds them.
     */
    private Map<String, String> withSecrets(Map<String, String> environment) {
        if (secrets.isEmpty()) {
            return environment;
        }
        Map<String, String> all = new LinkedHashMap<>(secrets);
        all.putAll(environment);
        return all;
    }

    private static List<String> env(Map<String, String> environment) {
        return environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
