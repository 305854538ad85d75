package dev.sluice.plugins.apptainer;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs {@code apptainer pull <file> <uri>} until it succeeds: each try is limited to {@code pullTimeout},
 * and a try that failed for a passing reason ({@link PullFailure}) is repeated after a wait that
 * starts at {@code pullBackoff} and doubles, up to {@code pullRetries} times. Waits are on the plugin's
 * clock, so that tests can run them on a fake one.
 */
final class ImagePuller {
    /** The longest wait between two tries, however many there were. */
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** How many lines of a pull's output (stdout and stderr together) are kept for its error message. */
    static final int KEPT_LINES = 20;

    private final ApptainerProgram program;
    private final CommandRunner runner;
    private final TimeSource time;
    private final Duration timeout;
    private final int retries;
    private final Duration backoff;

    ImagePuller(ApptainerProgram program, CommandRunner runner, TimeSource time, ApptainerSettings settings) {
        this.program = program;
        this.runner = runner;
        this.time = time;
        this.timeout = settings.pullTimeout();
        this.retries = settings.pullRetries();
        this.backoff = settings.pullBackoff();
    }

    /**
     * Pulls {@code source} into {@code target}, which must not exist yet.
     *
     * @param status told what happens, in words for the live display
     * @throws RetryableTaskException when the last try failed for a passing reason
     * @throws TaskException          when the pull cannot succeed (an unknown image, no access)
     */
    void pull(ImageSource.Remote source, Path target, PullStatus status)
            throws InterruptedException, TaskException {
        String uri = source.uri();
        Duration wait = backoff;
        int tries = retries + 1;
        for (int attempt = 1; ; attempt++) {
            String prefix = "pulling " + uri + (attempt > 1 ? " (try " + attempt + " of " + tries + ")" : "");
            status.state(prefix);
            PullFailure failure = tryOnce(uri, target, line -> status.progress(prefix + ": " + line.strip()));
            if (failure == null) {
                return;
            }
            deleteQuietly(target);
            if (!failure.retryable()) {
                throw new TaskException("could not pull " + uri + ": " + failure.message()
                        + " (not retried: the image or your access to it is wrong; check the reference and the "
                        + "registry login, e.g. apptainer registry login)");
            }
            if (attempt >= tries) {
                throw new RetryableTaskException("could not pull " + uri + " in " + tries + " tries: "
                        + failure.message() + " (raise plugins.apptainer." + ApptainerSettings.PULL_RETRIES
                        + " or " + ApptainerSettings.PULL_TIMEOUT + " if the registry is slow)");
            }
            status.state("retrying the pull of " + uri + " in " + Units.formatDuration(wait) + " after: "
                    + failure.message());
            time.sleep(wait);
            wait = wait.multipliedBy(2);
            if (wait.compareTo(MAX_BACKOFF) > 0) {
                wait = MAX_BACKOFF;
            }
        }
    }

    /** One try; {@code null} when it produced the file. */
    private PullFailure tryOnce(String uri, Path target, Consumer<String> lines)
            throws InterruptedException, TaskException {
        Path apptainer = program.require();
        CommandRunner.Result result;
        try {
            result = runner.run(CommandRunner.Command.of(List.of(apptainer.toString(), "pull", target.toString(), uri),
                    timeout).mergingStderr().keepingLastLines(KEPT_LINES).streamingLines(lines));
        } catch (IOException e) {
            throw new TaskException("could not start " + apptainer + " to pull " + uri + ": " + Problems.describe(e)
                    + "; check plugins.apptainer." + ApptainerSettings.PROGRAM, e);
        }
        if (result.timedOut()) {
            return PullFailure.timedOut(Units.formatDuration(timeout) + " (plugins.apptainer."
                    + ApptainerSettings.PULL_TIMEOUT + ")");
        }
        if (!result.ok()) {
            return PullFailure.of(result.outputLines(), result.exitCode());
        }
        if (!Files.isRegularFile(target) || !ImageSource.isSif(target)) {
            return new PullFailure("apptainer pull reported success but wrote no SIF file at " + target, false);
        }
        return null;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A leftover temporary file is removed by the next pull of the same image.
        }
    }
}
