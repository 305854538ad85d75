package dev.sluice.host.monitor;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs whose host was killed left with this run's executors. Before anything is launched, each
 * executor ends what such a run left, except, under {@code --resume}, the attempts this run may take up
 * ({@link TaskPreparer#adoptable}) on executors that adopt; when this run ends, they end what was never
 * taken up, and only then is the killed run settled: a run killed in between leaves it for the next.
 */
final class Leftovers {
    private static final Logger log = LoggerFactory.getLogger(Leftovers.class);

    private final List<String> killedRuns;
    private final Consumer<String> settled;
    private final TaskPreparer preparer;
    private final boolean resume;
    /** Killed runs with attempts spared for adoption, and whether their ends at start all went well. */
    private final Map<String, Boolean> spared = new LinkedHashMap<>();

    /**
     * @param killedRuns runs whose host was killed and whose leftovers are not ended yet
     * @param settled    told of each killed run once every executor of this run has ended what it left
     */
    Leftovers(List<String> killedRuns, Consumer<String> settled, TaskPreparer preparer, boolean resume) {
        this.killedRuns = List.copyOf(killedRuns);
        this.settled = settled;
        this.preparer = preparer;
        this.resume = resume;
    }

    /** Before the first launch: ends what killed runs left, sparing what may be taken up. */
    void endAtStart(Collection<ExecutorRuntime> executors) {
        for (String killed : killedRuns) {
            boolean ended = true;
            boolean sparedAny = false;
            for (ExecutorRuntime rt : executors) {
                Set<String> sparing = resume && rt.adoptsLeftovers ? preparer.adoptable(killed, rt.name()) : Set.of();
                ended &= rt.endLeftovers(killed, sparing);
                if (!sparing.isEmpty()) {
                    sparedAny = true;
                    log.info("run {} left {} task(s) on executor '{}' whose end it did not see; this run takes them up"
                            + " where it reaches them and ends the rest when it ends", killed, sparing.size(), rt.name());
                }
            }
            if (sparedAny) {
                spared.put(killed, ended);
            } else if (ended) {
                settled.accept(killed);
            }
        }
    }

    /** When the run ends, before its executors close: ends what was spared and never taken up. */
    void endAtFinish(Collection<ExecutorRuntime> executors) {
        spared.forEach((killed, endedAtStart) -> {
            boolean ended = endedAtStart;
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
