package dev.sluice.openjd.model;

import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.Cancelation;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.yaml.Location;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An OpenJD {@code <Action>} as written: command and arguments parsed and checked for the place the
 * action is used, not yet evaluated.
 *
 * @param command     the program, a format string
 * @param args        its arguments, format strings; empty when the action has none
 * @param timeout     the timeout written, whole seconds of at least 1, if any
 * @param cancelation the cancelation written, if any; empty means TERMINATE, but a wrap hook sees it
 *                    as not declared
 * @param location    where the action is written, for messages at run time
 */
public record ActionDef(FormatString command, List<FormatString> args, Optional<Duration> timeout,
        Optional<CancelationDef> cancelation, Location location) {

    public ActionDef {
        Objects.requireNonNull(command, "command");
        args = List.copyOf(args);
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(cancelation, "cancelation");
        Objects.requireNonNull(location, "location");
    }

    /** The cancelation to run with as an action of {@code kind}: TERMINATE when none is written. */
    public Cancelation resolveCancelation(ActionKind kind) {
        return cancelation.map(c -> c.resolve(kind)).orElse(Cancelation.terminate());
    }

    /** The timeout to run with as an action of {@code kind}: the one written, else the kind's default. */
    public Optional<Duration> resolveTimeout(ActionKind kind) {
        return timeout.isPresent() ? timeout : kind.defaultTimeout();
    }
}
