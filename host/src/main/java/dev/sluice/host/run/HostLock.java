package dev.sluice.host.run;

import dev.sluice.kit.HeldFile;
import dev.sluice.kit.IoErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mark a live host keeps on its run: {@code <work>/runs/<run id>/host.lock}, naming the run's
 * executors, locked for as long as the host runs and removed once it has ended its tasks. One left
 * behind with no lock on it belongs to a run whose host was killed. The next run in the work directory
 * asks each executor to end what that run left ({@code TaskExecutor.endLeftovers}); once every executor
 * the killed run used has done so, the mark becomes {@code host.killed}, which stays: it tells
 * {@code --resume}, in this run and later ones, that the run's launch records may stand for ends it
 * never recorded. The kernel drops the lock of a killed process, so a host still running is never
 * taken for a killed one; the mark is locked before it gets its name, so no run sees it unlocked.
 */
public final class HostLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostLock.class);
    static final String FILE_NAME = "host.lock";
    static final String KILLED = "host.killed";

    private final HeldFile held;

    private HostLock(HeldFile held) {
        this.held = held;
    }

    /** Marks the run as live, naming the executors it uses. */
    public static HostLock acquire(Path workRoot, String runId, Collection<String> executors) throws IOException {
        return new HostLock(HeldFile.create(workRoot.resolve("runs").resolve(runId).resolve(FILE_NAME),
                String.join("\n", executors) + "\n"));
    }

    /** The runs under {@code workRoot}, other than {@code runId}, whose host was killed: marked, and unheld. */
    public static List<String> killedRuns(Path workRoot, String runId) {
        return runsWith(workRoot, runId, false);
    }

    /** The runs whose host was killed, whether or not what they left has been ended since. */
    public static List<String> killedEver(Path workRoot, String runId) {
        return runsWith(workRoot, runId, true);
    }

    private static List<String> runsWith(Path workRoot, String runId, boolean settledToo) {
        List<String> killed = new ArrayList<>();
        Path runs = workRoot.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return killed;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runs)) {
            for (Path dir : dirs) {
                String id = dir.getFileName().toString();
                if (id.equals(runId)) {
                    continue;
                }
                Path file = dir.resolve(FILE_NAME);
                boolean unheldMark = HeldFile.unheld(file);
                if (unheldMark || (settledToo && Files.isRegularFile(dir.resolve(KILLED)))) {
                    killed.add(id);
                }
            }
        } catch (IOException e) {
            log.warn("could not look for runs whose host was killed under {}: {}", runs, IoErrors.describe(e));
        }
        killed.sort(null);
        return killed;
    }

    /**
     * The executors of this run ended what the killed run left with them: when they are all the killed run
     * used, its mark becomes {@code host.killed} and the next run does not look again. Says whether it did.
     */
    public static boolean settled(Path workRoot, String killedRunId, Collection<String> endedBy) {
        Path dir = workRoot.resolve("runs").resolve(killedRunId);
        Path file = dir.resolve(FILE_NAME);
        try {
            Set<String> used = new HashSet<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            used.remove("");
            if (!endedBy.containsAll(used)) {
                used.removeAll(endedBy);
                log.info("run {} was killed with tasks on executors {} that this run does not use; a run that uses them"
                        + " will end what is left there", killedRunId, used);
                return false;
            }
            Files.move(file, dir.resolve(KILLED), StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            log.debug("could not settle the mark of run {}: {}", killedRunId, e.getMessage());
            return false;
        }
    }

    /** The host ended its tasks: the mark goes. */
    @Override
    public void close() {
        try {
            held.close();
        } catch (IOException e) {
            log.debug("could not remove {}: {}", held.file(), e.getMessage());
        }
    }
}
