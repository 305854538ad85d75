package dev.sluice.openjd.session;

import dev.sluice.openjd.action.ActionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies an action's {@code openjd_env}, {@code openjd_redacted_env} and {@code openjd_unset_env} lines
 * to an environment instance's variables: an enter's, and, where the pipeline asks for
 * {@code taskVariables}, a wrapped task's.
 */
class VariableLines implements ActionListener {
    // The session's logger, so that the run's log names the same source as before the session was split.
    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);

    private final StackNode node;
    /**
     * Whether an environment of the session declares REDACTED_ENV_VARS. Without it, OpenJD (RFC 0003)
     * still masks an {@code openjd_redacted_env} value but does not set the variable.
     */
    private final boolean redactedVariables;

    VariableLines(StackNode node, boolean redactedVariables) {
        this.node = node;
        this.redactedVariables = redactedVariables;
    }

    @Override
    public void onEnvironmentSet(String name, String value, boolean redacted) {
        if (redacted && !redactedVariables) {
            log.warn("{}: openjd_redacted_env {} is masked but not set, as in Open Job Description: no"
                    + " environment of the run declares the extension; add extensions: [REDACTED_ENV_VARS] to"
                    + " {} to set it", node.describe(), name, node.def.templateFile()
                    .map(f -> "the top of " + f).orElse("the definition at " + node.def.location()));
            return;
        }
        // Read, change and write as one: a check may read the variables while a line is applied.
        synchronized (node) {
            node.variables = node.variables.with(name, value);
        }
    }

    @Override
    public void onEnvironmentUnset(String name) {
        synchronized (node) {
            node.variables = node.variables.without(name);
        }
    }
}
