package dev.sluice.plugins.docker;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The requests the docker executor makes of the engine, in the plugin's own terms, so that its logic
 * can be tested against an engine written by hand. {@link DockerJavaEngine} is the real one.
 *
 * <p>Every method may throw {@link EngineException}, whose message is already in the engine's words.
 */
interface Engine extends AutoCloseable {

    /** The task's output as the engine streams it; {@link #ended} comes once, after the last bytes. */
    interface Output {
        void stdout(byte[] bytes);

        void stderr(byte[] bytes);

        /** The stream ended: the process ended, the container died or the connection broke. */
        void ended();
    }

    /**
     * An exec to create in a running container.
     *
     * @param argv    the command, an argument vector
     * @param env     {@code NAME=value} entries
     * @param workDir where it starts
     * @param user    {@code uid:gid} or a name; {@code null} for the container's user
     */
    record ExecRequest(List<String> argv, List<String> env, String workDir, String user) {
    }

    /**
     * What the engine says of an exec.
     *
     * @param running  whether its process still runs
     * @param pid      its process's pid on the host, when known
     * @param exitCode its exit code once it ended, when known
     */
    record ExecState(boolean running, Long pid, Long exitCode) {
    }

    /**
     * What the engine's store says of an image.
     *
     * @param id          its content's id, {@code sha256:<hex>}
     * @param repoDigests {@code name@sha256:<hex>} for each registry it came from
     */
    record ImageInfo(String id, List<String> repoDigests) {
        public ImageInfo {
            repoDigests = List.copyOf(repoDigests);
        }
    }

    /** What a pull reports as it goes. */
    interface Pulling {
        /** A layer's progress: its id, the engine's status ({@code Downloading}, ...), bytes done and in all (0: not said). */
        void layer(String id, String status, long current, long total);

        /** The pull ended: {@code failure} is {@code null} when it completed, else why not, in the engine's words. */
        void ended(String failure);
    }

    /** A container found by its labels: its id, its name without the leading {@code /}, and its labels. */
    record ListedContainer(String id, String name, Map<String, String> labels) {
    }

    /** @throws EngineException of kind {@link EngineException.Kind#UNREACHABLE} when it does not answer */
    void ping();

    /** The engine's CPUs, or 0 when it does not say. */
    int cpus();

    /** Creates (does not start) a container; returns its id. */
    String createContainer(ContainerRequest request);

    /**
     * Attaches {@code output} to the container's output from its very start (logs included).
     *
     * @return whether the engine attached within {@code timeout}
     */
    boolean attach(String containerId, Output output, Duration timeout) throws InterruptedException;

    void startContainer(String containerId);

    /** The container's state, empty when the engine does not know it (removed). */
    Optional<ContainerState> inspectContainer(String containerId);

    /** Waits up to {@code timeout} for the container's end; its exit code, when the engine gives one. */
    Integer waitContainer(String containerId, Duration timeout);

    /** Sends {@code signal} ({@code TERM}, {@code KILL}) to the container's first process. */
    void killContainer(String containerId, String signal);

    /** Removes the container, killing it if it runs, with its anonymous volumes. */
    void removeContainer(String containerId);

    /** Every container, running or not, that carries all of {@code labels}. */
    List<ListedContainer> listContainers(Map<String, String> labels);

    /** Creates an exec in a running container, its output attached; returns its id. */
    String createExec(String containerId, ExecRequest request);

    /** Starts the exec and streams its output into {@code output}; returns at once. */
    void startExec(String execId, Output output);

    ExecState inspectExec(String execId);

    /** Runs {@code argv} in the container as {@code user}, detached: nobody waits for it or reads its output. */
    void runDetached(String containerId, List<String> argv, String user);

    /**
     * Follows the engine's out-of-memory events of the containers carrying {@code labels}: each one's
     * container id goes to {@code killed}; {@code ended} hears why the stream ended, if it does.
     *
     * @return what stops following
     */
    Closeable watchOutOfMemoryKills(Map<String, String> labels, Consumer<String> killed, Consumer<Throwable> ended);

    /** The image in the engine's own store, empty when it has none; asks no registry. */
    Optional<ImageInfo> inspectImage(String image);

    /** Pulls the image from its registry, reporting to {@code pulling}; returns at once. */
    void pullImage(String image, Pulling pulling);

    /** Releases the connection. */
    @Override
    void close();
}
