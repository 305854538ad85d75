package dev.sluice.openjd.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A place where sluice runs an environment differently from Open Job Description's reference runtime
 * on purpose, and where a pipeline may ask, per environment, for the reference's way instead (field
 * {@code referenceRuntime:} of an entry under {@code environments:}). Each has one name, written as the
 * pipeline writes it; {@code docs/user-guide/environments.md} ("Differences from the reference
 * runtime") says what each changes and why sluice differs by default.
 */
public enum ReferenceBehaviour {
    /**
     * A task's own {@code openjd_env}, {@code openjd_unset_env} and {@code openjd_redacted_env} lines,
     * inside this wrapping environment, change the variables of the task's environment instance for every
     * later action there (RFC 0008: variables from any earlier action reach later wrap hooks), and the
     * tasks of that instance run one at a time, in the order they reach its gate.
     */
    TASK_VARIABLES("taskVariables"),
    /**
     * On cancel, SIGTERM goes to the action's main process only, and SIGKILL to its process group and
     * every process descended from it.
     */
    CANCEL_SIGNALS("cancelSignals"),
    /** Secrets are masked in the {@code .command.out} and {@code .command.err} of the tasks inside it. */
    MASK_TASK_OUTPUT("maskTaskOutput"),
    /**
     * The tasks inside it start in the session directory rather than in their own work directories,
     * which still hold their output files.
     */
    SESSION_DIRECTORY("sessionDirectory"),
    /**
     * Its embedded files without a {@code filename} are written anew, under new random names, before each
     * of its actions (enter, exit, each check, each wrap hook it runs), and {@code Env.File.<name>} in
     * that action names that action's file.
     */
    FRESH_EMBEDDED_FILES("freshEmbeddedFiles");

    /** The field of an environment entry that lists them. */
    public static final String FIELD = "referenceRuntime";

    private final String keyword;

    ReferenceBehaviour(String keyword) {
        this.keyword = keyword;
    }

    /** The name a pipeline writes. */
    public String keyword() {
        return keyword;
    }

    /** The behaviour written {@code keyword}, exactly. */
    public static Optional<ReferenceBehaviour> named(String keyword) {
        return Arrays.stream(values()).filter(b -> b.keyword.equals(keyword)).findFirst();
    }

    /** Every name, for messages. */
    public static List<String> keywords() {
        return Arrays.stream(values()).map(ReferenceBehaviour::keyword).toList();
    }
}
