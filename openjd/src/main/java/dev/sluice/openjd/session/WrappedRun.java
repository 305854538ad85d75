package dev.sluice.openjd.session;

import dev.sluice.openjd.action.RunningAction;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.WrappedTask;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task attempt inside the session: the wrapped command, the wrap hook's time limit and kill grace,
 * the cancel notice a {@code NOTIFY_THEN_TERMINATE} hook asks for, and the task's {@code openjd_*}
 * output watched while it runs.
 */
final class WrappedRun implements WrappedTask {
    // The session's logger, so that the run's log names the same source as before the session was split.
    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);

    private final LaunchCommand command;
    private final Optional<Duration> timeLimit;
    private final Optional<Duration> killGrace;
    private final boolean notify;
    private final TaskOutputWatcher watcher;
    /**
     * Where the task starts, where its cancel notice is written: its own work directory, or the session
     * directory with {@code sessionDirectory}.
     */
    private final Path directory;
    private final TimeSource time;

    /** Masks secrets in the task's output files when it ends ({@code maskTaskOutput}); empty when not asked for. */
    private final Optional<TaskOutputMask> mask;

    WrappedRun(LaunchCommand command, Optional<Duration> timeLimit, Optional<Duration> killGrace, boolean notify,
            TaskOutputWatcher watcher, Path directory, TimeSource time, Optional<TaskOutputMask> mask) {
        this.mask = mask;
        this.command = command;
        this.timeLimit = timeLimit;
        this.killGrace = killGrace;
        this.notify = notify;
        this.watcher = watcher;
        this.directory = directory;
        this.time = time;
    }

    @Override
    public LaunchCommand command() {
        return command;
    }

    @Override
    public Optional<Duration> timeLimit() {
        return timeLimit;
    }

    @Override
    public Optional<Duration> killGrace() {
        return killGrace;
    }

    @Override
    public void beforeCancel(Duration grace) {
        if (!notify || grace.isZero()) {
            return;
        }
        try {
            RunningAction.writeCancelInfo(directory, time.now().plus(grace));
        } catch (IOException | RuntimeException e) {
            log.warn("could not write {} in {}: {}", RunningAction.CANCEL_INFO_FILE, directory, e.toString());
        }
    }

    @Override
    public void launched(Reports reports) {
        watcher.start(reports::status, reports::fail);
    }

    @Override
    public Ending ended() {
        Optional<String> said = watcher.finish();
        // After the watcher read the output to its end, and before the host records the files' sizes.
        if (mask.isPresent()) {
            try {
                mask.get().apply();
            } catch (IOException | RuntimeException e) {
                log.warn("could not mask secrets in the output files of the task in {}: {}; they may hold secrets"
                        + " unmasked: check that the directory is writable", mask.get().directory(), e.getMessage());
            }
        }
        return new Ending(watcher.protocolFailure(), said);
    }
}
