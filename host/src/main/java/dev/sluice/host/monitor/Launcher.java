package dev.sluice.host.monitor;

import dev.sluice.host.logging.TaskLogContext;
import dev.sluice.host.task.Task;
import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.TaskWrapper;
import dev.sluice.spi.WrappedTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a gated attempt into what its executor launches: the task's command put through every
 * wrapper that applies to it, innermost first, and the submit call itself, on the monitor's thread or
 * on the executor's submit threads. Returns what happened; the loop decides what follows.
 */
final class Launcher {
    private static final Logger log = LoggerFactory.getLogger(Launcher.class);
    private final List<TaskWrapper> wrappers;

    Launcher(List<TaskWrapper> wrappers) {
        // Lowest priority wraps the task's own command; the highest ends up outermost.
        // Compared in a lambda of this class rather than with Comparator's factories, whose own lambdas the
        // ahead-of-time cache does not hold (classes generated at every start).
        this.wrappers = wrappers.stream().sorted((a, b) -> a.priority() != b.priority()
                ? Integer.compare(a.priority(), b.priority()) : a.id().compareTo(b.id())).toList();
    }

    /** An attempt ready to submit: what the executor gets, and the wrappers that watch it. */
    record Launch(TaskLaunch launch, Wrapping wrapping) {
    }

    /**
     * Wraps the attempt.
     *
     * @throws TaskException     when a wrapper refused the task; the message says why
     * @throws RuntimeException  when a wrapper failed unexpectedly
     */
    Launch wrap(Task task, TaskFiles files) throws TaskException {
        LaunchCommand command = new LaunchCommand(task.command(), task.environment(), task.workDir());
        List<WrappedTask> opened = new ArrayList<>(2);
        try {
            for (TaskWrapper wrapper : wrappers) {
                LaunchCommand inner = command;
                if (PluginCalls.call(wrapper, () -> wrapper.appliesTo(task))) {
                    WrappedTask wrapped = PluginCalls.call(wrapper, () -> wrapper.open(task, inner));
                    opened.add(wrapped);
                    command = wrapped.command();
                }
            }
            Wrapping wrapping = new Wrapping(opened);
            return new Launch(new TaskLaunch(withTimeLimit(task, wrapping.timeLimit()), command, files), wrapping);
        } catch (TaskException | RuntimeException e) {
            // The attempt will not run: the wrappers that opened it hear its end, as the SPI promises.
            new Wrapping(opened).ended();
            throw e;
        }
    }

    /**
     * An adopted attempt as its executor gets it: the task's own command, unwrapped. Its wrappers do not
     * open: what they would set up for it was set up by the run that launched it.
     */
    Launch unwrapped(Task task, TaskFiles files) {
        return new Launch(new TaskLaunch(task, new LaunchCommand(task.command(), task.environment(), task.workDir()),
                files), Wrapping.NONE);
    }

    /**
     * Where the submit threads' answers go, onto the loop's thread. A quick answer (a local launch, a
     * fraction of a millisecond) need not wake the loop: it waits for the loop's next wake-up, which
     * comes soon anyway (the next task's end; at the latest the loop looks by itself, twice the time
     * {@link #handOver} allows after the last hand-over), and the loop is woken once per task instead of
     * twice.
     */
    interface Answers {
        /** Hands an event to the loop and wakes it. */
        void post(Runnable event);

        /**
         * Called on the loop's thread as a submission is handed to a submit thread.
         *
         * @return until when, on {@link System#nanoTime}, an answer may wait for the loop's next wake-up
         *         without waking it; {@link Long#MIN_VALUE} where none may (a test's clock, which the loop
         *         does not follow in real time)
         */
        default long handOver() {
            return Long.MIN_VALUE;
        }

        /** Hands an event to the loop without waking it. */
        default void enqueue(Runnable event) {
            post(event);
        }

        /** Wakes the loop, for an answer queued after its bound. */
        default void wake() {
        }
    }

    /** What one submit call gave: the submitted task, or the exception it threw. */
    record Submitted(SubmittedTask task, Exception error) {
    }

    /**
     * Submits the attempt: on the monitor's thread when the executor takes one submit at a time,
     * otherwise on its submit threads. {@code answer} gets the outcome on the monitor's thread (through
     * {@code answers} when it comes from another).
     *
     * @return whether the answer will come later, through {@code answers}
     */
    static boolean submit(ExecutorRuntime exec, TaskLaunch launch, Answers answers, Consumer<Submitted> answer) {
        return submit(exec, launch, null, null, answers, answer);
    }

    /**
     * Submits the attempt, or takes it up from the killed run that launched it when {@code adoption} is
     * not {@code null} ({@link dev.sluice.spi.TaskExecutor#adopt}); otherwise as {@link #submit(ExecutorRuntime,
     * TaskLaunch, Answers, Consumer)}. {@code record}, when not {@code null}, gets the task's native id on
     * the thread that submitted it, as soon as the executor answers: what must be on disk before the
     * host can be killed with the task running unrecorded goes there, not through the monitor's queue.
     */
    static boolean submit(ExecutorRuntime exec, TaskLaunch launch, TaskPreparer.Adoption adoption,
            Consumer<String> record, Answers answers, Consumer<Submitted> answer) {
        if (exec.submitPool == null) {
            answer.accept(call(exec, launch, adoption, record));
            return false;
        }
        exec.submitting++;
        // The launch that takes the last free submit thread: a task may be waiting for one, so its answer
        // wakes the loop.
        long quietUntil = exec.submitting < exec.submitConcurrency ? answers.handOver() : Long.MIN_VALUE;
        exec.submitPool.execute(() -> {
            Submitted outcome = call(exec, launch, adoption, record);
            Runnable event = () -> {
                exec.submitting--;
                answer.accept(outcome);
                if (outcome.task() != null) {
                    // It may have ended before it got here, its "status changed" spent on a poll that
                    // could not see it yet: look again at the next poll.
                    exec.statusChanged = true;
                }
            };
            deliver(answers, outcome, event, quietUntil, System::nanoTime);
        });
        return true;
    }

    /**
     * Hands an answer to the loop. A launch, where the hand-over gave a bound, is queued, and wakes the
     * loop only if the bound has passed by the time it is queued: the clock is read after queuing, so an
     * answer the loop may have missed (it looks at its inbox before sleeping past its own bound) always
     * wakes it. A failure, or any answer without a bound, wakes the loop at once.
     */
    static void deliver(Answers answers, Submitted outcome, Runnable event, long quietUntil, LongSupplier nanoTime) {
        if (outcome.task() == null || quietUntil == Long.MIN_VALUE) {
            answers.post(event);
            return;
        }
        answers.enqueue(event);
        if (nanoTime.getAsLong() - quietUntil >= 0) {
            answers.wake();
        }
    }

    private static Submitted call(ExecutorRuntime exec, TaskLaunch launch, TaskPreparer.Adoption adoption,
            Consumer<String> record) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(exec.executor.getClass().getClassLoader());
        SubmittedTask submitted;
        try (var logContext = TaskLogContext.of(launch.task().id(), launch.task().processName())) {
            submitted = adoption == null ? exec.executor.submit(launch)
                    : exec.executor.adopt(launch, adoption.runId(), adoption.nativeId());
        } catch (TaskException | ExecutorException | RuntimeException e) {
            return new Submitted(null, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
        if (record != null && submitted != null) {
            record.accept(submitted.nativeId());
        }
        return new Submitted(submitted, null);
    }

    private static TaskHandle withTimeLimit(Task task, Optional<Duration> limit) {
        Resources r = task.resources();
        if (limit.isEmpty() || (r.time() != null && r.time().compareTo(limit.get()) <= 0)) {
            return task;
        }
        return task.withResources(new Resources(r.cpus(), r.memoryBytes(), limit.get(), r.accelerators(),
                r.acceleratorType()));
    }

    /** The wrappers of one attempt, as one: the loop talks to this, never to each. */
    static final class Wrapping {
        static final Wrapping NONE = new Wrapping(List.of());
        private final List<WrappedTask> wrapped;

        Wrapping(List<WrappedTask> wrapped) {
            this.wrapped = List.copyOf(wrapped);
        }

        /** The tightest time limit any wrapper sets. */
        Optional<Duration> timeLimit() {
            // A loop, not a stream: every launch asks, mostly with no wrapper at all.
            Duration tightest = null;
            for (WrappedTask w : wrapped) {
                Duration limit = quietly(w, "timeLimit", w::timeLimit, Optional.<Duration>empty()).orElse(null);
                if (limit != null && limit.isPositive() && (tightest == null || limit.compareTo(tightest) < 0)) {
                    tightest = limit;
                }
            }
            return Optional.ofNullable(tightest);
        }

        /**
         * The longest grace any wrapper asks for, or {@code runGrace} when none does; called while the
         * run stops tasks, so a wrapper that fails here costs its own grace, not the stop.
         */
        Duration killGrace(Duration runGrace) {
            return wrapped.stream().map(w -> quietly(w, "killGrace", w::killGrace, Optional.<Duration>empty()))
                    .flatMap(Optional::stream).filter(grace -> !grace.isNegative()).max(Comparator.naturalOrder())
                    .orElse(runGrace);
        }

        void launched(WrappedTask.Reports reports) {
            wrapped.forEach(w -> quietly(w, "launched", () -> {
                w.launched(reports);
                return null;
            }, null));
        }

        void beforeCancel(Duration grace) {
            wrapped.forEach(w -> quietly(w, "beforeCancel", () -> {
                w.beforeCancel(grace);
                return null;
            }, null));
        }

        /** Every wrapper's verdict, innermost first: the first failure and the first explanation win. */
        WrappedTask.Ending ended() {
            Optional<String> failure = Optional.empty();
            Optional<String> explanation = Optional.empty();
            for (WrappedTask w : wrapped) {
                WrappedTask.Ending ending = quietly(w, "ended", w::ended, WrappedTask.Ending.NONE);
                failure = failure.or(ending::failure);
                explanation = explanation.or(ending::explanation);
            }
            return new WrappedTask.Ending(failure, explanation);
        }

        /**
         * A wrapper's hook that fails is logged and skipped: the attempt runs on, and a broken watch
         * must not stop the run.
         */
        private static <T> T quietly(WrappedTask w, String hook, PluginCalls.ThrowingSupplier<T, RuntimeException> call,
                T fallback) {
            try {
                T result = PluginCalls.call(w, call);
                return result == null ? fallback : result;
            } catch (RuntimeException e) {
                log.warn("a task wrapper failed in {}: {}", hook, PluginCalls.describe(e), e);
                return fallback;
            }
        }
    }
}
