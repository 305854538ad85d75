package dev.sluice.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.pf4j.ExtensionPoint;

/**
 * Runs tasks somewhere: local processes, a batch scheduler, a cloud service. The host's
 * {@code TaskPollingMonitor} owns the queues, capacity accounting, rate limits, retries and threads;
 * an executor only launches, reports and kills.
 *
 * <p>Life cycle: {@link #start} once per run, then any number of {@link #submit}, {@link #poll},
 * {@link #terminate} and {@link #force} calls from the monitor's thread (submit from up to
 * {@link #submitConcurrency()} threads at once), then {@link #close}. Executors must not hold a
 * thread per running task, and do not escalate kills: the host forces a task after its grace.
 */
public interface TaskExecutor extends ExtensionPoint {

    /** The name pipelines and configs select the executor by, e.g. {@code local}, {@code slurm}. */
    String name();

    /** Prepares for a run. Fails with {@link ExecutorException} when the executor is unusable. */
    default void start(ExecutorContext context) throws ExecutorException {
    }

    /** What the executor can hold at once. Called after {@link #start}. */
    ExecutorCapacity capacity();

    /**
     * Launches one task attempt and returns without waiting for it to end.
     *
     * @throws TaskException          when this task cannot be launched (a bad request, a missing
     *                                program); retryable when trying again may help
     * @throws ExecutorException      when the executor as a whole is failing
     */
    SubmittedTask submit(TaskLaunch launch) throws TaskException, ExecutorException;

    /**
     * How many {@link #submit} calls the host may make at once, from different threads. The default,
     * 1, means submit is called from the monitor's thread only. An executor whose submit blocks for a
     * while (starting a process, running a scheduler's submit command) and is thread-safe returns
     * more, so that launches overlap instead of queueing behind each other.
     */
    default int submitConcurrency() {
        return 1;
    }

    /**
     * How many launches beyond its {@link #capacity()} the executor takes and starts by itself, in the order
     * given, as room frees: a queue of its own, so that the next task starts the moment one ends instead of
     * after the host heard of the end. The host hands over at most this many tasks more than the capacity
     * holds; the executor reports them {@link TaskStatus.State#PENDING} until they run, with their
     * {@link TaskStatus#nativeId()} when that is learnt only at the start. Called after {@link #start}. The
     * default, 0, means the host hands over only what fits.
     */
    default int launchesAhead() {
        return 0;
    }

    /**
     * Reports the status of many submitted tasks at once, in one query where the backend allows it.
     * Tasks missing from the answer are taken as unchanged.
     */
    Map<SubmittedTask, TaskStatus> poll(Collection<SubmittedTask> tasks) throws ExecutorException;

    /**
     * Asks tasks to stop (SIGTERM to the task's process group, or the backend's equivalent) and
     * returns without waiting; the end shows up in a later {@link #poll}. The host owns the
     * escalation: a task that has not ended after {@code gracePeriod} gets {@link #force}. The
     * grace is given so a backend can tell the task how long it has (a cancelation file, a notice
     * period); an executor does not force the task itself.
     *
     * <p>The default calls the deprecated {@link #kill}, so executors written before this method
     * keep working for one release.
     */
    default void terminate(Collection<SubmittedTask> tasks, Duration gracePeriod) throws ExecutorException {
        kill(tasks, gracePeriod);
    }

    /**
     * Ends tasks at once (SIGKILL to the task's process group, or the backend's equivalent): called by
     * the host when a grace period has passed, or with no grace at all. Returns without waiting; the
     * end shows up in a later {@link #poll}.
     *
     * <p>The default calls the deprecated {@link #kill} with no grace.
     */
    default void force(Collection<SubmittedTask> tasks) throws ExecutorException {
        kill(tasks, Duration.ZERO);
    }

    /**
     * Ends tasks, escalating from asking to forcing after {@code gracePeriod} by itself.
     *
     * @deprecated implement {@link #terminate} and {@link #force} instead and let the host escalate;
     *             the host calls only those two, whose defaults call this method, so an executor that
     *             implements only {@code kill} keeps working for one release. An executor that
     *             implements none of the three cannot end its tasks.
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    default void kill(Collection<SubmittedTask> tasks, Duration gracePeriod) throws ExecutorException {
        throw new ExecutorException("executor '" + name() + "' cannot end tasks: it implements neither "
                + "terminate and force nor kill");
    }

    /**
     * Health monitors of this executor's own, probed for its tasks only (a container executor checks
     * that the task's container still runs). The host calls this once, after {@link #start}, and runs
     * them like the {@link TaskHealthMonitor} extensions of plugins.
     */
    default List<TaskHealthMonitor> healthMonitors() {
        return List.of();
    }

    /**
     * Checks a process's hints in this executor's namespace before anything runs ({@code sluice
     * validate} and the start of {@code sluice run}), for the processes that select this executor.
     * The default accepts everything; an executor with hints of its own checks their names and values,
     * for example with {@link Hints#requireKnown}.
     *
     * @throws InvalidSettingException naming the bad key and the fix
     */
    default void validateHints(Hints hints) {
    }

    /**
     * Checks the executor's section of the operator config ({@code executors.<name>}) before anything
     * runs ({@code sluice validate} and the start of {@code sluice run}), so that both refuse what
     * {@link #start} would: unknown keys, values out of range. The default accepts everything; an
     * executor with settings checks them here and reads them in {@code start}, with the same code.
     *
     * @throws InvalidSettingException naming the bad key and the fix
     */
    default void validateConfig(Settings config) {
    }

    /**
     * A task called back through the host's {@link CallbackEndpoint}. Called on one of the host's
     * HTTP threads, so it must be quick and thread-safe: record what arrived and call
     * {@link ExecutorContext#statusChanged()}; the status itself is reported by the next
     * {@link #poll}.
     *
     * @param key  what follows the executor's callback URL, e.g. a job id
     * @param body the request's body as text (at most a few kilobytes)
     * @return whether the key names one of this executor's tasks; the caller gets 404 when not
     */
    default boolean callback(String key, String body) {
        return false;
    }

    /**
     * Ends what an earlier run in the same work directory left with this executor when its host was
     * killed before ending its tasks (its {@code runs/<run id>} still marked as live, with no host
     * holding it). The host calls this once per such run, after {@link #start} and before the first
     * {@link #submit}. An executor whose tasks die with their host (the local executor) needs nothing
     * here; a batch scheduler cancels that run's jobs, a container executor removes its containers. The
     * default does nothing. A failure is logged and the run goes on; the same run is offered again next
     * time.
     *
     * @param runId the earlier run's id, as {@link ExecutorContext#runId()} was for it
     * @throws ExecutorException when the backend could not be asked to end them
     */
    default void endLeftovers(String runId) throws ExecutorException {
    }

    /**
     * Whether this executor can take up, in a resumed run, a task that an earlier run launched and
     * whose host was killed while it ran ({@link #adopt}): true for executors whose tasks outlive their
     * host and can be found again by what the executor called them (a batch job by its id). The default
     * is false: the host then ends such tasks ({@link #endLeftovers}) and runs them again.
     */
    default boolean adoptsLeftovers() {
        return false;
    }

    /**
     * Ends what an earlier run left, as {@link #endLeftovers(String)} does, except the tasks named in
     * {@code sparing} (by {@link SubmittedTask#nativeId()}), which the host takes up ({@link #adopt}) or
     * has taken up. Called instead of {@link #endLeftovers(String)} on executors that
     * {@link #adoptsLeftovers()}, with nothing spared without {@code --resume}; under {@code --resume}
     * again, with a smaller set, when the host declines a spared task, and once more with nothing spared
     * when its run has finished. The default, for executors that adopt nothing, ends everything when
     * nothing is spared and fails otherwise.
     *
     * @throws ExecutorException when the backend could not be asked to end them
     */
    default void endLeftovers(String runId, java.util.Set<String> sparing) throws ExecutorException {
        if (!sparing.isEmpty()) {
            throw new ExecutorException("executor '" + name() + "' cannot spare tasks it does not adopt");
        }
        endLeftovers(runId);
    }

    /**
     * Takes up a task that an earlier run launched, whose host was killed before it saw the task end: from
     * now on {@link #poll} reports on it as on a task this run submitted, and {@link #terminate} and
     * {@link #force} end it. Nothing is launched. {@code launch} is the attempt as it was (its handle and
     * its files, in the earlier run's work directory); its command is the task's own, unwrapped.
     * {@code runId} is the earlier run's id, as {@link ExecutorContext#runId()} was for it, and
     * {@code nativeId} what this executor called the task then. A task that has ended meanwhile is
     * reported ended by a later poll, with the exit code it left. Called only on executors that
     * {@link #adoptsLeftovers()}, as {@link #submit} is: from the monitor's thread, or from up to
     * {@link #submitConcurrency()} threads at once, beside submits.
     *
     * @return the task as this run knows it; its native id is {@code nativeId}
     * @throws TaskException     when this task cannot be followed: the attempt fails as a refused submit
     *                           does; what is left of it is ended with the run's other leftovers
     * @throws ExecutorException when the executor as a whole is failing
     */
    default SubmittedTask adopt(TaskLaunch launch, String runId, String nativeId)
            throws TaskException, ExecutorException {
        throw new ExecutorException("executor '" + name() + "' does not adopt tasks");
    }

    /** Releases what the executor holds; running tasks have been killed by then. */
    default void close() {
    }
}
