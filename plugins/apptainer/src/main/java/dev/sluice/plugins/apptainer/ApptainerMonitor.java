package dev.sluice.plugins.apptainer;

import dev.sluice.spi.Health;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskHealthMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * The {@code apptainer} health monitor, for running tasks that name an image. Every {@code monitorPeriod}
 * it checks what the SPI lets it see:
 * <ol>
 *   <li>the task's image is still there and readable: the SIF file in the cache or on disk, or the sandbox
 *       directory (one removed or made unreadable under a running task breaks the container's file
 *       system);</li>
 *   <li>for tasks of the local executor, whose native id is the pid of {@code apptainer} itself: that
 *       process is not stopped (SIGSTOP), in which state it would never end by itself. One that is gone
 *       has ended, and the executor, which sees every end of the process it started, reports how.</li>
 * </ol>
 * Under Slurm the process runs on a node this machine cannot look into; the scheduler and the Slurm
 * executor watch it, and only the image is checked here.
 */
@Extension
public final class ApptainerMonitor implements TaskHealthMonitor {
    private final Apptainer apptainer;
    private final Path proc;

    /** @throws InvalidSettingException when the operator's {@code plugins.apptainer} settings are bad */
    public ApptainerMonitor(PluginContext context) {
        this(Apptainer.of(context), Path.of("/proc"));
    }

    ApptainerMonitor(Apptainer apptainer, Path proc) {
        this.apptainer = apptainer;
        this.proc = proc;
    }

    @Override
    public String id() {
        return ApptainerGate.ID;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return task.hints().isSet(ApptainerGate.IMAGE);
    }

    @Override
    public Duration period() {
        return apptainer.settings.monitorPeriod();
    }

    @Override
    public Health probe(TaskHandle task, SubmittedTask submitted) throws InterruptedException {
        ImageSource source;
        try {
            source = Apptainer.image(task.hints()).orElseThrow();
        } catch (InvalidSettingException e) {
            return Health.ok(); // the gate and the wrapper refused it already
        }
        Path image = apptainer.imagePath(source);
        boolean present = source instanceof ImageSource.Sandbox ? Files.isDirectory(image) : Files.isRegularFile(image);
        if (!present || !Files.isReadable(image)) {
            return Health.unhealthy("the image " + image + " of the task (" + source.text() + ") was removed or made"
                    + " unreadable while it ran; keep images in use in place");
        }
        if (!"local".equals(task.executor())) {
            return Health.ok();
        }
        long pid;
        try {
            pid = Long.parseLong(submitted.nativeId());
        } catch (NumberFormatException e) {
            return Health.ok(); // not a pid: an executor this monitor cannot look into
        }
        Optional<Character> state = state(pid);
        // A process that is gone has ended: the local executor learns of every end of the process it
        // started and reports how, so only a stopped one needs this monitor.
        if (state.isPresent() && (state.get() == 'T' || state.get() == 't')) {
            return Health.unhealthy("the apptainer process (pid " + pid + ") of the task is stopped (SIGSTOP or a "
                    + "debugger) and would never end by itself; send it SIGCONT, or let sluice end the task");
        }
        return Health.ok();
    }

    /** The process's state letter from {@code /proc/<pid>/stat}, or empty when there is no such process. */
    private Optional<Character> state(long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
            // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ')'.
            int close = stat.lastIndexOf(')');
            String rest = stat.substring(close + 1).strip();
            return rest.isEmpty() ? Optional.empty() : Optional.of(rest.charAt(0));
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> 'R');
        }
    }
}
