package dev.sluice.plugins.docker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The containers a run created and has not removed yet, and what the engine says of their state:
 * created and started here, removed here (one by one as their tasks end, the rest when the run ends).
 */
final class Containers {
    /** How long the engine is given to attach to a new container's output. */
    static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(30);

    private final Engine engine;
    private final Logger log;
    /** Every container this run created and has not removed, by id, with its name. */
    private final Map<String, String> created = new ConcurrentHashMap<>();
    /** Briefly, so that many probes of one container make one request. */
    private final Cache<String, Optional<ContainerState>> states;

    Containers(Engine engine, TimeSource time, Logger log) {
        this.engine = engine;
        this.log = log;
        this.states = Caffeine.newBuilder().ticker(time::nanoTime).expireAfterWrite(Duration.ofMillis(500))
                .maximumSize(10_000).build();
    }

    /**
     * Creates and starts a container; with a sink, attaches it to the container's output first so that
     * nothing the container writes is missed. A container that cannot be started is removed.
     *
     * @throws EngineException when the engine refuses
     */
    String createAndStart(ContainerRequest request, OutputSink sink) throws TaskException {
        String id = engine.createContainer(request);
        created.put(id, request.name());
        try {
            if (sink != null && !engine.attach(id, sink, ATTACH_TIMEOUT)) {
                throw new TaskException("the Docker engine did not attach to container " + request.name()
                        + " within 30s");
            }
            engine.startContainer(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            remove(id);
            throw new TaskException("interrupted while starting container " + request.name());
        } catch (RuntimeException | TaskException e) {
            remove(id);
            throw e;
        }
        return id;
    }

    /**
     * The container's state, empty when it is gone; with {@code fresh} asked of the engine now, otherwise
     * maybe as it was up to half a second ago.
     *
     * @throws EngineException when the engine cannot say
     */
    Optional<ContainerState> state(String id, boolean fresh) {
        if (fresh) {
            states.invalidate(id);
        }
        return states.get(id, engine::inspectContainer);
    }

    /** Takes a container another run left behind into this run's care, so that it is removed like its own. */
    void adopt(String id, String name) {
        created.put(id, name);
    }

    /** Removes the container; a failure is logged, and the container is tried again when the run ends. */
    void remove(String id) {
        try {
            engine.removeContainer(id);
            created.remove(id);
        } catch (EngineException e) {
            if (e.is(EngineException.Kind.NOT_FOUND) || e.is(EngineException.Kind.CONFLICT)) {
                // Gone, or its removal already in progress (the engine is tearing it down): it goes by itself.
                created.remove(id);
            } else {
                log.warn("removing container {} failed: {}", created.getOrDefault(id, id), e.getMessage());
            }
        }
    }

    /** Removes every container the run still has; says which could not be removed. */
    void removeAll() {
        for (String id : new ArrayList<>(created.keySet())) {
            remove(id);
        }
        if (!created.isEmpty()) {
            log.warn("could not remove containers {}; remove them with docker rm -f", created.values());
        }
    }
}
