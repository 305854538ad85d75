package dev.sluice.host.monitor;

import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The host's environment layer as the monitor sees it: it puts a task's command into the
 * environments its process names (their variables, their wrapper), says how the result must be
 * canceled, and reads the run's output for the stdout protocol. Host-internal, not part of the SPI.
 */
public interface TaskEnvironments {
    /** No environments: every task runs as it is. */
    TaskEnvironments NONE = (task, command, files) -> null;

    /**
     * The launch of one attempt inside its environments, or {@code null} when its process names none.
     * Called on the monitor's thread just before submission, after the task's gates (which enter the
     * environments) passed.
     *
     * @throws TaskException when the task cannot be put in its environments (one failed, or a wrap
     *                       hook's format string failed); the message says why
     */
    EnvironmentRun launch(TaskHandle task, LaunchCommand command, TaskFiles files) throws TaskException;

    /** One attempt run inside environments. */
    interface EnvironmentRun {
        /** The command to hand to the plugin wrappers and the executor. */
        LaunchCommand command();

        /** A time limit tighter than the task's own (a wrap hook's timeout), if any. */
        Optional<Duration> timeLimit();

        /**
         * The time between SIGTERM and SIGKILL when the host cancels this attempt (a wrap hook's
         * cancelation), or empty for the run's own.
         */
        Optional<Duration> killGrace();

        /** Called just before the host cancels the attempt (writes {@code cancel_info.json}). */
        void beforeCancel(Duration grace);

        /**
         * Starts reading the run's output for the stdout protocol.
         *
         * @param status          gets {@code openjd_status} and {@code openjd_progress} messages
         * @param protocolFailure gets the message of a line that breaks the protocol; the host then
         *                        cancels and fails the attempt
         */
        void watch(Consumer<String> status, Consumer<String> protocolFailure);

        /**
         * Stops reading, after reading what is left; called when the attempt ended.
         *
         * @return why the run says it failed ({@code openjd_fail}), if it said so
         */
        Optional<String> finish();

        /** The first line that broke the stdout protocol, with what is wrong; known after {@link #finish}. */
        Optional<String> protocolFailure();
    }
}
