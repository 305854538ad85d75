package dev.sluice.openjd.model;

import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.Cancelation;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An action's {@code cancelation} as written. The notify period stays empty when the template leaves
 * it out, because its default depends on where the action runs ({@link ActionKind}); a wrap hook sees
 * the period with that default applied ({@link #notifyPeriodSeen}).
 *
 * @param mode         the cancelation mode
 * @param notifyPeriod for {@code NOTIFY_THEN_TERMINATE}, the period written (1 to 600 s), if any;
 *                     always empty for {@code TERMINATE}
 */
public record CancelationDef(Cancelation.Mode mode, Optional<Duration> notifyPeriod) {

    public CancelationDef {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(notifyPeriod, "notifyPeriod");
        if (mode == Cancelation.Mode.TERMINATE && notifyPeriod.isPresent()) {
            throw new IllegalArgumentException("TERMINATE has no notify period");
        }
    }

    /**
     * {@code WrappedAction.Cancelation.NotifyPeriodInSeconds} of a wrapped action of {@code kind}: the
     * period written, else the schema's default for the kind (30 s for an environment's actions, 120 s for
     * a task's run), as RFC 0008 says; empty for {@code TERMINATE}, which has none (issue 18: a wrapper
     * writing {@code docker stop -t {{ ... }}} got an empty value).
     */
    public Optional<Duration> notifyPeriodSeen(ActionKind kind) {
        return mode == Cancelation.Mode.TERMINATE ? Optional.empty()
                : Optional.of(notifyPeriod.orElse(kind.defaultNotifyPeriod()));
    }

    /** The cancelation to run the action with, defaults applied for an action of {@code kind}. */
    public Cancelation resolve(ActionKind kind) {
        return mode == Cancelation.Mode.TERMINATE ? Cancelation.terminate()
                : Cancelation.notifyThenTerminate(notifyPeriod.orElse(kind.defaultNotifyPeriod()));
    }
}
