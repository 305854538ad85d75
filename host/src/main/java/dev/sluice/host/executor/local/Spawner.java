package dev.sluice.host.executor.local;

import dev.sluice.spi.ExecutorException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the local executor starts a task's program as the leader of a session (and so a process group)
 * of its own, learns how it ended, and signals its group. {@link PosixSpawner} does it with one
 * {@code posix_spawn} per task and no helper program; {@link JdkSpawner}, where that cannot be used,
 * with the JDK's {@link ProcessBuilder} and {@code setsid}.
 */
interface Spawner extends AutoCloseable {

    /**
     * Starts the program and returns once it runs (or could not be started).
     *
     * @throws IOException with the system's words (e.g. "No such file or directory") when the work
     *                     directory, an output file or the program could not be used
     */
    Child spawn(Request request) throws IOException;

    /** Sends {@code signal} to every process group; a group that is gone already is not an error. */
    void signal(Signal signal, Collection<Long> processGroups) throws IOException;

    /** How it launches, for the debug log. */
    String describe();

    /**
     * Whether it ends what is left of a child's process group itself when the child exits and the
     * request asked for it ({@link Request#endGroupAtExit}), before the child is reaped, while the
     * group's id cannot yet belong to anyone else. When not, the executor does it after the exit.
     */
    boolean endsGroupsAtExit();

    /**
     * Starts a helper program (the local tasks' watcher, {@link LocalSupervisor}) in a session of its own,
     * its stdin a pipe only the host holds and its output discarded; empty where this spawner cannot, and
     * the caller starts it through the JDK. (The JDK's first {@code ProcessBuilder.start} looks its
     * System.Logger up as a service, a walk over every jar of the class path;
     * bench/results/startup-2026-12-05-stop32.md.)
     */
    default Optional<Helper> startHelper(List<String> argv) throws IOException {
        return Optional.empty();
    }

    /** A helper {@link #startHelper} started. */
    interface Helper {
        /** Writes {@code text} to its stdin and closes it. */
        void send(String text) throws IOException;

        /** Its end. */
        CompletableFuture<Exit> exit();

        /** SIGKILL to it. */
        void kill();
    }

    /** Stops watching for ends; called once every task it started is gone or given up on. */
    @Override
    void close();

    /**
     * Starts with {@code posix_spawn} where the system allows it (through the host's native library,
     * else through the Foreign Function API), otherwise with the JDK.
     *
     * @throws ExecutorException when neither way is available (no {@code setsid} or {@code kill})
     */
    static Spawner open() throws ExecutorException {
        return open(NativeLibrary.load());
    }

    /** As {@link #open()}, with the native library given (for tests: one that did not load). */
    static Spawner open(NativeLibrary.Loaded library) throws ExecutorException {
        Logger log = LoggerFactory.getLogger(Spawner.class);
        String why;
        if (library.library() != null) {
            try {
                return PosixSpawner.open(library.library());
            } catch (IOException e) {
                why = e.getMessage();
            }
        } else {
            log.debug("local executor: the host's native library cannot be used ({}); calling the C library"
                    + " through the Foreign Function API", library.unavailableBecause());
            Libc.Result libc = Libc.load();
            why = libc.unavailableBecause();
            if (libc.libc() != null) {
                try {
                    return PosixSpawner.open(libc.libc());
                } catch (IOException e) {
                    libc.libc().release();
                    why = e.getMessage();
                }
            }
        }
        log.debug("local executor: posix_spawn cannot be used ({}); launching through the JDK", why);
        return JdkSpawner.open();
    }

    /**
     * One launch.
     *
     * @param program     the file to run (resolved: absolute, or relative to {@code workDir})
     * @param argv        the arguments, {@code argv[0]} as the task wrote it
     * @param environment    the task's own variables, added to (and over) the host's environment
     * @param endGroupAtExit whether what the program leaves running in its process group is killed when
     *                       it exits
     */
    record Request(Path program, List<String> argv, Map<String, String> environment, Path workDir, Path stdout,
            Path stderr, boolean endGroupAtExit) {
        public Request {
            Objects.requireNonNull(program, "program");
            argv = List.copyOf(argv);
            environment = Map.copyOf(environment);
            Objects.requireNonNull(workDir, "workDir");
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("argv must hold at least the program's name");
            }
        }
    }

    /** A started program: its pid, which is also its process group and session id. */
    record Child(long pid, CompletableFuture<Exit> exit) {
    }

    /**
     * How a program ended.
     *
     * @param exitCode     its exit status, or 128 plus the signal that ended it (as a shell reports it)
     * @param peakRssBytes the largest resident memory of the program or any descendant it waited for,
     *                     as the kernel counted it, in bytes; 0 when unknown, or when the figure may be
     *                     the host's own (see {@link ChildReaper#exit})
     */
    record Exit(int exitCode, long peakRssBytes) {
    }

    /** The signals the executor sends, with their Linux numbers. */
    enum Signal {
        TERM(15), KILL(9);

        final int number;

        Signal(int number) {
            this.number = number;
        }
    }
}
