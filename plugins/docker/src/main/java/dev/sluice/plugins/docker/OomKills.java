package dev.sluice.plugins.docker;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Out-of-memory kills inside a run's containers, from the engine's event stream: the only word of one
 * in a session container, where the killed process is an exec and the container lives on.
 *
 * <p>The engine's events are real time, so they are stamped with {@link System#nanoTime}, not the run's clock.
 */
final class OomKills implements AutoCloseable {
    private final Logger log;
    /** Told when the event stream breaks before {@link #close}: the engine went away. */
    private final Runnable lost;
    /** When each container last had a process killed by the out-of-memory killer (nano time). */
    private final Map<String, Long> kills = new ConcurrentHashMap<>();
    private Engine engine;
    private Map<String, String> labels;
    private Closeable events;
    /** Counts the streams opened: the end of one closed on purpose (a rewatch) is not the engine's. */
    private int generation;
    private volatile boolean closed;

    OomKills(Logger log, Runnable lost) {
        this.log = log;
        this.lost = lost;
    }

    /** Follows the events of the containers carrying {@code labels}; without them, says what is lost. */
    synchronized void watch(Engine engine, Map<String, String> labels) {
        this.engine = engine;
        this.labels = labels;
        int mine = ++generation;
        try {
            events = engine.watchOutOfMemoryKills(labels, this::killed, error -> {
                log.debug("the engine's event stream ended: {}", error.toString());
                if (!closed && current(mine)) {
                    lost.run();
                }
            });
        } catch (EngineException e) {
            log.warn("cannot follow the engine's events; out-of-memory kills in session containers will show as "
                    + "exit code 137: {}", e.getMessage());
        }
    }

    private synchronized boolean current(int watch) {
        return watch == generation;
    }

    /** The engine answers again after going away: its event stream is opened anew. */
    synchronized void rewatch() {
        if (closed || engine == null) {
            return;
        }
        generation++; // the stream closed here ends on purpose
        closeEvents();
        watch(engine, labels);
    }

    /** The engine reported an out-of-memory kill in the container. */
    void killed(String containerId) {
        kills.put(containerId, System.nanoTime());
        log.debug("the engine reported an out-of-memory kill in container {}", containerId);
    }

    /** Whether the container had an out-of-memory kill at or after {@code systemNanos} ({@link System#nanoTime}). */
    boolean since(String containerId, long systemNanos) {
        Long at = kills.get(containerId);
        return at != null && at - systemNanos >= 0;
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeEvents();
    }

    private void closeEvents() {
        if (events != null) {
            try {
                events.close();
            } catch (IOException | RuntimeException e) {
                // The event stream ends with the connection either way.
            }
        }
    }
}
