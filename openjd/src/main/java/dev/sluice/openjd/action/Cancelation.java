package dev.sluice.openjd.action;

import java.time.Duration;
import java.util.Objects;

/**
 * How an action is canceled: on a {@link RunningAction#cancel} call, when it times out, or when its
 * output breaks the stdout protocol.
 *
 * @param mode         {@link Mode#TERMINATE} or {@link Mode#NOTIFY_THEN_TERMINATE}
 * @param notifyPeriod for {@code NOTIFY_THEN_TERMINATE}, the time between SIGTERM and SIGKILL (at most
 *                     {@link #MAX_NOTIFY_PERIOD}); zero for {@code TERMINATE}
 */
public record Cancelation(Mode mode, Duration notifyPeriod) {
    /** The longest notify period Open Job Description allows. */
    public static final Duration MAX_NOTIFY_PERIOD = Duration.ofSeconds(600);

    private static final Cancelation TERMINATE = new Cancelation(Mode.TERMINATE, Duration.ZERO);

    /** The cancelation modes of Open Job Description. */
    public enum Mode {
        /** SIGKILL to the action's whole process group at once. */
        TERMINATE,
        /**
         * Write {@code cancel_info.json} with the deadline where the action started, SIGTERM the group,
         * and SIGKILL it when the notify period has passed.
         */
        NOTIFY_THEN_TERMINATE
    }

    public Cancelation {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(notifyPeriod, "notifyPeriod");
        if (mode == Mode.TERMINATE && !notifyPeriod.isZero()) {
            throw new IllegalArgumentException("cancelation mode TERMINATE has no notify period, got "
                    + notifyPeriod + "; use NOTIFY_THEN_TERMINATE to give the action time to shut down");
        }
        if (mode == Mode.NOTIFY_THEN_TERMINATE
                && (notifyPeriod.isNegative() || notifyPeriod.isZero() || notifyPeriod.compareTo(MAX_NOTIFY_PERIOD) > 0)) {
            throw new IllegalArgumentException("cancelation notifyPeriodInSeconds must be between 1 and "
                    + MAX_NOTIFY_PERIOD.toSeconds() + " seconds, got " + notifyPeriod.toMillis() / 1000.0
                    + " s; give a period in that range, or leave it out for the default");
        }
    }

    /** SIGKILL at once; the default when an action names no cancelation. */
    public static Cancelation terminate() {
        return TERMINATE;
    }

    /** SIGTERM, then SIGKILL after {@code notifyPeriod}. */
    public static Cancelation notifyThenTerminate(Duration notifyPeriod) {
        return new Cancelation(Mode.NOTIFY_THEN_TERMINATE, notifyPeriod);
    }

    /** SIGTERM, then SIGKILL after the default period for this kind of action (120 s or 30 s). */
    public static Cancelation notifyThenTerminate(ActionKind kind) {
        return new Cancelation(Mode.NOTIFY_THEN_TERMINATE, kind.defaultNotifyPeriod());
    }
}
