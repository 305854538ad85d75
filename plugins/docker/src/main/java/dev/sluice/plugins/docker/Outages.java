package dev.sluice.plugins.docker;

import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * An engine that stops answering for a while (a daemon restart) is waited out, for at most
 * {@code plugins.docker.daemonOutage}, before the tasks that need it fail: what a restart did to a task
 * is judged once the engine answers again. Waiting happens on the threads that found the engine gone
 * (a task's stream, a submit thread), never on the host's: with {@code submitConcurrency: 1} the host's
 * thread submits, and a submit then fails at once instead of waiting.
 */
final class Outages {
    /** How often a silent engine is asked again. */
    static final Duration PING_EVERY = Duration.ofSeconds(1);

    private final Engine engine;
    private final Duration grace;
    private final TimeSource time;
    private final Logger log;
    /** Told once each time the engine answers again after going silent. */
    private final Runnable back;
    /** When the engine was first found silent and has not answered since (nano time), or -1. */
    private volatile long silentSinceNanos = -1;

    Outages(Engine engine, Duration grace, TimeSource time, Logger log, Runnable back) {
        this.engine = engine;
        this.grace = grace;
        this.time = time;
        this.log = log;
        this.back = back;
    }

    Duration grace() {
        return grace;
    }

    /** The setting, for messages: "1m (plugins.docker.daemonOutage)". */
    String setting() {
        return Units.formatDuration(grace) + " (plugins." + DockerExecutor.NAME + "." + DockerSettings.DAEMON_OUTAGE
                + ")";
    }

    /**
     * Waits until the engine answers again; false once it has been silent for the whole grace (counted
     * from when anyone first found it silent), at once when the grace is zero.
     *
     * @param what what waits, for the log: "task 3", "submitting task 4"
     */
    boolean awaitEngine(String what) throws InterruptedException {
        long since = silentSince();
        log.warn("the Docker engine does not answer ({}); waiting up to {} for it", what, setting());
        while (true) {
            try {
                engine.ping();
                answered();
                log.info("the Docker engine answers again ({})", what);
                return true;
            } catch (EngineException e) {
                if (!e.is(EngineException.Kind.UNREACHABLE)) {
                    answered();
                    return true; // it answers, if not well: the caller's next request says how
                }
            }
            if (time.nanoTime() - since >= grace.toNanos()) {
                return false;
            }
            time.sleep(PING_EVERY);
        }
    }

    /**
     * Whether the engine is going away: asked after a task died of a signal nobody in sluice sent,
     * because a daemon that stops first closes its API (the run's event stream ends: {@link #wentSilent})
     * and only then signals the processes in its containers. One ping settles it when the event stream
     * has not said so yet.
     */
    boolean goingAway() {
        if (silentSinceNanos >= 0) {
            return true;
        }
        try {
            engine.ping();
            return false;
        } catch (EngineException e) {
            return e.is(EngineException.Kind.UNREACHABLE);
        }
    }

    /** Something that holds a connection to the engine lost it (the event stream ended): it is silent from now. */
    void wentSilent() {
        silentSince();
    }

    /** Whether the engine has been silent for longer than the grace, by what callers found; marks it silent now. */
    boolean silentTooLong() {
        return time.nanoTime() - silentSince() >= grace.toNanos();
    }

    /** The engine answered a request: an outage, if there was one, is over. */
    void answered() {
        if (silentSinceNanos < 0) {
            return;
        }
        boolean wasSilent;
        synchronized (this) {
            wasSilent = silentSinceNanos >= 0;
            silentSinceNanos = -1;
        }
        if (wasSilent) {
            back.run();
        }
    }

    private synchronized long silentSince() {
        if (silentSinceNanos < 0) {
            silentSinceNanos = time.nanoTime();
        }
        return silentSinceNanos;
    }
}
