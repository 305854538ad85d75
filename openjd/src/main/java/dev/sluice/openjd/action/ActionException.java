package dev.sluice.openjd.action;

/**
 * An action could not be started (its program or work directory is missing, the process could not be
 * created), or the runner lacks a system program it needs. The message says what to fix.
 */
public final class ActionException extends Exception {
    private static final long serialVersionUID = 1L;

    public ActionException(String message) {
        super(message);
    }

    public ActionException(String message, Throwable cause) {
        super(message, cause);
    }
}
