package dev.sluice.openjd.model;

/** How an environment wraps the actions inside it, if it does. */
public enum WrapStyle {
    /** It wraps nothing: its inner environments and tasks run as they are. */
    NONE,
    /** The earlier OpenJD draft: only {@code onWrapTaskRun}, which runs instead of each task. */
    WRAP_TASK_RUN,
    /**
     * OpenJD RFC 0008: {@code onWrapEnvEnter}, {@code onWrapTaskRun} and {@code onWrapEnvExit} run
     * instead of inner environments' enter and exit actions and each task.
     */
    WRAP_ACTIONS
}
