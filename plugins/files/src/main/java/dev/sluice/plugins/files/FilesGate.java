package dev.sluice.plugins.files;

import dev.sluice.spi.GatePolicy;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The {@code files} readiness gate: a task waits until each of its declared inputs exists and, for a
 * regular file, has stopped growing, i.e. its size and modification time stayed the same for a stable
 * period. A directory, or any other kind of path, is ready once it exists. A task without inputs
 * passes at once.
 *
 * <p>Operator config (section {@code plugins: files:}): {@value #POLL_INTERVAL} (default 1s),
 * {@value #STABLE_FOR} (default 2s) and {@value #MAX_WAIT} (default none: wait forever). Per-process
 * hints override them: {@code files/skip}, {@code files/maxWait}, {@code files/stableFor} ({@code 0}:
 * existence is enough) and {@code files/pollInterval}.
 *
 * <p>One instance serves every task, from many threads at once: it holds only immutable settings and
 * the host's counters; the state of a wait lives in the call that waits.
 */
@Extension
public final class FilesGate implements TaskReadinessGate {
    /** The gate's id and the namespace of its hints. */
    public static final String ID = "files";
    /** Hint and config key: how often the inputs are looked at. */
    public static final String POLL_INTERVAL = "pollInterval";
    /** Hint and config key: how long a file must stay unchanged to count as complete. */
    public static final String STABLE_FOR = "stableFor";
    /** Hint and config key: how long a task may wait; the hint is {@code files/maxWait}. */
    public static final String MAX_WAIT = GatePolicy.MAX_WAIT;

    /** {@value #POLL_INTERVAL} when the operator sets none. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** {@value #STABLE_FOR} when the operator sets none. */
    public static final Duration DEFAULT_STABLE_FOR = Duration.ofSeconds(2);

    /** Metric: tasks whose inputs were not all ready at the first look. */
    static final String METRIC_TASKS_WAITED = "tasks_waited";
    /** Metric: tasks failed because their maxWait passed. */
    static final String METRIC_TIMEOUTS = "timeouts";

    private static final List<String> HINT_NAMES = List.of(GatePolicy.SKIP, MAX_WAIT, STABLE_FOR, POLL_INTERVAL);

    private final TimeSource time;
    private final Logger log;
    private final InputProbe probe;
    private final Duration defaultPollInterval;
    private final Duration defaultStableFor;
    /** {@code null}: wait forever. */
    private final Duration defaultMaxWait;
    private final PluginMetrics.Counter tasksWaited;
    private final PluginMetrics.Counter timeouts;

    /**
     * Creates the gate with the operator's defaults from {@code context.config()}.
     *
     * @throws InvalidSettingException when a config value is bad; the message names the key and the fix
     */
    public FilesGate(PluginContext context) {
        this(context, InputProbe.FILE_SYSTEM);
    }

    /** As the public constructor, looking at inputs through {@code probe}: tests inject I/O failures. */
    FilesGate(PluginContext context, InputProbe probe) {
        this.time = context.time();
        this.log = context.logger();
        this.probe = probe;
        Settings config = context.config();
        // A misspelt setting would otherwise be ignored without a word.
        for (String key : config.keys()) {
            if (!List.of(POLL_INTERVAL, STABLE_FOR, MAX_WAIT).contains(key)) {
                throw config.invalid(key, config.string(key, ""), "not a setting of the files plugin; its settings are "
                        + POLL_INTERVAL + ", " + STABLE_FOR + " and " + MAX_WAIT);
            }
        }
        this.defaultPollInterval = requirePositive(config, POLL_INTERVAL,
                config.duration(POLL_INTERVAL, DEFAULT_POLL_INTERVAL));
        this.defaultStableFor = requireNotNegative(config, STABLE_FOR,
                config.duration(STABLE_FOR, DEFAULT_STABLE_FOR));
        Duration maxWait = config.duration(MAX_WAIT).orElse(null);
        if (maxWait != null) {
            requireNotNegative(config, MAX_WAIT, maxWait);
            if (maxWait.compareTo(defaultStableFor) < 0) {
                throw config.invalid(MAX_WAIT, config.string(MAX_WAIT, ""), "shorter than " + STABLE_FOR + " ("
                        + Units.formatDuration(defaultStableFor) + "), so no input file could ever pass; raise "
                        + MAX_WAIT + " or lower " + STABLE_FOR);
            }
        }
        this.defaultMaxWait = maxWait;
        PluginMetrics metrics = context.metrics();
        this.tasksWaited = metrics.counter(METRIC_TASKS_WAITED,
                "Tasks whose input files were not all ready when the files gate first looked");
        this.timeouts = metrics.counter(METRIC_TIMEOUTS,
                "Tasks failed because files/maxWait passed before their input files were ready");
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Checks the {@code files/} hints: the default {@code skip} and {@code maxWait}, plus
     * {@code stableFor} and {@code pollInterval}, that {@code maxWait} leaves time for
     * {@code stableFor}, and that no unknown (for instance misspelt) {@code files/} key is set.
     */
    @Override
    public void validateHints(Hints hints) {
        TaskReadinessGate.super.validateHints(hints);
        hints.requireKnown(ID, HINT_NAMES);
        policyOf(hints);
    }

    /**
     * Blocks until every input of {@code task} exists and has stopped growing.
     *
     * @throws TaskException          when {@code files/maxWait} passes first (the message names the inputs
     *                                not ready and the hint to raise), when a hint is bad, or when an
     *                                input exists but cannot be read
     * @throws InterruptedException   when the wait is cancelled
     */
    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        TaskPolicy policy;
        try {
            policy = policyOf(task.hints());
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage(), e);
        }
        if (policy.gate().skip() || task.inputs().isEmpty()) {
            return;
        }
        Duration maxWait = policy.gate().maxWait().orElse(null);
        InputWatch watch = new InputWatch(task, probe, policy.stableFor());
        long start = time.nanoTime();
        boolean waiting = false;
        while (true) {
            long now = time.nanoTime();
            if (watch.check(now)) {
                if (waiting) {
                    log.debug("task {}: inputs ready after {}", task.name(), elapsed(start, now));
                }
                return;
            }
            if (!waiting) {
                waiting = true;
                tasksWaited.increment();
                if (log.isDebugEnabled()) { // describing thousands of inputs is not free
                    log.debug("task {}: waiting for {} of {} inputs: {}", task.name(), watch.pendingCount(),
                            watch.inputCount(), watch.describePending(now, hintKey(STABLE_FOR)));
                }
            }
            long waited = now - start;
            if (maxWait != null && waited >= maxWait.toNanos()) {
                timeouts.increment();
                // The host names the gate in front of this: "gate 'files': gave up ..."
                throw new TaskException("gave up on task '" + task.name() + "' after "
                        + elapsed(start, now) + ": " + watch.pendingCount() + " of " + watch.inputCount()
                        + " inputs not ready (" + watch.describePending(now, hintKey(STABLE_FOR))
                        + "). Raise the hint " + hintKey(MAX_WAIT) + " (now " + Units.formatDuration(maxWait)
                        + ") or set " + hintKey(GatePolicy.SKIP) + ": true to opt out");
            }
            Duration sleep = policy.pollInterval();
            if (maxWait != null) {
                // Wake at the deadline rather than a whole interval past it.
                Duration left = maxWait.minusNanos(waited);
                if (left.compareTo(sleep) < 0) {
                    sleep = left;
                }
            }
            time.sleep(sleep);
        }
    }

    /** A task's settings for this gate: hints over the operator's defaults. */
    private record TaskPolicy(GatePolicy gate, Duration stableFor, Duration pollInterval) {
    }

    private TaskPolicy policyOf(Hints hints) {
        GatePolicy gate = GatePolicy.of(ID, hints, defaultMaxWait);
        String stableForKey = hintKey(STABLE_FOR);
        String pollIntervalKey = hintKey(POLL_INTERVAL);
        Duration stableFor = requireNotNegative(hints, stableForKey, hints.duration(stableForKey, defaultStableFor));
        Duration pollInterval = requirePositive(hints, pollIntervalKey,
                hints.duration(pollIntervalKey, defaultPollInterval));
        Optional<Duration> maxWait = gate.maxWait();
        if (maxWait.isPresent() && maxWait.get().compareTo(stableFor) < 0) {
            // Blame the hint the process set: the config's own pair was checked at start-up.
            String maxWaitKey = hintKey(MAX_WAIT);
            String blamed = hints.isSet(maxWaitKey) ? maxWaitKey : stableForKey;
            throw hints.invalid(blamed, hints.string(blamed, ""), maxWaitKey + " ("
                    + Units.formatDuration(maxWait.get()) + ") is shorter than " + stableForKey + " ("
                    + Units.formatDuration(stableFor) + "), so no input file could ever pass; raise "
                    + maxWaitKey + " or lower " + stableForKey);
        }
        return new TaskPolicy(gate, stableFor, pollInterval);
    }

    private static String hintKey(String name) {
        return Hints.key(ID, name);
    }

    private static String elapsed(long startNanos, long nowNanos) {
        return Units.formatDuration(Duration.ofNanos(nowNanos - startNanos));
    }

    private static Duration requirePositive(Settings settings, String key, Duration value) {
        if (!value.isPositive()) {
            throw settings.invalid(key, settings.string(key, ""), "must be longer than 0; write e.g. 1s or 500ms");
        }
        return value;
    }

    private static Duration requireNotNegative(Settings settings, String key, Duration value) {
        if (value.isNegative()) {
            throw settings.invalid(key, settings.string(key, ""), "must not be negative; write e.g. 0, 2s or 1m");
        }
        return value;
    }
}
