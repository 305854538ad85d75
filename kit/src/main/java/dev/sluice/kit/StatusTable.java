package dev.sluice.kit;

import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What an executor knows of its tasks, kept in memory so that {@code poll} answers without asking the
 * backend: each submitted task with the executor's own record of it (a process, a container, a job) and
 * its latest status. Exit handlers, callbacks and status threads record statuses from their own threads;
 * {@link #answer} reads them for the monitor's thread. One lock guards the table: every operation is a
 * few map look-ups, so contention costs less than a finer scheme would in code.
 *
 * <p>Executors differ in three ways, chosen when the table is made: what a poll answers for a task the
 * table does not hold ({@link Unknown}), whether a poll repeats a status the host has already been given
 * ({@link Reporting}), and whether an end stays after it was reported ({@link Ends}).
 *
 * @param <T> the executor's record of one task
 */
public final class StatusTable<T> {

    /** What a poll answers for a task the table does not hold. */
    @FunctionalInterface
    public interface Unknown {
        /** The status to answer for {@code task}, or empty to leave it out (the host takes it as unchanged). */
        Optional<TaskStatus> answer(SubmittedTask task);

        /** Leaves unknown tasks out: right for a backend that may learn of a task late. */
        static Unknown leftOut() {
            return task -> Optional.empty();
        }

        /**
         * Answers {@code FAILED} with {@code reason}: right where the executor holds everything it launched,
         * so a task it does not hold will never be seen and would otherwise wait forever.
         */
        static Unknown failed(Function<SubmittedTask, String> reason) {
            Objects.requireNonNull(reason, "reason");
            return task -> Optional.of(TaskStatus.ended(TaskStatus.State.FAILED, reason.apply(task), null, null,
                    null));
        }
    }

    /** Which statuses a poll answers. */
    public enum Reporting {
        /** The current status of every task asked about, each time. */
        EVERY_POLL,
        /** Only what changed since the last answer (a new state, or the end), so a poll of thousands is small. */
        CHANGES_ONLY
    }

    /** What becomes of a task once its end has been reported. */
    public enum Ends {
        /** It stays, so a later poll of it (or a late kill) still finds it. */
        KEPT,
        /** It is dropped with its record, so a long run holds only the tasks in flight. */
        FORGOTTEN_ONCE_REPORTED
    }

    private final Unknown unknown;
    private final Reporting reporting;
    private final Ends ends;
    private final Map<SubmittedTask, Entry<T>> entries = new LinkedHashMap<>();

    private static final class Entry<T> {
        final T record;
        /** The latest status, or {@code null} while nothing is known of the task yet. */
        TaskStatus status;
        /** The state last given to the host, for {@link Reporting#CHANGES_ONLY}. */
        TaskStatus.State reported;

        Entry(T record, TaskStatus status) {
            this.record = record;
            this.status = status;
        }
    }

    public StatusTable(Unknown unknown, Reporting reporting, Ends ends) {
        this.unknown = Objects.requireNonNull(unknown, "unknown");
        this.reporting = Objects.requireNonNull(reporting, "reporting");
        this.ends = Objects.requireNonNull(ends, "ends");
    }

    /**
     * Holds a task just submitted, with {@code status} as what is known of it so far, or {@code null} when
     * nothing is (a poll then answers nothing for it).
     */
    public synchronized void add(SubmittedTask task, T record, TaskStatus status) {
        Objects.requireNonNull(record, "record");
        entries.put(task, new Entry<>(record, status));
    }

    /**
     * Records a task's latest status. The first end wins: a status that arrives after the task ended
     * (a late callback beside a status query, a second exit report) is ignored.
     *
     * @return whether the status was recorded; false when the task is unknown or has already ended
     */
    public synchronized boolean record(SubmittedTask task, TaskStatus status) {
        Objects.requireNonNull(status, "status");
        Entry<T> entry = entries.get(task);
        if (entry == null || hasEnded(entry)) {
            return false;
        }
        entry.status = status;
        return true;
    }

    /** Drops a task the host was never given (its {@code submit} failed after {@link #add}). */
    public synchronized void forget(SubmittedTask task) {
        entries.remove(task);
    }

    /** The executor's record of a task, while the table holds it. */
    public synchronized Optional<T> get(SubmittedTask task) {
        Entry<T> entry = entries.get(task);
        return entry == null ? Optional.empty() : Optional.of(entry.record);
    }

    /** The latest status recorded for a task, if any. */
    public synchronized Optional<TaskStatus> status(SubmittedTask task) {
        Entry<T> entry = entries.get(task);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.status);
    }

    /** Whether the table holds the task and it has not ended: a task to signal, a job to ask about. */
    public synchronized boolean isLive(SubmittedTask task) {
        Entry<T> entry = entries.get(task);
        return entry != null && !hasEnded(entry);
    }

    /** The records of the tasks held that have not ended, in the order they were added. */
    public synchronized List<T> live() {
        return entries.values().stream().filter(e -> !hasEnded(e)).map(e -> e.record).toList();
    }

    /** The records of the tasks of {@code batch} that the table holds and that have not ended: those to signal. */
    public synchronized List<T> live(Collection<SubmittedTask> batch) {
        List<T> live = new ArrayList<>();
        for (SubmittedTask task : batch) {
            Entry<T> entry = entries.get(task);
            if (entry != null && !hasEnded(entry)) {
                live.add(entry.record);
            }
        }
        return live;
    }

    /** The records of every task held, ended ones included. */
    public synchronized List<T> all() {
        return entries.values().stream().map(e -> e.record).toList();
    }

    /**
     * The answer to a poll of {@code batch}, per the table's {@link Reporting} and {@link Unknown} rules;
     * ends are dropped here when they are {@link Ends#FORGOTTEN_ONCE_REPORTED}.
     */
    public synchronized Map<SubmittedTask, TaskStatus> answer(Collection<SubmittedTask> batch) {
        Map<SubmittedTask, TaskStatus> answer = new LinkedHashMap<>();
        for (SubmittedTask task : batch) {
            Entry<T> entry = entries.get(task);
            if (entry == null) {
                unknown.answer(task).ifPresent(status -> answer.put(task, status));
                continue;
            }
            TaskStatus status = entry.status;
            if (status == null || (reporting == Reporting.CHANGES_ONLY && status.state() == entry.reported)) {
                continue;
            }
            answer.put(task, status);
            entry.reported = status.state();
            if (status.state().isTerminal() && ends == Ends.FORGOTTEN_ONCE_REPORTED) {
                entries.remove(task);
            }
        }
        return answer;
    }

    private static boolean hasEnded(Entry<?> entry) {
        return entry.status != null && entry.status.state().isTerminal();
    }
}
