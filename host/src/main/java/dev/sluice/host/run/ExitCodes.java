package dev.sluice.host.run;

/** The exit codes of the sluice command; documented in docs/user-guide/cli.md. */
public final class ExitCodes {
    /** Every task succeeded, was cached, or failed under errorStrategy ignore. */
    public static final int OK = 0;
    /** One or more tasks failed (the summary lists them). */
    public static final int TASKS_FAILED = 1;
    /**
     * Bad input: the command line (a work directory, trace or report path that cannot be written), the
     * pipeline or the config; nothing ran.
     */
    public static final int INVALID_INPUT = 2;
    /** A plugin is missing, wrong, incompatible or failed to start; nothing ran. */
    public static final int PLUGIN_ERROR = 3;
    /** A bug in sluice, or the host running out of memory. */
    public static final int INTERNAL_ERROR = 4;
    /** The run was stopped by a signal (SIGINT gives 130, SIGTERM 143, as for any program). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
