package dev.sluice.kit.batch;

import dev.sluice.kit.CommandRunner;
import dev.sluice.kit.ProgramLocator;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Runs the scheduler's commands: from {@code binDir} or the PATH, with the command timeout, counted per
 * program in the plugin's {@code commands_total} metric (which shows how hard a run leans on the
 * scheduler), tried again after a passing failure, and in batches of ids.
 */
final class SchedulerCommands {
    private final PluginContext plugin;
    private final Logger log;
    private final CommandRunner runner;
    private final BatchSettings settings;
    private final BatchScheduler scheduler;
    private final TimeSource time;
    private final Map<String, PluginMetrics.Counter> counts = new ConcurrentHashMap<>();

    SchedulerCommands(PluginContext plugin, CommandRunner runner, BatchSettings settings, BatchScheduler scheduler,
            TimeSource time) {
        this.plugin = plugin;
        this.log = plugin.logger();
        this.runner = runner;
        this.settings = settings;
        this.scheduler = scheduler;
        this.time = time;
    }

    /**
     * Whether a program is there to run: in {@code binDir} when one is set (a relative one from sluice's
     * working directory, as the command will be run), else on the host's PATH.
     */
    boolean installed(String program) {
        String hostPath = System.getenv("PATH");
        return new ProgramLocator.Lookup(settings.program(program), hostPath == null ? "" : hostPath, "the host's",
                Path.of("").toAbsolutePath()).find().isPresent();
    }

    /** Runs a command; one that cannot be started or runs past the timeout comes back failed, in words. */
    CommandRunner.Result run(List<String> argv) throws InterruptedException {
        String name = programName(argv);
        counts.computeIfAbsent(name, n -> plugin.metrics().counter("commands_total",
                scheduler.displayName() + " commands the executor ran", "command", n)).increment();
        List<String> resolved = settings.resolve(argv);
        try {
            CommandRunner.Result result = runner.run(resolved, settings.commandTimeout());
            return result.timedOut() ? new CommandRunner.Result(-1, true, result.stdout(),
                    "did not answer within " + Units.formatDuration(settings.commandTimeout())) : result;
        } catch (IOException e) {
            return CommandRunner.Result.failed(127, "", "cannot run " + resolved.get(0) + ": " + e.getMessage());
        }
    }

    /** Runs a command, and again up to {@code retries} times, 1 s, 2 s, ... apart, while it fails for a passing reason. */
    CommandRunner.Result runWithRetries(List<String> argv, int retries) throws InterruptedException {
        CommandRunner.Result result = run(argv);
        for (int i = 0; i < retries && !result.ok() && isTransient(result); i++) {
            time.sleep(Duration.ofSeconds(1L << i));
            result = run(argv);
        }
        return result;
    }

    boolean isTransient(CommandRunner.Result result) {
        return result.timedOut() || scheduler.isTransient(result.message());
    }

    /**
     * Runs {@code command} over {@code ids}, {@link BatchExecutor#BATCH} at a time, to keep command lines
     * short, and logs a failure unless it only says the jobs had ended already.
     *
     * @return the ids of the batches the scheduler accepted
     */
    List<String> forEachBatch(List<String> ids, Function<List<String>, List<String>> command)
            throws InterruptedException {
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += BatchExecutor.BATCH) {
            List<String> batch = ids.subList(i, Math.min(ids.size(), i + BatchExecutor.BATCH));
            List<String> argv = command.apply(batch);
            if (reportFailure(argv.subList(0, argv.size() - batch.size()), run(argv))) {
                accepted.addAll(batch);
            }
        }
        return accepted;
    }

    /**
     * Logs a command that failed for another reason than jobs having just ended.
     *
     * @param what the command as the log names it (its program and options)
     * @return whether the command did what it was asked
     */
    boolean reportFailure(List<String> what, CommandRunner.Result result) {
        if (result.ok() || scheduler.alreadyEnded(result.message())) {
            return true;
        }
        log.warn("{} failed: {}", String.join(" ", what), result.message());
        return false;
    }

    static String programName(List<String> argv) {
        return Path.of(argv.get(0)).getFileName().toString();
    }
}
