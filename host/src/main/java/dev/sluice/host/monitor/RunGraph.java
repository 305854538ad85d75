package dev.sluice.host.monitor;

import dev.sluice.host.config.TaskSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's processes and tasks, and the order the pipeline's DAG allows: which processes may start
 * now, and what an ended task lets go. It answers; the loop releases. Tasks are numbered in the order
 * they are added, so a later source of tasks (an API) can add to a run already going.
 */
final class RunGraph {
    /** What follows for a downstream process once every process it depends on has finished. */
    sealed interface Next {
        ProcessRuntime process();

        /** Every upstream task succeeded (or was ignored): its tasks may start. */
        record Release(ProcessRuntime process) implements Next {
        }

        /** An upstream process did not succeed: its tasks are skipped with {@code reason}. */
        record Skip(ProcessRuntime process, String reason) implements Next {
        }
    }

    private final List<ProcessRuntime> processes = new ArrayList<>();
    private final Map<String, ProcessRuntime> processByName = new HashMap<>();
    private final List<TaskProgress> tasks = new ArrayList<>();
    private final Map<String, TaskProgress> byId = new HashMap<>();
    private int unfinished;
    /**
     * Set for a run that takes tasks while it goes ({@code sluice serve}): a task that ended long enough ago is
     * let go ({@link #letGoOfSettled}), so that a long-lived run holds what is going on, not all it ever did.
     */
    private boolean lettingGo;
    /** Tasks ended, oldest first, with when (the run's nanoTime); kept only while {@link #lettingGo}. */
    private final java.util.ArrayDeque<Settled> settled = new java.util.ArrayDeque<>();
    /** The final states of the tasks let go, counted. */
    private final Map<dev.sluice.host.task.TaskState, Integer> letGo =
            new java.util.EnumMap<>(dev.sluice.host.task.TaskState.class);

    private record Settled(TaskProgress task, long at) {
    }

    /** A task is let go no sooner than this after its end: late events of its attempt still find it. */
    static final java.time.Duration LET_GO_AFTER = java.time.Duration.ofMinutes(1);
    /** Tasks let go together, at least: each pass walks its processes' task lists once. */
    static final int LET_GO_BATCH = 1024;

    RunGraph(List<ProcessPlan> plans) {
        Map<String, ProcessRuntime> byName = new HashMap<>();
        for (ProcessPlan plan : plans) {
            ProcessRuntime p = new ProcessRuntime(plan.process());
            processes.add(p);
            byName.put(p.name(), p);
            processByName.put(p.name(), p);
            for (TaskSpec spec : plan.tasks()) {
                TaskProgress rec = new TaskProgress(Integer.toString(tasks.size() + 1), spec, p);
                p.tasks.add(rec);
                tasks.add(rec);
                byId.put(rec.id, rec);
            }
            p.unfinished = p.tasks.size();
        }
        for (ProcessRuntime p : processes) {
            for (String up : p.effective().def().dependsOn()) {
                ProcessRuntime u = byName.get(up);
                if (u == null) {
                    throw new IllegalArgumentException("process '" + p.name() + "' depends on unknown '" + up + "'");
                }
                p.upstream.add(u);
                u.downstream.add(p);
            }
        }
        unfinished = tasks.size();
    }

    List<ProcessRuntime> processes() {
        return processes;
    }

    /** Every task, in id order. */
    List<TaskProgress> tasks() {
        return tasks;
    }

    TaskProgress task(String id) {
        return byId.get(id);
    }

    /** The process of this name, or {@code null}. */
    ProcessRuntime process(String name) {
        return processByName.get(name);
    }

    /**
     * A task joins the run: the last of {@code p}'s tasks, with its own id. Only a process that depends on
     * nothing and that nothing depends on takes tasks after the start, so no dependency is ever decided
     * before all its tasks are known.
     *
     * @throws IllegalArgumentException for an id already taken, or a process in the DAG
     */
    TaskProgress add(ProcessRuntime p, String id, TaskSpec spec) {
        if (!p.upstream.isEmpty() || !p.downstream.isEmpty()) {
            throw new IllegalArgumentException("process '" + p.name() + "' is part of a DAG and takes no tasks after"
                    + " the run started");
        }
        if (byId.containsKey(id)) {
            throw new IllegalArgumentException("task id '" + id + "' is taken");
        }
        TaskProgress rec = new TaskProgress(id, spec, p);
        p.tasks.add(rec);
        p.unfinished++;
        tasks.add(rec);
        byId.put(id, rec);
        unfinished++;
        return rec;
    }

    /** From now on, tasks that ended a while ago are let go (a run with an intake). */
    void letGoOfSettledTasks() {
        lettingGo = true;
    }

    boolean lettingGo() {
        return lettingGo;
    }

    /**
     * Lets go of tasks that ended at least {@link #LET_GO_AFTER} before {@code now}, once there are
     * {@link #LET_GO_BATCH} of them: they leave the run's lists, their final states are counted. Only tasks
     * of processes that nothing depends on are let go (the DAG decides by its tasks' states).
     *
     * @return the final states of those let go, counted; empty when none was
     */
    Map<dev.sluice.host.task.TaskState, Integer> letGoOfSettled(long now) {
        if (settled.size() < LET_GO_BATCH || now - settled.peekFirst().at() < LET_GO_AFTER.toNanos()) {
            return Map.of();
        }
        Map<dev.sluice.host.task.TaskState, Integer> batch = new java.util.EnumMap<>(dev.sluice.host.task.TaskState.class);
        java.util.Set<TaskProgress> gone = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (!settled.isEmpty() && now - settled.peekFirst().at() >= LET_GO_AFTER.toNanos()) {
            TaskProgress rec = settled.pollFirst().task();
            gone.add(rec);
            byId.remove(rec.id);
            letGo.merge(rec.state, 1, Integer::sum);
            batch.merge(rec.state, 1, Integer::sum);
        }
        tasks.removeIf(gone::contains);
        java.util.Set<ProcessRuntime> touched = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        gone.forEach(rec -> touched.add(rec.process));
        for (ProcessRuntime p : touched) {
            // The dispatcher walks a process's tasks by index: those before its mark that go move it back.
            int before = 0;
            for (int i = 0; i < p.takenUp; i++) {
                if (gone.contains(p.tasks.get(i))) {
                    before++;
                }
            }
            p.tasks.removeIf(gone::contains);
            p.takenUp -= before;
        }
        return batch;
    }

    /** The final states of the tasks let go so far, counted. */
    Map<dev.sluice.host.task.TaskState, Integer> letGo() {
        return java.util.Collections.unmodifiableMap(letGo);
    }

    /** Whether every task has reached a terminal state. */
    boolean finished() {
        return unfinished == 0;
    }

    /** The processes that depend on nothing: they start with the run. */
    List<ProcessRuntime> roots() {
        return processes.stream().filter(p -> p.upstream.isEmpty()).toList();
    }

    /**
     * A task reached a terminal state: what its process's end lets go, if it ended the process.
     *
     * @param now the run's nanoTime, from which a task is let go later
     */
    List<Next> taskEnded(TaskProgress rec, long now) {
        unfinished--;
        ProcessRuntime p = rec.process;
        if (lettingGo && p.downstream.isEmpty()) {
            settled.addLast(new Settled(rec, now));
        }
        p.unfinished--;
        return p.finished() ? processFinished(p) : List.of();
    }

    /**
     * Every task of {@code p} ended (or it has none): the downstream processes whose upstream have
     * all finished are released or skipped, each once.
     */
    List<Next> processFinished(ProcessRuntime p) {
        List<Next> next = new ArrayList<>();
        for (ProcessRuntime d : p.downstream) {
            if (d.released || !d.upstream.stream().allMatch(ProcessRuntime::finished)) {
                continue;
            }
            d.released = true;
            ProcessRuntime failedUpstream = d.upstream.stream()
                    .filter(u -> u.tasks.stream().anyMatch(t -> !t.state.satisfiesDependents()))
                    .findFirst().orElse(null);
            next.add(failedUpstream == null ? new Next.Release(d)
                    : new Next.Skip(d, "upstream process '" + failedUpstream.name() + "' did not succeed"));
        }
        return next;
    }

    /** The processes not yet released, now marked released: the run stops before they start. */
    List<ProcessRuntime> releaseTheRest() {
        List<ProcessRuntime> rest = new ArrayList<>();
        for (ProcessRuntime p : processes) {
            if (!p.released) {
                p.released = true;
                rest.add(p);
            }
        }
        return rest;
    }
}
