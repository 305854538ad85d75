package dev.sluice.openjd.session;

import dev.sluice.openjd.action.Action;
import dev.sluice.openjd.action.ActionException;
import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.ActionListener;
import dev.sluice.openjd.action.ActionResult;
import dev.sluice.openjd.action.ActionRunner;
import dev.sluice.openjd.action.CancelSignals;
import dev.sluice.openjd.action.RunningAction;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.ActionDef;
import dev.sluice.openjd.model.ReferenceBehaviour;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an environment's enter and exit actions: through the wrapping environment's hook when there is
 * one, with the environment's check alongside. Entering and exiting differ only in which action and
 * hook they pass, so both run here.
 */
final class LifecycleActions {
    // The session's logger, so that the run's log names the same source as before the session was split.
    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);

    private final SessionActions actions;
    private final SessionChecks checks;
    private final ActionRunner runner;
    /** Whether the session has started exiting; an enter that starts after that cancels itself. */
    private final BooleanSupplier closing;
    /**
     * Whether an environment of the session declares REDACTED_ENV_VARS. Without it, OpenJD (RFC 0003)
     * still masks an {@code openjd_redacted_env} value but does not set the variable.
     */
    private final boolean redactedVariables;

    LifecycleActions(SessionActions actions, SessionChecks checks, ActionRunner runner, BooleanSupplier closing,
            boolean redactedVariables) {
        this.actions = actions;
        this.checks = checks;
        this.runner = runner;
        this.closing = closing;
        this.redactedVariables = redactedVariables;
    }

    /**
     * Runs an environment's enter or exit action, through the wrapping environment's hook when there is
     * one, with the environment's check alongside.
     *
     * @param applyVariables whether the action's {@code openjd_env} lines change the node's variables
     */
    ActionResult run(StackNode node, ActionDef def, ActionKind kind, String logName, Optional<ActionDef> hook,
            boolean applyVariables) throws FormatStringException, ActionException, InterruptedException, IOException {
        Files.createDirectories(node.dir);
        // Before every action, as OpenJD writes them; a wrap hook uses the wrapper's files too.
        StackNode.ActionFiles files = node.forAction();
        Optional<StackNode.ActionFiles> wrapperFiles = hook.isPresent() ? Optional.of(node.wrapper.forAction())
                : Optional.empty();
        SessionVariables variables = node.variables;
        Action action = actions.action(def, files.values(), variables, kind, Optional.empty(), null);
        if (hook.isPresent()) {
            StackNode wrapper = node.wrapper;
            Values wrapValues = SessionActions.wrappedAction(wrapperFiles.get().values().toBuilder(), action.argv(),
                    variables.asAssignments(), def.timeout(), def.cancelation().map(c -> c.mode().name()).orElse(null),
                    def.cancelation().flatMap(c -> c.notifyPeriodSeen(kind)).orElse(null))
                    .put("WrappedEnv.Name", node.def.openjdName())
                    .build();
            // The hook's own timeout and cancelation, where it gives them, else the wrapped action's.
            action = actions.action(hook.get(), wrapValues, variables, kind,
                    action.timeout(), hook.get().cancelation().isPresent() ? null : action.cancelation());
        }
        ActionListener listener = !applyVariables ? ActionListener.NONE
                : new VariableLines(node, redactedVariables) {
            @Override
            public void onStatus(String message) {
                log.info("{}: {}", node.describe(), message);
            }
        };
        // The environment whose action this is asks for the reference's signals, or the wrapper whose hook runs it.
        if (node.def.asReference(ReferenceBehaviour.CANCEL_SIGNALS)
                || (hook.isPresent() && node.wrapper.def.asReference(ReferenceBehaviour.CANCEL_SIGNALS))) {
            action = action.withSignals(CancelSignals.MAIN_PROCESS_THEN_TREE);
        }
        RunningAction running = runner.start(action, node.dir.resolve(logName + ".log"), listener);
        if (applyVariables) {
            node.entering = running;
            // exitAll() cancels the enters it finds running; one whose action started after it looked
            // cancels itself, so that exiting never waits for an enter to run to its end.
            if (closing.getAsBoolean()) {
                running.cancel("the run is ending before " + node.describe() + " was entered");
            }
        }
        Thread check = checks.alongside(node, logName, running);
        try {
            return running.awaitResult();
        } finally {
            if (check != null) {
                check.interrupt();
            }
        }
    }
}
