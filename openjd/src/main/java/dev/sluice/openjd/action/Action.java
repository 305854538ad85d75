package dev.sluice.openjd.action;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One command to run in a session: an argv passed to the program as it is (never joined into a shell
 * line), environment variables on top of the runner's base environment, a work directory, an optional
 * timeout and a cancelation method.
 *
 * @param argv           the program (a bare name looked up on the PATH, or a path) and its arguments
 * @param environment    variables set on top of the base environment, replacing its values
 * @param unset          variables removed from the base environment (after {@code environment} is applied,
 *                       as an unset wins over a set in Open Job Description)
 * @param workDir        the directory the process starts in; must exist
 * @param timeout        how long it may run before it is canceled and ends as {@link ActionState#TIMEOUT}
 * @param cancelation    how it is canceled
 * @param signals        which of its processes a cancel's signals reach
 */
public record Action(List<String> argv, Map<String, String> environment, Set<String> unset, Path workDir,
        Optional<Duration> timeout, Cancelation cancelation, CancelSignals signals) {

    /** An action whose cancel signals its whole process group, sluice's way. */
    public Action(List<String> argv, Map<String, String> environment, Set<String> unset, Path workDir,
            Optional<Duration> timeout, Cancelation cancelation) {
        this(argv, environment, unset, workDir, timeout, cancelation, CancelSignals.PROCESS_GROUP);
    }

    public Action {
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        unset = Set.copyOf(Objects.requireNonNull(unset, "unset"));
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(cancelation, "cancelation");
        Objects.requireNonNull(signals, "signals");
        if (argv.isEmpty() || argv.getFirst().isEmpty()) {
            throw new IllegalArgumentException("an action's command (argv[0]) must not be empty, got argv " + argv
                    + "; give the program's name or path");
        }
        for (int i = 0; i < argv.size(); i++) {
            if (argv.get(i).indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argv[" + i + "] of action " + argv.getFirst()
                        + " holds a NUL character, which no process can receive; remove it");
            }
        }
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            checkName(variable.getKey(), "environment");
            if (variable.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment variable " + variable.getKey() + " of action "
                        + argv.getFirst() + " holds a NUL character in its value; remove it");
            }
        }
        for (String name : unset) {
            checkName(name, "unset");
        }
        if (timeout.isPresent() && (timeout.get().isNegative() || timeout.get().isZero())) {
            throw new IllegalArgumentException("the timeout of action " + argv.getFirst()
                    + " must be positive, got " + timeout.get() + "; give a positive number of seconds or none");
        }
    }

    private static void checkName(String name, String field) {
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("environment variable name '" + name + "' in the action's " + field
                    + " cannot be passed to a process (empty, or holds '=' or NUL); use letters, digits and _");
        }
    }

    /** An action with no extra environment, no timeout and {@link Cancelation#terminate()}. */
    public static Action of(List<String> argv, Path workDir) {
        return new Action(argv, Map.of(), Set.of(), workDir, Optional.empty(), Cancelation.terminate());
    }

    /** This action with these variables added to (or replacing) its environment. */
    public Action withEnvironment(Map<String, String> variables) {
        Map<String, String> merged = new LinkedHashMap<>(environment);
        merged.putAll(variables);
        return new Action(argv, merged, unset, workDir, timeout, cancelation, signals);
    }

    /** This action with these variables removed from the base environment. */
    public Action withUnset(Set<String> names) {
        return new Action(argv, environment, names, workDir, timeout, cancelation, signals);
    }

    /** This action with a timeout. */
    public Action withTimeout(Duration limit) {
        return new Action(argv, environment, unset, workDir, Optional.of(limit), cancelation, signals);
    }

    /** This action with another cancelation method. */
    public Action withCancelation(Cancelation method) {
        return new Action(argv, environment, unset, workDir, timeout, method, signals);
    }

    /** This action with its cancel's signals reaching {@code which} of its processes. */
    public Action withSignals(CancelSignals which) {
        return new Action(argv, environment, unset, workDir, timeout, cancelation, which);
    }
}
