package @PACKAGE@;

import dev.sluice.spi.Health;
import dev.sluice.spi.Hints;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.pf4j.Extension;

/**
 * Health monitor {@code @ID@}: a task whose process sets the hint {@code @ID@/quietFor} fails as soon
 * as its standard output has not grown for that long, instead of hanging until its time limit.
 * Replace {@link #probe} with your own check (a heartbeat file, a port, a device's health); sluice
 * calls it every {@link #period()} while the task runs and fails the task with your message.
 */
@Extension
public final class @CLASS@ implements TaskHealthMonitor {
    public static final String ID = "@ID@";
    public static final String QUIET_FOR = "quietFor";

    private final TimeSource time;
    /** Per attempt: the output's size and when it last changed (nanoTime). */
    private final Map<String, long[]> seen = new ConcurrentHashMap<>();

    public @CLASS@(PluginContext context) {
        this.time = context.time();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return task.hints().isSet(Hints.key(ID, QUIET_FOR));
    }

    @Override
    public Duration period() {
        return Duration.ofSeconds(1);
    }

    @Override
    public Health probe(TaskHandle task, SubmittedTask submitted) {
        Duration quietFor = task.hints().duration(Hints.key(ID, QUIET_FOR), Duration.ofMinutes(10));
        long size = sizeOf(task.workDir().resolve(".command.out"));
        long now = time.nanoTime();
        long[] last = seen.compute(task.id() + "." + task.attempt(),
                (key, before) -> before == null || before[0] != size ? new long[] {size, now} : before);
        if (now - last[1] >= quietFor.toNanos()) {
            seen.remove(task.id() + "." + task.attempt());
            return Health.unhealthy("no output for " + Units.formatDuration(quietFor) + " (hint " + ID + "/"
                    + QUIET_FOR + ")");
        }
        return Health.ok();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
