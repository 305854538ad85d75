package @PACKAGE@;

import dev.sluice.spi.GatePolicy;
import dev.sluice.spi.Hints;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * Readiness gate {@code @ID@}: a task whose process sets the hint {@code @ID@/flag} waits until that
 * file exists. Replace {@link #ready} with your own condition; the rest is what most gates need: the
 * opt-out {@code @ID@/skip}, the bound {@code @ID@/maxWait}, a poll interval from the operator's config
 * ({@code plugins: @ID@: pollInterval: 2s}), and a clock that tests replace.
 */
@Extension
public final class @CLASS@ implements TaskReadinessGate {
    public static final String ID = "@ID@";
    /** The hint naming the file a task waits for. */
    public static final String FLAG = "flag";
    /** The operator's setting: how often to look again. */
    public static final String POLL_INTERVAL = "pollInterval";

    private final TimeSource time;
    private final Duration pollInterval;

    /** sluice creates the gate once per run and passes its context: config, clock, metrics, logger. */
    public @CLASS@(PluginContext context) {
        this.time = context.time();
        Settings config = context.config();
        for (String key : config.keys()) {
            if (!key.equals(POLL_INTERVAL)) {
                throw config.invalid(key, config.string(key, ""), "not a setting of the " + ID + " plugin; it has "
                        + POLL_INTERVAL);
            }
        }
        this.pollInterval = config.duration(POLL_INTERVAL, Duration.ofSeconds(1));
        if (pollInterval.isZero() || pollInterval.isNegative()) {
            throw config.invalid(POLL_INTERVAL, config.string(POLL_INTERVAL, ""), "not positive; write e.g. 1s");
        }
    }

    @Override
    public String id() {
        return ID;
    }

    /** Blocks until the task may go on; runs on a virtual thread of its own, so blocking is fine. */
    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        GatePolicy policy = GatePolicy.of(ID, task, null);
        Optional<String> flag = task.hints().string(Hints.key(ID, FLAG));
        if (policy.skip() || flag.isEmpty()) {
            return;
        }
        Path file = Path.of(flag.get());
        policy.await(time, pollInterval, "the file " + file, () -> ready(file));
    }

    private static boolean ready(Path file) {
        return Files.exists(file);
    }

    /** Called by {@code sluice validate} and before a run: refuse a misspelt hint of this plugin. */
    @Override
    public void validateHints(Hints hints) {
        TaskReadinessGate.super.validateHints(hints);
        hints.requireKnown(ID, List.of(FLAG, GatePolicy.SKIP, GatePolicy.MAX_WAIT));
    }
}
