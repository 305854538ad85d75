package dev.sluice.kit.batch;

import dev.sluice.kit.ExecutorConfig;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The settings every batch scheduler's executor has, from its section of the operator config: where the
 * scheduler's commands are, how the status thread polls, and how patient the executor is.
 *
 * @param binDir                where the scheduler's commands are; empty for the PATH
 * @param pollInterval          the shortest time between two status rounds (the host's poll interval)
 * @param maxPollInterval       the longest, reached while nothing changes
 * @param commandTimeout        how long one scheduler command may take
 * @param submitRetries         how often a submission that failed for a passing reason is tried again
 * @param submitConcurrency     how many submissions may run at once
 * @param exitCodeGrace         how long an ended job may take to show its exit-code file (shared file
 *                              systems are slow to show another node's writes)
 * @param signalBeforeTimeLimit how long before its time limit a task gets SIGTERM, where the scheduler
 *                              can warn ahead
 * @param callback              whether jobs call back to the host's endpoint when it is on
 */
public record BatchSettings(Optional<Path> binDir, Duration pollInterval, Duration maxPollInterval,
        Duration commandTimeout, int submitRetries, int submitConcurrency, Duration exitCodeGrace,
        Duration signalBeforeTimeLimit, boolean callback) {

    /** The keys read here; a scheduler adds its own and refuses the rest ({@link ExecutorConfig#requireKnown}). */
    public static final Set<String> KEYS = Set.of("pollInterval", "maxPollInterval", "binDir", "commandTimeout",
            "submitRetries", "submitConcurrency", "exitCodeGrace", "signalBeforeTimeLimit", "callback");

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** @throws InvalidSettingException naming the key, the value and the fix */
    public static BatchSettings from(ExecutorConfig config) {
        Settings settings = config.settings();
        Duration poll = settings.duration("pollInterval", DEFAULT_POLL_INTERVAL);
        Duration maxPoll = settings.duration("maxPollInterval", Duration.ofSeconds(30));
        if (maxPoll.compareTo(poll) < 0) {
            throw settings.invalid("maxPollInterval", settings.string("maxPollInterval", ""), "shorter than "
                    + "pollInterval (" + settings.string("pollInterval", "1s") + "); make it at least that");
        }
        Duration timeout = config.positive("commandTimeout", Duration.ofSeconds(30));
        int retries = config.atLeast("submitRetries", 3, 0, "must not be negative; 0 tries once");
        int concurrency = config.submitConcurrency(4);
        Duration grace = settings.duration("exitCodeGrace", Duration.ofSeconds(60));
        Duration signal = settings.duration("signalBeforeTimeLimit", Duration.ofSeconds(60));
        Optional<Path> binDir = settings.string("binDir").map(String::strip).filter(s -> !s.isEmpty()).map(Path::of);
        return new BatchSettings(binDir, poll, maxPoll, timeout, retries, concurrency, grace, signal,
                settings.bool("callback", true));
    }

    /** A command with its program taken from {@link #binDir} when one is set. */
    List<String> resolve(List<String> argv) {
        if (binDir.isEmpty()) {
            return argv;
        }
        List<String> resolved = new java.util.ArrayList<>(argv);
        resolved.set(0, program(argv.get(0)));
        return List.copyOf(resolved);
    }

    /** Where one of the scheduler's programs is run from: its path in {@link #binDir}, else its bare name. */
    public String program(String name) {
        return binDir.map(d -> d.resolve(name).toString()).orElse(name);
    }
}
