package dev.sluice.host.monitor;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs whose host was killed left with this run's executors. Before anything is launched, each
 * executor ends what such a run left, except, under {@code --resume}, the attempts of this run's tasks
 * that it may take up ({@link TaskPreparer#adoptable}) on executors that adopt. Each spared attempt is
 * then taken up when the dispatcher reaches its task, or declined and ended at the next turn of the loop.
 * A killed run is settled once nothing of it is spared any more: when this run finished, not when it was
 * stopped early (what it never reached then waits, still spared, for the next {@code --resume}).
 */
final class Leftovers {
    private static final Logger log = LoggerFactory.getLogger(Leftovers.class);

    private final List<String> killedRuns;
    private final Consumer<String> settled;
    private final TaskPreparer preparer;
    private final boolean resume;
    /** What is spared (taken up or still to be), by killed run and executor. Monitor thread only. */
    private final Map<String, Map<ExecutorRuntime, Set<String>>> spared = new LinkedHashMap<>();
    /** Whether every executor ended what each killed run left at the start. */
    private final Map<String, Boolean> endedAtStart = new LinkedHashMap<>();
    /** Killed runs and executors with declined attempts not yet ended. */
    private final Map<String, Set<ExecutorRuntime>> declined = new LinkedHashMap<>();

    /**
     * @param killedRuns runs whose host was killed and whose leftovers are not ended yet, oldest first
     * @param settled    told of each killed run once every executor of this run has ended what it left
     */
    Leftovers(List<String> killedRuns, Consumer<String> settled, TaskPreparer preparer, boolean resume) {
        this.killedRuns = List.copyOf(killedRuns);
        this.settled = settled;
        this.preparer = preparer;
        this.resume = resume;
    }

    /**
     * Before the first launch: ends what killed runs left, sparing what may be taken up.
     *
     * @param keysByExecutor the task keys of this run by executor name, asked for only when needed
     */
    void endAtStart(Collection<ExecutorRuntime> executors, Supplier<Map<String, Set<String>>> keysByExecutor) {
        Map<String, Set<String>> keys = null;
        // The newest first: a task relaunched by a later killed run is taken up from that one.
        for (String killed : killedRuns.reversed()) {
            boolean ended = true;
            for (ExecutorRuntime rt : executors) {
                Set<String> sparing = Set.of();
                if (resume && rt.adoptsLeftovers) {
                    keys = keys == null ? keysByExecutor.get() : keys;
                    sparing = preparer.adoptable(killed, rt.name(), keys.getOrDefault(rt.name(), Set.of()));
                }
                ended &= rt.endLeftovers(killed, sparing);
                if (!sparing.isEmpty()) {
                    spared.computeIfAbsent(killed, k -> new LinkedHashMap<>()).put(rt, new HashSet<>(sparing));
                    log.info("run {} left {} task(s) of this run on executor '{}' whose end it did not see; they are"
                            + " taken up as this run reaches them", killed, sparing.size(), rt.name());
                }
            }
            if (spared.containsKey(killed)) {
                endedAtStart.put(killed, ended);
            } else if (ended) {
                settled.accept(killed);
            }
        }
    }

    /** The dispatcher did not take up {@code nativeId}: it is ended at the next {@link #endDeclined}. */
    void decline(String runId, ExecutorRuntime exec, String nativeId) {
        Set<String> ids = spared.getOrDefault(runId, Map.of()).get(exec);
        if (ids != null && ids.remove(nativeId)) {
            declined.computeIfAbsent(runId, k -> new LinkedHashSet<>()).add(exec);
        }
    }

    /** Ends the declined attempts: each executor ends what the killed run left except what is still spared. */
    void endDeclined() {
        if (declined.isEmpty()) {
            return;
        }
        declined.forEach((killed, executors) -> {
            for (ExecutorRuntime rt : executors) {
                if (!rt.endLeftovers(killed, Set.copyOf(spared.get(killed).get(rt)))) {
                    endedAtStart.put(killed, false);
                }
            }
        });
        declined.clear();
    }

    /**
     * When the run ends, before its executors close. A run that finished reached every task, so nothing
     * is spared any more: what the killed runs left is ended once more, by name, and they are settled. A
     * run stopped early leaves what it never reached spared, for the next {@code --resume}.
     */
    void endAtFinish(Collection<ExecutorRuntime> executors, boolean finished) {
        endDeclined();
        if (!finished) {
            if (!spared.isEmpty()) {
                log.info("the run stopped early: what runs {} left that it did not reach is left running for the next"
                        + " --resume", spared.keySet());
            }
            return;
        }
        spared.forEach((killed, byExecutor) -> {
            boolean ended = endedAtStart.getOrDefault(killed, true);
            for (ExecutorRuntime rt : executors) {
                if (rt.adoptsLeftovers) {
                    ended &= rt.endLeftovers(killed, Set.of());
                }
            }
            if (ended) {
                settled.accept(killed);
            }
        });
        spared.clear();
    }
}
