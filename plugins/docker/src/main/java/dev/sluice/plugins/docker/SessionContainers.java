package dev.sluice.plugins.docker;

import dev.sluice.spi.TaskException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The run's session containers, one per image and set of mounts, each started by the first task that
 * needs it and replaced when it dies.
 */
final class SessionContainers {
    private final Containers containers;
    private final DockerSettings settings;
    private final RunLabels labels;
    private final String workRoot;
    /** The limits of every session container: the executor's capacity, within the engine's CPUs. */
    private final long nanoCpus;
    private final long memory;
    private final Logger log;
    private final Map<String, SessionContainer> sessions = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    SessionContainers(Containers containers, DockerSettings settings, RunLabels labels, String workRoot,
            long nanoCpus, long memory, Logger log) {
        this.containers = containers;
        this.settings = settings;
        this.labels = labels;
        this.workRoot = workRoot;
        this.nanoCpus = nanoCpus;
        this.memory = memory;
        this.log = log;
    }

    /**
     * The live session container for the image and mounts, started on first use and after the last one died.
     *
     * @throws TaskException when it stops at once (its keep-alive command does not run in the image)
     * @throws EngineException when the engine refuses
     */
    SessionContainer of(String image, List<Mount> mounts) throws TaskException {
        String key = image + "|" + mounts;
        SessionContainer current = sessions.get(key);
        if (current != null && current.isAlive()) {
            return current;
        }
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            current = sessions.get(key);
            if (current != null && current.isAlive()) {
                return current;
            }
            SessionContainer started = start(image, mounts);
            if (current != null) {
                log.warn("container {} {}; tasks of image {} now run in {}", current, current.death(), image, started);
            } else {
                log.info("started session container {} for image {}", started, image);
            }
            sessions.put(key, started);
            return started;
        }
    }

    private SessionContainer start(String image, List<Mount> mounts) throws TaskException {
        String name = labels.sessionName();
        ContainerRequest request = new ContainerRequest(image, name, settings.keepAlive(), List.of(), workRoot,
                settings.user(), labels.of(DockerSettings.Isolation.SESSION, null), mounts, settings.network(),
                nanoCpus, memory, Optional.empty());
        String id = containers.createAndStart(request, null);
        // A keep-alive command the image lacks ends at once; say so instead of failing every exec.
        ContainerState state = containers.state(id, true).orElse(null);
        if (state == null || !state.running()) {
            containers.remove(id);
            throw new TaskException("the session container of image " + image + " stopped at once ("
                    + ContainerState.describe(Optional.ofNullable(state)) + "); its keep-alive command "
                    + String.join(" ", settings.keepAlive()) + " does not run in that image: set "
                    + "plugins.docker.keepAlive to one that does, or use docker/isolation: task");
        }
        return new SessionContainer(id, name);
    }
}
