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

    /** Whether every task has reached a terminal state. */
    boolean finished() {
        return unfinished == 0;
    }

    /** The processes that depend on nothing: they start with the run. */
    List<ProcessRuntime> roots() {
        return processes.stream().filter(p -> p.upstream.isEmpty()).toList();
    }

    /** A task reached a terminal state: what its process's end lets go, if it ended the process. */
    List<Next> taskEnded(TaskProgress rec) {
        unfinished--;
        ProcessRuntime p = rec.process;
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
