package dev.sluice.openjd.action;

/** Which processes of an action hear a cancel's SIGTERM and SIGKILL. */
public enum CancelSignals {
    /**
     * sluice's way: both go to the action's whole process group, so that a pipeline or a
     * {@code docker exec} it started hears the notice too and nothing outlives the cancel.
     */
    PROCESS_GROUP,
    /**
     * The reference runtime's way: SIGTERM to the action's main process only, which decides what its
     * children hear; SIGKILL to its process group and to every process descended from it, also one that
     * left the group. The group is still killed when the main process exits during the notify period.
     */
    MAIN_PROCESS_THEN_TREE
}
