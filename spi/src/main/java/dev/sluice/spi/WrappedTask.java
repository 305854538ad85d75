package dev.sluice.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One attempt as a {@link TaskWrapper} wrapped it: the command to run, and what the wrapper has to
 * say while the attempt runs and when it ends. A plain wrapper only rewrites the command
 * ({@link #of}); one that runs the task inside something with rules of its own (an Open Job
 * Description environment's {@code onWrapTaskRun}: a timeout, a cancelation, a protocol on stdout)
 * says so through the default methods. The host calls them on its monitor's thread, so each must be
 * quick.
 */
public interface WrappedTask {

    /** The command that replaces the one the wrapper was given. */
    LaunchCommand command();

    /** A time limit tighter than the task's own, counted from the attempt's start; empty when none. */
    default Optional<Duration> timeLimit() {
        return Optional.empty();
    }

    /**
     * The time between asking the attempt to stop and forcing it when the host ends it, if the
     * wrapper needs its own; empty for the run's. Where several wrappers give one, the longest holds.
     */
    default Optional<Duration> killGrace() {
        return Optional.empty();
    }

    /**
     * The attempt was launched: a wrapper that reads its output may start now and tell the host what
     * it sees through {@code reports}, from any thread, until {@link #ended}.
     */
    default void launched(Reports reports) {
    }

    /** The host is about to ask the attempt to stop, and will force it after {@code grace}. */
    default void beforeCancel(Duration grace) {
    }

    /**
     * The attempt ended, whichever way: called once for every attempt the wrapper opened, also one that
     * never ran (a wrapper further out refused it, or its executor could not submit it), in which case
     * {@link #launched} was never called. The wrapper stops watching, lets go of what it holds for the
     * attempt, and gives its verdict.
     */
    default Ending ended() {
        return Ending.NONE;
    }

    /** What a wrapper that watches an attempt tells the host while it runs. Thread-safe. */
    interface Reports {
        /** A progress or status message, shown in the live display and the trace. */
        void status(String message);

        /** The attempt is broken (its output broke the wrapper's protocol): the host ends and fails it. */
        void fail(String reason);
    }

    /**
     * The wrapper's word on an ended attempt.
     *
     * @param failure     a reason to fail the attempt whatever its exit code, e.g. a protocol broken
     *                    in the last lines read
     * @param explanation why the attempt says it failed, shown before the exit code when it did fail
     */
    record Ending(Optional<String> failure, Optional<String> explanation) {
        /** Nothing to add. */
        public static final Ending NONE = new Ending(Optional.empty(), Optional.empty());

        public Ending {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(explanation, "explanation");
        }
    }

    /** A wrapped command with nothing else to say. */
    static WrappedTask of(LaunchCommand command) {
        Objects.requireNonNull(command, "command");
        return () -> command;
    }
}
