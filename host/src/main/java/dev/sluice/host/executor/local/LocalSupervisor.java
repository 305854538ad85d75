package dev.sluice.host.executor.local;

import dev.sluice.kit.HeldFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local tasks die with their host. Each task leads a session and process group of its own, so nothing
 * in the kernel ends it when the host is killed; instead:
 *
 * <ul>
 *   <li>the run's launch file, {@code <work>/runs/<run id>/local-tasks}, gets {@code +PID} when a task's
 *       group starts and {@code -PID} when it ends (one write each, before the task counts as submitted
 *       and before its end is reported);</li>
 *   <li>a watcher, one {@code sh} per run in a session of its own (started by the spawner where it can,
 *       else through the JDK), waits on a pipe that only the host holds. However the host ends, even by {@code kill -9}, the kernel closes the pipe; unless the
 *       host said {@code done} first, the watcher ends every group the file still lists (SIGTERM, SIGKILL
 *       10 s later) of which a process still carries the run's id, so that a pid or group id reused by
 *       someone else is left alone;</li>
 *   <li>the host holds a lock on the file while it runs; a later run in the same work directory that
 *       finds a file with no holder (the watcher was killed too) ends what it lists before starting.</li>
 * </ul>
 *
 * A task killed in the moment between its start and its {@code +PID} line outlives the host; that window
 * is a system call long.
 */
final class LocalSupervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalSupervisor.class);
    static final String FILE_NAME = "local-tasks";
    private static final String SCRIPT = readScript();

    private final HeldFile launches;
    private final Spawner.Helper watcher;

    private LocalSupervisor(HeldFile launches, Spawner.Helper watcher) {
        this.launches = launches;
        this.watcher = watcher;
    }

    /** As {@link #start(Path, String, Spawner)}, the watcher started through the JDK. */
    static LocalSupervisor start(Path workRoot, String runId) throws IOException {
        return start(workRoot, runId, null);
    }

    /**
     * Ends what earlier runs under {@code workRoot} left running, then starts watching this run, with
     * {@code spawner} where it can start the watcher itself (else, or with none, through the JDK).
     *
     * @throws IOException when the launch file cannot be made or the watcher cannot start
     */
    static LocalSupervisor start(Path workRoot, String runId, Spawner spawner) throws IOException {
        endLeftovers(workRoot, runId);
        HeldFile launches = HeldFile.create(workRoot.resolve("runs").resolve(runId).resolve(FILE_NAME), "");
        try {
            Path file = launches.file().toAbsolutePath();
            Optional<Spawner.Helper> own = Optional.empty();
            if (spawner != null) {
                try {
                    own = spawner.startHelper(List.of("/bin/sh", "-c", SCRIPT, "sluice-local-watch", file.toString(),
                            runId, "watch"));
                } catch (IOException e) {
                    log.debug("the local tasks' watcher is started through the JDK: {}", e.getMessage());
                }
            }
            return new LocalSupervisor(launches, own.isPresent() ? own.get()
                    : throughJdk(script(file, runId, "watch").redirectInput(ProcessBuilder.Redirect.PIPE).start()));
        } catch (IOException | RuntimeException | Error e) {
            launches.close();
            throw e;
        }
    }

    /** {@code sh -c SCRIPT} in a session of its own where {@code setsid} exists, so a terminal's signals miss it. */
    private static ProcessBuilder script(Path file, String runId, String mode) {
        List<String> command = new ArrayList<>();
        Path setsid = Path.of("/usr/bin/setsid");
        if (Files.isExecutable(setsid)) {
            command.add(setsid.toString());
        }
        command.addAll(List.of("/bin/sh", "-c", SCRIPT, "sluice-local-watch", file.toString(), runId, mode));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
    }

    /** A watcher the JDK started, as a helper. */
    private static Spawner.Helper throughJdk(Process process) {
        return new Spawner.Helper() {
            @Override
            public void send(String text) throws IOException {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(text.getBytes(StandardCharsets.UTF_8));
                }
            }

            @Override
            public CompletableFuture<Spawner.Exit> exit() {
                return process.onExit().thenApply(p -> new Spawner.Exit(p.exitValue(), 0));
            }

            @Override
            public void kill() {
                process.destroyForcibly();
            }
        };
    }

    /** The launch file, where the task loop ({@link TaskLoop}) writes its tasks' lines itself. */
    Path launchFile() {
        return launches.file().toAbsolutePath();
    }

    /**
     * SIGKILL to every group the launch file lists as started and not ended, of which a process still
     * carries this run's id ({@code SLUICE_RUN_ID}): what a task loop that died left running. A pid or
     * group id reused by anyone else is left alone, as the watcher does.
     */
    void killListed(Spawner spawner, String runId) {
        java.util.Map<Long, Integer> open = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(launchFile(), StandardCharsets.UTF_8)) {
                // As the watcher reads it: "+PID" and "-PID" lines, anything else skipped.
                if (line.matches("[+-][0-9]{1,9}")) {
                    open.merge(Long.parseLong(line.substring(1)), line.charAt(0) == '+' ? 1 : -1, Integer::sum);
                }
            }
        } catch (IOException e) {
            log.warn("could not read {} to end what the task loop left running: {}", launchFile(), e.getMessage());
            return;
        }
        // As the task got it, or as apptainer passes it into a container (the watcher's rule).
        List<byte[]> marks = Stream.of("", "APPTAINERENV_", "SINGULARITYENV_")
                .map(prefix -> (prefix + "SLUICE_RUN_ID=" + runId).getBytes(StandardCharsets.UTF_8)).toList();
        List<Long> groups = new ArrayList<>();
        open.forEach((group, count) -> {
            if (count > 0 && groupCarries(group, marks)) {
                groups.add(group);
            }
        });
        if (groups.isEmpty()) {
            return;
        }
        log.warn("ending {} task group(s) the task loop left running: {}", groups.size(), groups);
        try {
            spawner.signal(Spawner.Signal.KILL, groups);
        } catch (IOException e) {
            log.warn("could not end the task groups {}: {}", groups, e.getMessage());
        }
    }

    /** Whether a process of the group carries one of {@code marks} in its environment. */
    private static boolean groupCarries(long group, List<byte[]> marks) {
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : proc) {
                try {
                    String stat = Files.readString(process.resolve("stat"), StandardCharsets.UTF_8);
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(fields[2]) == group) {
                        byte[] environ = Files.readAllBytes(process.resolve("environ"));
                        for (byte[] mark : marks) {
                            if (contains(environ, mark)) {
                                return true;
                            }
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // Ended meanwhile, or not ours to read.
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Whether {@code environ} (NUL-separated) holds exactly the entry {@code mark}. */
    private static boolean contains(byte[] environ, byte[] mark) {
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start == mark.length && java.util.Arrays.equals(environ, start, i, mark, 0, mark.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** A task's group started: written before the task counts as submitted. */
    void launched(long pid) throws IOException {
        write("+" + pid + "\n");
    }

    /** A task's group ended. */
    void ended(long pid) {
        try {
            write("-" + pid + "\n");
        } catch (IOException e) {
            // Only costs a check of a pid that is gone, if the host is killed later.
            log.debug("could not record the end of pid {} in {}: {}", pid, launches.file(), e.getMessage());
        }
    }

    private void write(String line) throws IOException {
        launches.append(line);
    }

    /** The host ended its tasks itself: the watcher leaves, and the launch file goes. */
    @Override
    public void close() {
        try {
            watcher.send("done\n");
            watcher.exit().get(5, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException e) {
            log.debug("the local tasks' watcher had already gone: {}", e.getMessage());
        } catch (TimeoutException e) {
            watcher.kill();
            try {
                // Reaped before the spawner's reaper stops, so that no zombie is left.
                watcher.exit().get(1, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException | InterruptedException stillThere) {
                log.debug("the local tasks' watcher did not end after SIGKILL: {}", stillThere.toString());
                if (stillThere instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            launches.close();
        } catch (IOException e) {
            log.debug("could not remove {}: {}", launches.file(), e.getMessage());
        }
    }

    /**
     * Ends what runs under {@code workRoot} left running when both they and their watchers were killed: a
     * launch file nobody holds a lock on. A run still going holds its lock and is left alone.
     */
    static void endLeftovers(Path workRoot, String runId) {
        Path runs = workRoot.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runs)) {
            for (Path dir : dirs) {
                Path file = dir.resolve(FILE_NAME);
                if (!dir.getFileName().toString().equals(runId) && HeldFile.unheld(file)) {
                    log.warn("run {} ended without ending its local tasks; ending those still running",
                            dir.getFileName());
                    Process p = script(file, dir.getFileName().toString(), "now").start();
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        } catch (IOException e) {
            log.warn("could not look for local tasks that earlier runs left running under {}: {}", runs,
                    e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The script, from the jar (or directory) this class came from. Not {@code getResourceAsStream}: the
     * class loader would look through the jars of the class path in their order, opening each (about 20
     * before the host's; the classes come from the ahead-of-time cache, so nothing else opens them).
     */
    private static String readScript() {
        String name = LocalSupervisor.class.getPackageName().replace('.', '/') + "/end-leftovers.sh";
        try {
            java.security.CodeSource source = LocalSupervisor.class.getProtectionDomain().getCodeSource();
            Path origin = source == null ? null : Path.of(source.getLocation().toURI());
            if (origin != null && Files.isRegularFile(origin)) {
                try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(origin.toFile())) {
                    java.util.zip.ZipEntry entry = jar.getEntry(name);
                    if (entry != null) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }
                }
            }
        } catch (Exception e) {
            // A jar that cannot be read: the class loader's way below, which a classes directory (the
            // tests') takes too.
            log.debug("reading end-leftovers.sh from the host's code source: {}", e.toString());
        }
        try (InputStream in = LocalSupervisor.class.getResourceAsStream("end-leftovers.sh")) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read end-leftovers.sh from the host's classes: " + e, e);
        }
        throw new IllegalStateException("end-leftovers.sh is missing from the host's classes");
    }
}
