package dev.sluice.openjd.action;

import java.time.Duration;
import java.util.Optional;

/**
 * Where an action sits in a session. Open Job Description gives the kinds different defaults: a task
 * run may take 120 s to shut down after a notify, everything else 30 s, and an environment's exit
 * action is bounded by 300 s when its template gives no timeout.
 */
public enum ActionKind {
    /** A task's {@code onRun} action, wrapped or not. */
    TASK_RUN(Duration.ofSeconds(120), null),
    /** An environment's {@code onEnter} action. */
    ENVIRONMENT_ENTER(Duration.ofSeconds(30), null),
    /** An environment's {@code onExit} action. */
    ENVIRONMENT_EXIT(Duration.ofSeconds(30), Duration.ofSeconds(300)),
    /** A health monitor's check. */
    HEALTH_MONITOR(Duration.ofSeconds(30), null);

    private final Duration defaultNotifyPeriod;
    private final Duration defaultTimeout;

    ActionKind(Duration defaultNotifyPeriod, Duration defaultTimeout) {
        this.defaultNotifyPeriod = defaultNotifyPeriod;
        this.defaultTimeout = defaultTimeout;
    }

    /** The notify period of {@code NOTIFY_THEN_TERMINATE} when the action gives none. */
    public Duration defaultNotifyPeriod() {
        return defaultNotifyPeriod;
    }

    /** The timeout when the action gives none; empty means it may run for ever. */
    public Optional<Duration> defaultTimeout() {
        return Optional.ofNullable(defaultTimeout);
    }
}
