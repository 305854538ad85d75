package dev.sluice.plugins.docker;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A Docker Engine written by hand for the executor's unit tests: containers and execs that run until
 * a test ends them, output streams that end with them, out-of-memory events, and an engine that can be
 * down. Every request is recorded, so tests can say what was asked and count requests.
 *
 * <p>Ends are delivered on the caller's thread, as the engine's client delivers them on its stream's.
 */
final class FakeEngine implements Engine {
    static final class Container {
        final String id;
        final ContainerRequest request;
        final Map<String, String> labels;
        final String name;
        Output output;
        String status = "created";
        boolean running;
        boolean paused;
        Long exitCode;
        boolean oomKilled;
        String error;
        boolean removed;
        /** How many more inspections report it running after it died (the engine's lag). */
        int staleRunningReports;
        /** Whether its task ignores SIGTERM. */
        boolean ignoresTerm;
        final List<String> signals = new ArrayList<>();

        Container(String id, ContainerRequest request, String name, Map<String, String> labels) {
            this.id = id;
            this.request = request;
            this.name = name;
            this.labels = labels;
        }
    }

    static final class Exec {
        final String id;
        final String containerId;
        final ExecRequest request;
        Output output;
        boolean running;
        Long pid;
        Long exitCode;

        Exec(String id, String containerId, ExecRequest request) {
            this.id = id;
            this.containerId = containerId;
            this.request = request;
        }
    }

    final List<String> calls = new ArrayList<>();
    final Map<String, Container> containers = new LinkedHashMap<>();
    final Map<String, Exec> execs = new LinkedHashMap<>();
    final List<List<String>> detached = new ArrayList<>();
    /** Every request fails as an engine that does not answer would. */
    volatile boolean down;
    /** When set, the engine stops answering right after it creates the next container (and is back two pings later). */
    boolean downAfterCreate;
    /** Creates that fail as unreachable while pings answer (a request the engine drops, not an outage). */
    int unreachableCreates;
    /** While down, the engine answers again after this many more pings (a restart); 0: it stays down. */
    int upAfterPings;
    /** When set, container creation is refused with this message. */
    String refuseCreate;
    /** Images whose keep-alive command is missing: a container of theirs exits at once with 127. */
    final List<String> imagesWithoutSleep = new ArrayList<>();
    /** Whether the engine attaches to a container's output. */
    boolean attaches = true;
    /** What waitContainer answers instead of the container's exit code, when set. */
    EngineException waitFailure;
    /** What listContainers answers instead of the containers, when set. */
    EngineException listFailure;
    /** What inspectExec answers instead of the exec's state, when set. */
    EngineException inspectExecFailure;
    /** What startExec answers instead of starting the exec, when set; its stream has ended by then. */
    EngineException startExecFailure;
    /** The exit code of an exec that ends before startExec returns (its stream too), when set. */
    Long execExitsAtStart;
    int cpus = 8;
    /** The engine's image store, by the reference an image was pulled or loaded as. */
    final Map<String, ImageInfo> images = new LinkedHashMap<>();
    /** What registries serve, by reference; a pull of anything else fails as a registry's "not found" does. */
    final Map<String, ImageInfo> registry = new LinkedHashMap<>();
    Map<String, String> oomLabels;
    Consumer<String> oomListener;
    /** Where the event stream's end goes: a test ends it as a stopping daemon does. */
    Consumer<Throwable> oomEnded;
    boolean eventsRefused;
    boolean eventsClosed;
    boolean closed;
    private int nextId = 1;

    /** A container that another run left, as {@code docker ps} would list it. */
    synchronized Container leftover(String name, Map<String, String> labels) {
        Container c = new Container(id("c"), null, name, labels);
        c.status = "running";
        c.running = true;
        containers.put(c.id, c);
        return c;
    }

    private String id(String kind) {
        // 64 hex-like characters, unique in their first 12 as the engine's are.
        return String.format("%s%011d", kind, nextId++) + "f".repeat(52);
    }

    private void record(String call) {
        calls.add(call);
        if (down) {
            throw new EngineException(EngineException.Kind.UNREACHABLE,
                    "cannot reach the Docker daemon at unix:///fake.sock (Connection refused); start the engine "
                            + "(dockerd) or point plugins.docker.host at it");
        }
    }

    synchronized long count(String call) {
        return calls.stream().filter(c -> c.equals(call) || c.startsWith(call + " ")).count();
    }

    @Override
    public synchronized void ping() {
        if (down && upAfterPings > 0 && --upAfterPings == 0) {
            down = false;
        }
        record("ping");
    }

    @Override
    public synchronized int cpus() {
        record("info");
        return cpus;
    }

    @Override
    public synchronized String createContainer(ContainerRequest request) {
        record("create " + request.name());
        if (unreachableCreates > 0) {
            unreachableCreates--;
            throw new EngineException(EngineException.Kind.UNREACHABLE, "the connection was reset");
        }
        if (refuseCreate != null) {
            throw new EngineException(EngineException.Kind.FAILED, refuseCreate,
                    "Status 400: {\"message\":\"" + refuseCreate + "\"}", null);
        }
        boolean taken = containers.values().stream().anyMatch(c -> !c.removed && c.name.equals(request.name()));
        if (taken) {
            throw new EngineException(EngineException.Kind.CONFLICT, "Conflict. The container name \"/" + request.name()
                    + "\" is already in use");
        }
        Container c = new Container(id("c"), request, request.name(), request.labels());
        containers.put(c.id, c);
        if (downAfterCreate) {
            downAfterCreate = false;
            down = true;
            upAfterPings = 2;
        }
        return c.id;
    }

    @Override
    public synchronized boolean attach(String containerId, Output output, Duration timeout) {
        record("attach " + containerId);
        container(containerId).output = output;
        return attaches;
    }

    @Override
    public synchronized void startContainer(String containerId) {
        record("start " + containerId);
        Container c = container(containerId);
        if (imagesWithoutSleep.contains(c.request.image())) {
            c.status = "exited";
            c.exitCode = 127L;
            c.error = "exec: \"sleep\": executable file not found in $PATH";
            return;
        }
        c.status = "running";
        c.running = true;
    }

    @Override
    public synchronized Optional<ContainerState> inspectContainer(String containerId) {
        record("inspect " + containerId);
        Container c = containers.get(containerId);
        if (c == null || c.removed) {
            return Optional.empty();
        }
        if (c.staleRunningReports > 0 && !c.running) {
            c.staleRunningReports--;
            return Optional.of(new ContainerState("running", true, false, null, false, null));
        }
        return Optional.of(new ContainerState(c.status, c.running, c.paused, c.exitCode, c.oomKilled, c.error));
    }

    @Override
    public synchronized Integer waitContainer(String containerId, Duration timeout) {
        record("wait " + containerId);
        if (waitFailure != null) {
            throw waitFailure;
        }
        Container c = container(containerId);
        return c.exitCode == null ? null : c.exitCode.intValue();
    }

    @Override
    public void killContainer(String containerId, String signal) {
        boolean ends;
        synchronized (this) {
            record("kill " + signal + " " + containerId);
            Container c = container(containerId);
            if (!c.running) {
                throw new EngineException(EngineException.Kind.CONFLICT, "Container " + containerId + " is not running");
            }
            c.signals.add(signal);
            ends = signal.equals("KILL") || !c.ignoresTerm;
        }
        // Its first process passes the signal on to the task, which ends by it unless it ignores SIGTERM.
        if (ends) {
            exitContainer(containerId, signal.equals("KILL") ? 137 : 143, false);
        }
    }

    @Override
    public void removeContainer(String containerId) {
        boolean wasRunning;
        synchronized (this) {
            record("remove " + containerId);
            Container c = containers.get(containerId);
            if (c == null) {
                // The engine takes a name wherever it takes an id.
                c = containers.values().stream().filter(x -> !x.removed && x.name.equals(containerId)).findFirst()
                        .orElse(null);
            }
            if (c == null || c.removed) {
                throw new EngineException(EngineException.Kind.NOT_FOUND, "No such container: " + containerId);
            }
            c.removed = true;
            wasRunning = c.running;
        }
        // Removing a running container kills it, and ends its streams on their own threads.
        if (wasRunning) {
            Thread.ofPlatform().daemon().name("fake-engine-stream").start(() -> die(containerId, 137));
        }
    }

    @Override
    public synchronized List<ListedContainer> listContainers(Map<String, String> labels) {
        record("list " + labels);
        if (listFailure != null) {
            throw listFailure;
        }
        return containers.values().stream().filter(c -> !c.removed && c.labels.entrySet().containsAll(labels.entrySet()))
                .map(c -> new ListedContainer(c.id, c.name, c.labels)).toList();
    }

    @Override
    public synchronized String createExec(String containerId, ExecRequest request) {
        record("exec-create " + containerId);
        Container c = containers.get(containerId);
        if (c == null || c.removed) {
            throw new EngineException(EngineException.Kind.NOT_FOUND, "No such container: " + containerId);
        }
        if (!c.running) {
            throw new EngineException(EngineException.Kind.CONFLICT, "Container " + containerId + " is not running");
        }
        Exec e = new Exec(id("e"), containerId, request);
        execs.put(e.id, e);
        return e.id;
    }

    @Override
    public void startExec(String execId, Output output) {
        synchronized (this) {
            record("exec-start " + execId);
            Exec e = execs.get(execId);
            e.output = output;
            e.running = true;
        }
        if (startExecFailure != null) {
            exitExec(execId, null);
            throw startExecFailure;
        }
        if (execExitsAtStart != null) {
            exitExec(execId, execExitsAtStart);
        }
    }

    @Override
    public synchronized ExecState inspectExec(String execId) {
        record("exec-inspect " + execId);
        if (inspectExecFailure != null) {
            throw inspectExecFailure;
        }
        Exec e = execs.get(execId);
        return new ExecState(e.running, e.pid, e.exitCode);
    }

    @Override
    public synchronized void runDetached(String containerId, List<String> argv, String user) {
        record("exec-detached " + containerId);
        detached.add(List.copyOf(argv));
    }

    @Override
    public synchronized Closeable watchOutOfMemoryKills(Map<String, String> labels, Consumer<String> killed,
            Consumer<Throwable> ended) {
        record("events " + labels);
        if (eventsRefused) {
            throw new EngineException(EngineException.Kind.FAILED, "events are off");
        }
        oomLabels = labels;
        oomListener = killed;
        oomEnded = ended;
        // As the engine's client does: closing the stream ends it, and its reader says so.
        return () -> {
            eventsClosed = true;
            ended.accept(new java.io.IOException("Stream closed"));
        };
    }

    @Override
    public synchronized Optional<ImageInfo> inspectImage(String image) {
        record("image-inspect " + image);
        return Optional.ofNullable(images.get(image));
    }

    @Override
    public synchronized void pullImage(String image, Pulling pulling) {
        record("pull " + image);
        ImageInfo served = registry.get(image);
        // As the engine's client does: the pull goes on, and ends, on a thread of its own.
        Thread.ofPlatform().daemon().name("fake-engine-pull").start(() -> {
            if (served == null) {
                pulling.ended("manifest for " + image + " not found: manifest unknown");
                return;
            }
            pulling.layer("aaa", "Downloading", 512, 1024);
            synchronized (this) {
                images.put(image, served);
            }
            pulling.ended(null);
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    // ---- what happens on the engine, played by tests ----------------------------------------------

    synchronized Container container(String id) {
        Container c = containers.get(id);
        if (c == null) {
            throw new EngineException(EngineException.Kind.NOT_FOUND, "No such container: " + id);
        }
        return c;
    }

    synchronized Container containerNamed(String name) {
        return containers.values().stream().filter(c -> c.name.equals(name)).findFirst().orElseThrow();
    }

    synchronized List<Container> created() {
        return containers.values().stream().filter(c -> c.request != null).toList();
    }

    synchronized Exec lastExec() {
        return execs.values().stream().reduce((a, b) -> b).orElseThrow();
    }

    /** The task's process writes to its streams. */
    void write(Output output, String stdout, String stderr) {
        if (!stdout.isEmpty()) {
            output.stdout(stdout.getBytes(StandardCharsets.UTF_8));
        }
        if (!stderr.isEmpty()) {
            output.stderr(stderr.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The exec's process exits with {@code code} ({@code null}: the engine never learns it); its stream ends. */
    void exitExec(String execId, Long code) {
        Output output;
        synchronized (this) {
            Exec e = execs.get(execId);
            e.running = false;
            e.exitCode = code;
            output = e.output;
        }
        output.ended();
    }

    /** The container's first process exits with {@code code}: its stream and its execs' end. */
    void exitContainer(String containerId, long code, boolean oomKilled) {
        synchronized (this) {
            stoppedUnseen(containerId, code);
            container(containerId).oomKilled = oomKilled;
        }
        endStreams(containerId, code);
    }

    /** The container stopped, and no stream has told anyone yet (it held no task, or the engine lags). */
    synchronized void stoppedUnseen(String containerId, long code) {
        Container c = container(containerId);
        c.running = false;
        c.status = "exited";
        c.exitCode = code;
    }

    /** The connection to the container's output drops (its stream ends) while the container runs on. */
    void streamLost(String containerId) {
        Output output;
        synchronized (this) {
            Container c = container(containerId);
            output = c.output;
            c.output = null;
        }
        output.ended();
    }

    /** The container is killed (from outside sluice, or removed): everything in it ends by SIGKILL. */
    void die(String containerId, long code) {
        exitContainer(containerId, code, false);
    }

    private void endStreams(String containerId, long code) {
        List<Output> ended = new ArrayList<>();
        synchronized (this) {
            for (Exec e : execs.values()) {
                if (e.containerId.equals(containerId) && e.running) {
                    e.running = false;
                    e.exitCode = code;
                    ended.add(e.output);
                }
            }
            Container c = containers.get(containerId);
            if (c.output != null) {
                ended.add(c.output);
                c.output = null;
            }
        }
        ended.forEach(Output::ended);
    }

    /** The container is removed from outside sluice ({@code docker rm -f}): everything in it ends. */
    void removedFromOutside(String containerId) {
        synchronized (this) {
            container(containerId).removed = true;
        }
        die(containerId, 137);
    }

    /** The engine reports an out-of-memory kill in the container. */
    void oomEvent(String containerId) {
        Consumer<String> listener;
        synchronized (this) {
            listener = oomListener;
        }
        listener.accept(containerId);
    }
}
