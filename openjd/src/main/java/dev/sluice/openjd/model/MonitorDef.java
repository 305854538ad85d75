package dev.sluice.openjd.model;

import java.time.Duration;
import java.util.Objects;

/**
 * An environment's {@code onMonitor} (extension {@code SLUICE_MONITOR}): a health check run every
 * {@code period} while the environment is entered.
 *
 * @param action           the check; it fails the way any action fails (exit status, timeout)
 * @param period           the time from the start of one check to the start of the next, at least 1 s
 * @param onFailure        what {@code failureThreshold} failures in a row do
 * @param failureThreshold how many checks in a row must fail before {@code onFailure} applies, at least 1
 */
public record MonitorDef(ActionDef action, Duration period, OnFailure onFailure, int failureThreshold) {

    /** The shortest period; a check more often than this would mostly measure itself. */
    public static final Duration MIN_PERIOD = Duration.ofSeconds(1);

    /** What failing checks do. */
    public enum OnFailure {
        /** Log the failure and keep going. */
        LOG,
        /** Fail the environment: its tasks are canceled and it is exited. */
        TERMINATE
    }

    public MonitorDef {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(onFailure, "onFailure");
        if (period.compareTo(MIN_PERIOD) < 0) {
            throw new IllegalArgumentException("monitor period " + period + " is below " + MIN_PERIOD);
        }
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold " + failureThreshold + " is below 1");
        }
    }
}
