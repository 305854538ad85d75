package dev.sluice.openjd.session;

import dev.sluice.openjd.action.Action;
import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.Cancelation;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.ActionDef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns an environment's action definitions into {@link Action}s that run in the session directory.
 * Enter and exit actions, checks and wrap hooks all build theirs here, so that timeouts, cancelation
 * and the {@code WrappedAction.*} values are resolved one way.
 */
final class SessionActions {
    private final Path directory;

    SessionActions(Path directory) {
        this.directory = directory;
    }

    /**
     * An action ready to run in the session directory.
     *
     * @param fallbackTimeout     used when the definition gives none, before its kind's default (a wrap
     *                            hook's: the wrapped action's timeout)
     * @param fallbackCancelation used instead of the definition's when not null
     */
    Action action(ActionDef def, Values values, SessionVariables variables, ActionKind kind,
            Optional<Duration> fallbackTimeout, Cancelation fallbackCancelation) throws FormatStringException {
        List<String> argv = new ArrayList<>();
        argv.add(def.command().evaluate(values));
        argv.addAll(FormatString.evaluateArgs(def.args(), values));
        Optional<Duration> timeout = def.timeout().or(() -> fallbackTimeout).or(kind::defaultTimeout);
        Cancelation cancelation = fallbackCancelation != null ? fallbackCancelation : def.resolveCancelation(kind);
        return new Action(argv, variables.set(), variables.unset(), directory, timeout, cancelation);
    }

    /** The {@code WrappedAction.*} values of a wrap hook. */
    static Values.Builder wrappedAction(Values.Builder values, List<String> argv, List<String> environment,
            Optional<Duration> timeout, String cancelationMode, Duration notifyPeriod) {
        return values
                .put("WrappedAction.Command", argv.getFirst())
                .putStrings("WrappedAction.Args", argv.subList(1, argv.size()))
                .putStrings("WrappedAction.Environment", environment)
                .put("WrappedAction.Timeout", Value.ofNullable(timeout.map(Duration::toSeconds).orElse(null)))
                .put("WrappedAction.Cancelation.Mode", Value.ofNullable(cancelationMode))
                .put("WrappedAction.Cancelation.NotifyPeriodInSeconds",
                        Value.ofNullable(notifyPeriod == null ? null : notifyPeriod.toSeconds()));
    }
}
