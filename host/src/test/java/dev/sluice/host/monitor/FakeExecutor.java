package dev.sluice.host.monitor;

import dev.sluice.spi.ExecutorCapacity;
import dev.sluice.spi.ExecutorContext;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskExecutor;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskStatus;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written executor for monitor tests: tasks run until the test ends them; submissions,
 * terminations and forces are recorded; the peak number of tasks at once is tracked.
 */
final class FakeExecutor implements TaskExecutor {
    final BlockingQueue<TaskLaunch> submissions = new LinkedBlockingQueue<>();
    /** The tasks asked to end (terminated, or forced with no grace), by id, in order. */
    final List<String> killed = new CopyOnWriteArrayList<>();
    final AtomicInteger peakActive = new AtomicInteger();
    private final Map<String, TaskStatus> statuses = new ConcurrentHashMap<>();
    private final Map<String, SubmittedTask> byName = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final ExecutorCapacity capacity;
    private volatile ExecutorContext context;
    /** Ends terminated and forced tasks at once, as a well-behaved backend would. */
    volatile boolean honourKills = true;
    /** When set, tasks shrug off being asked to stop and end only when forced. */
    volatile boolean ignoreTerminate;
    /** The tasks forced, by id, in order. */
    final List<String> forced = new CopyOnWriteArrayList<>();
    /** The killed runs whose leftovers the host asked this executor to end, in order. */
    final List<String> leftoversEnded = new CopyOnWriteArrayList<>();
    /** When set, asking to end a killed run's leftovers fails. */
    volatile boolean leftoversFail;
    /** What {@link #submitConcurrency()} answers. */
    volatile int concurrency = 1;
    /** When set, submit waits for it, so tests can hold launches in flight. */
    volatile CountDownLatch submitGate;
    final AtomicInteger inSubmit = new AtomicInteger();
    final AtomicInteger peakInSubmit = new AtomicInteger();
    /** When set, submit throws it, as an executor that cannot launch would. */
    volatile RuntimeException submitFailure;
    /** The clock the tasks' start and end times come from. */
    volatile TimeSource clock = TimeSource.system();
    /** Runs when the monitor closes the executor, at the run's end. */
    volatile Runnable onClose = () -> { };
    /** While positive, each poll fails (and counts this down), as a backend that is briefly down would. */
    final AtomicInteger failingPolls = new AtomicInteger();

    FakeExecutor(ExecutorCapacity capacity) {
        this.capacity = capacity;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void start(ExecutorContext ctx) {
        this.context = ctx;
    }

    @Override
    public ExecutorCapacity capacity() {
        return capacity;
    }

    @Override
    public int submitConcurrency() {
        return concurrency;
    }

    /** When set, a submitted task is pending until {@link #startAs} starts it. */
    volatile boolean pendingUntilStarted;

    /** What {@link #launchesAhead()} answers. */
    volatile int ahead;

    @Override
    public int launchesAhead() {
        return ahead;
    }

    /** Reports the named task running under an id learnt at its start, as an executor that queues launches does. */
    void startAs(String taskName, String nativeId) {
        SubmittedTask s = byName.get(taskName);
        statuses.put(s.nativeId(), TaskStatus.running(clock.now()).withNativeId(nativeId));
        context.statusChanged();
    }

    @Override
    public SubmittedTask submit(TaskLaunch launch) {
        RuntimeException failure = submitFailure;
        if (failure != null) {
            throw failure;
        }
        peakInSubmit.accumulateAndGet(inSubmit.incrementAndGet(), Math::max);
        try {
            CountDownLatch gate = submitGate;
            if (gate != null) {
                gate.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            inSubmit.decrementAndGet();
        }
        SubmittedTask s = new SubmittedTask(launch.task().id(), launch.task().attempt(),
                "fake-" + launch.task().id() + "-" + launch.task().attempt());
        statuses.put(s.nativeId(), pendingUntilStarted ? TaskStatus.pending() : TaskStatus.running(clock.now()));
        byName.put(launch.task().name(), s);
        peakActive.accumulateAndGet(active.incrementAndGet(), Math::max);
        order.add("submit " + launch.task().name());
        submissions.add(launch);
        return s;
    }

    /** The next submission, waiting up to 10 s. */
    TaskLaunch nextSubmission() throws InterruptedException {
        TaskLaunch launch = submissions.poll(10, TimeUnit.SECONDS);
        if (launch == null) {
            throw new AssertionError("no submission within 10 s");
        }
        return launch;
    }

    /** The name of the task with that id, once submitted. */
    String nameOf(String taskId) {
        return byName.entrySet().stream().filter(e -> e.getValue().taskId().equals(taskId)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError("task " + taskId + " was not submitted"));
    }

    /** Ends the latest attempt of the task with that name. */
    void complete(String taskName, int exitCode) {
        SubmittedTask s = byName.get(taskName);
        end(s, TaskStatus.completed(exitCode, clock.now(), clock.now()));
    }

    private void end(SubmittedTask s, TaskStatus status) {
        if (statuses.get(s.nativeId()).state().isTerminal()) {
            return;
        }
        statuses.put(s.nativeId(), status);
        active.decrementAndGet();
        context.statusChanged();
    }

    @Override
    public void endLeftovers(String runId) throws ExecutorException {
        if (leftoversFail) {
            throw new ExecutorException("the backend is down");
        }
        leftoversEnded.add(runId);
    }

    /** When set, the executor adopts: the killed runs' leftovers are ended sparing what it will take up. */
    volatile boolean adopts;
    /** Each call to end leftovers while adopting: the run and the native ids spared, in order. */
    final List<String> leftoversSpared = new CopyOnWriteArrayList<>();
    /** Ends of leftovers and submissions, in the order they came. */
    final List<String> order = new CopyOnWriteArrayList<>();
    /** The tasks taken up, as launched in the killed run, in order. */
    final BlockingQueue<TaskLaunch> adoptions = new LinkedBlockingQueue<>();

    @Override
    public boolean adoptsLeftovers() {
        return adopts;
    }

    @Override
    public void endLeftovers(String runId, java.util.Set<String> sparing) throws ExecutorException {
        if (leftoversFail) {
            throw new ExecutorException("the backend is down");
        }
        leftoversSpared.add(runId + " sparing " + new java.util.TreeSet<>(sparing));
        order.add(runId + " sparing " + new java.util.TreeSet<>(sparing));
    }

    /** What this executor called the named task's latest attempt. */
    String nativeIdOf(String taskName) {
        return byName.get(taskName).nativeId();
    }

    @Override
    public SubmittedTask adopt(TaskLaunch launch, String runId, String nativeId) {
        SubmittedTask s = new SubmittedTask(launch.task().id(), launch.task().attempt(), nativeId);
        statuses.put(nativeId, TaskStatus.running(clock.now()));
        byName.put(launch.task().name(), s);
        active.incrementAndGet();
        adoptions.add(launch);
        return s;
    }

    @Override
    public Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) throws ExecutorException {
        if (failingPolls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new ExecutorException("the backend is down");
        }
        Map<SubmittedTask, TaskStatus> result = new HashMap<>();
        for (SubmittedTask t : tasks) {
            result.put(t, statuses.get(t.nativeId()));
        }
        return result;
    }

    @Override
    public void terminate(Collection<SubmittedTask> tasks, Duration gracePeriod) {
        for (SubmittedTask t : tasks) {
            killed.add(t.taskId());
            if (honourKills && !ignoreTerminate && !statuses.get(t.nativeId()).state().isTerminal()) {
                end(t, TaskStatus.ended(TaskStatus.State.CANCELLED, "terminated", 143, clock.now(), clock.now()));
            }
        }
    }

    @Override
    public void force(Collection<SubmittedTask> tasks) {
        for (SubmittedTask t : tasks) {
            forced.add(t.taskId());
            if (!killed.contains(t.taskId())) {
                killed.add(t.taskId()); // forced without being asked first: no grace
            }
            if (honourKills && !statuses.get(t.nativeId()).state().isTerminal()) {
                end(t, TaskStatus.ended(TaskStatus.State.CANCELLED, "killed", 137, clock.now(), clock.now()));
            }
        }
    }

    @Override
    public void close() {
        onClose.run();
    }
}
