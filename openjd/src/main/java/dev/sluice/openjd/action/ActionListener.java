package dev.sluice.openjd.action;

/**
 * Hears what a running action reports, as it happens. Called on the thread reading the action's output,
 * one call at a time and in output order, never after the action's result is complete; a listener that
 * throws is logged and does not stop the action. Every method does nothing by default.
 *
 * <p>Secrets of the session are masked in output lines, status and fail messages; values of
 * {@link #onEnvironmentSet} are passed as they are, since the session must apply them.
 */
public interface ActionListener {
    /** A listener that ignores everything. */
    ActionListener NONE = new ActionListener() {
    };

    /** One line of the action's stdout or stderr (the two are merged), secrets masked. */
    default void onOutput(String line) {
    }

    /**
     * {@code openjd_env: NAME=VALUE} or {@code openjd_redacted_env: NAME=VALUE}: the session should set
     * the variable for later actions.
     *
     * @param redacted whether the value is a secret, masked in every later log line of the session
     */
    default void onEnvironmentSet(String name, String value, boolean redacted) {
    }

    /** {@code openjd_unset_env: NAME}: the session should unset the variable for later actions. */
    default void onEnvironmentUnset(String name) {
    }

    /** {@code openjd_status: MESSAGE}: what the action is doing now. */
    default void onStatus(String message) {
    }

    /** {@code openjd_progress: N}: how far the action is, 0 to 100. */
    default void onProgress(double percent) {
    }

    /** {@code openjd_fail: MESSAGE}: why the action is failing; becomes the result's failure message. */
    default void onFailMessage(String message) {
    }
}
