package dev.sluice.host.monitor;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.task.TaskState;
import java.util.ArrayList;
import java.util.List;

/** The monitor's view of one process: its tasks, its place in the DAG and its own limits. */
public final class ProcessRuntime {
    private final EffectiveProcess effective;
    final List<TaskProgress> tasks = new ArrayList<>();
    final List<ProcessRuntime> upstream = new ArrayList<>();
    final List<ProcessRuntime> downstream = new ArrayList<>();
    /** Submit rate limit of this process, or {@code null}. */
    final RateLimiter rateLimiter;
    boolean released;
    /** How many of its tasks the dispatcher has taken up (prepared, cached or ended unstarted). */
    int takenUp;
    /** Its tasks prepared and not yet submitted: in their gates or queued. */
    int ahead;
    /**
     * Set at its release: an upstream process (or one upstream of that) that ran a task in this run
     * rather than reusing an earlier success, or {@code null}.
     */
    ProcessRuntime upstreamThatRan;
    int active;
    int unfinished;

    ProcessRuntime(EffectiveProcess effective) {
        this.effective = effective;
        this.rateLimiter = effective.submitRateLimit() == null ? null
                : RateLimiter.create(effective.submitRateLimit().perSecond());
    }

    public String name() {
        return effective.def().name();
    }

    public EffectiveProcess effective() {
        return effective;
    }

    public List<TaskProgress> tasks() {
        return tasks;
    }

    boolean finished() {
        return unfinished == 0;
    }

    /**
     * Works out {@link #upstreamThatRan} once its upstream processes have all ended: what a task of theirs
     * that ran again made may have changed, so {@code --resume} reuses nothing of this process.
     */
    void noteUpstreamThatRan() {
        for (ProcessRuntime u : upstream) {
            if (u.upstreamThatRan != null) {
                upstreamThatRan = u.upstreamThatRan;
                return;
            }
            if (u.tasks.stream().anyMatch(t -> t.state == TaskState.SUCCEEDED || t.state == TaskState.IGNORED)) {
                upstreamThatRan = u;
                return;
            }
        }
    }
}
