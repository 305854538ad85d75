package dev.sluice.host.monitor;

import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Puts a {@link TaskPollingMonitor} together: the options and plans are required, every part else defaults to none. */
public final class MonitorBuilder {
    final RunOptions options;
    final List<ProcessPlan> plans;
    List<ExecutorSetup> executors = List.of();
    List<TaskReadinessGate> gates = List.of();
    List<TaskWrapper> wrappers = List.of();
    List<TaskHealthMonitor> healthMonitors = List.of();
    TaskPreparer preparer;
    TimeSource time = TimeSource.system();
    RunListener listener = new RunListener() {
    };
    List<String> killedRuns = List.of();
    Consumer<String> leftoversEnded = runId -> { };
    /** How the loop waits; {@code null} for the clock's own ({@link Wakeups#on}). */
    Wakeups wakeups;
    /** How soon a launch must be answered to wait for the loop's next wake-up ({@link Launcher.Answers}). */
    Duration quietAnswers = Duration.ofMillis(1);
    /** Where tasks offered during the run come in, or {@code null}: a run of its plans only. */
    Intake intake;

    MonitorBuilder(RunOptions options, List<ProcessPlan> plans) {
        this.options = options;
        this.plans = List.copyOf(plans);
    }

    public MonitorBuilder executors(List<ExecutorSetup> value) {
        executors = List.copyOf(value);
        return this;
    }

    public MonitorBuilder gates(List<TaskReadinessGate> value) {
        gates = List.copyOf(value);
        return this;
    }

    /** Plugin wrappers and the environments' wrapper alike, in any order: their priorities order them. */
    public MonitorBuilder wrappers(List<TaskWrapper> value) {
        wrappers = List.copyOf(value);
        return this;
    }

    public MonitorBuilder healthMonitors(List<TaskHealthMonitor> value) {
        healthMonitors = List.copyOf(value);
        return this;
    }

    /** Makes each attempt's work directory; required. */
    public MonitorBuilder preparer(TaskPreparer value) {
        preparer = value;
        return this;
    }

    /** The run's clock; a fake one moves the loop on in tests. */
    public MonitorBuilder time(TimeSource value) {
        time = value;
        return this;
    }

    /** How the loop waits, for tests that watch it go idle. */
    MonitorBuilder wakeups(Wakeups value) {
        wakeups = value;
        return this;
    }

    /** The bound on quiet answers, for tests that tell the loop's own look from a tick. */
    MonitorBuilder quietAnswers(Duration value) {
        quietAnswers = value;
        return this;
    }

    /**
     * Earlier runs whose host was killed: once the executors have started, each is asked to end what
     * they left, and {@code ended} hears of each run every executor has dealt with.
     */
    public MonitorBuilder killedRuns(List<String> runIds, Consumer<String> ended) {
        killedRuns = List.copyOf(runIds);
        leftoversEnded = ended;
        return this;
    }

    /**
     * Tasks offered to {@code value} while the run goes join it; the run ends only once the intake is
     * closed and every task has ended.
     */
    public MonitorBuilder intake(Intake value) {
        intake = value;
        return this;
    }

    public MonitorBuilder listener(RunListener value) {
        listener = value;
        return this;
    }

    public TaskPollingMonitor build() {
        if (preparer == null) {
            throw new IllegalStateException("a monitor needs a TaskPreparer");
        }
        return new TaskPollingMonitor(this);
    }
}
