package dev.sluice.openjd.action;

/** How an action ended. */
public enum ActionState {
    /** Its process exited with status 0 and nothing canceled it. */
    SUCCEEDED,
    /** Its process exited non-zero, or its output broke the stdout protocol. */
    FAILED,
    /** It ran past its timeout and was canceled. */
    TIMEOUT,
    /** Someone called {@link RunningAction#cancel}; the result holds their reason. */
    CANCELED
}
