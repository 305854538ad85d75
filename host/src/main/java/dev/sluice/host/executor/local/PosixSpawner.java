package dev.sluice.host.executor.local;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Starts each task with one {@code posix_spawn}: the C library clones the JVM without copying it
 * (the child shares its memory until it execs, as with vfork), makes the child a session leader
 * ({@code POSIX_SPAWN_SETSID}), resets its signal mask and every signal to the default, enters the
 * work directory, opens stdin on {@code /dev/null} and stdout/stderr on the task's files, closes every
 * other descriptor, and execs the program: one exec per task instead of the JDK's three (its spawn
 * helper, {@code setsid}, the program). Ends are learnt by {@link ChildReaper} and groups are
 * signalled with {@code kill(2)}, so no program runs on the executor's behalf.
 */
final class PosixSpawner implements Spawner {
    private final Libc libc;
    private final ChildReaper reaper;
    /** The attributes every launch shares; {@code posix_spawn} only reads them. */
    private final Arena shared;
    private final MemorySegment attributes;
    /** Launches hold it shared, {@link #close} exclusively: nothing is freed under a launch under way. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /**
     * The host's environment as C strings, made once: a launch adds only the task's own variables
     * (most launches pass the same fifty or so host variables).
     */
    private final Map<String, MemorySegment> hostEnvironment;
    /** The same C strings as an array of pointers, copied whole into a launch that overrides none of them. */
    private final MemorySegment hostEnvironmentArray;
    /** The variables' names in the array's order. */
    private final List<String> hostNames;
    private boolean closed;

    private PosixSpawner(Libc libc, ChildReaper reaper, Arena shared, MemorySegment attributes) {
        this.libc = libc;
        this.reaper = reaper;
        this.shared = shared;
        this.attributes = attributes;
        Map<String, MemorySegment> host = new LinkedHashMap<>();
        System.getenv().forEach((name, value) -> {
            if (name.indexOf('\0') < 0 && value.indexOf('\0') < 0) {
                host.put(name, shared.allocateFrom(name + "=" + value));
            }
        });
        this.hostEnvironment = Map.copyOf(host);
        this.hostNames = List.copyOf(host.keySet());
        this.hostEnvironmentArray = shared.allocate(ADDRESS, Math.max(1, host.size()));
        int i = 0;
        for (MemorySegment variable : host.values()) {
            hostEnvironmentArray.setAtIndex(ADDRESS, i++, variable);
        }
    }

    /** @throws IOException when this kernel refuses pidfds or epoll (then the JDK launches instead) */
    static PosixSpawner open(Libc libc) throws IOException {
        ChildReaper reaper = ChildReaper.open(libc);
        Arena shared = Arena.ofShared();
        try {
            MemorySegment attributes = shared.allocate(Libc.SPAWN_ATTR_BYTES, 16);
            MemorySegment noSignals = shared.allocate(Libc.SIGSET_BYTES, 16);
            MemorySegment allSignals = shared.allocate(Libc.SIGSET_BYTES, 16);
            check(libc, libc.attrInit(attributes), "posix_spawnattr_init");
            check(libc, libc.sigEmptySet(noSignals), "sigemptyset");
            check(libc, libc.sigFillSet(allSignals), "sigfillset");
            // A task starts as from a fresh login: nothing blocked, nothing ignored that the JVM ignores.
            check(libc, libc.attrSetSigMask(attributes, noSignals), "posix_spawnattr_setsigmask");
            check(libc, libc.attrSetSigDefault(attributes, allSignals), "posix_spawnattr_setsigdefault");
            check(libc, libc.attrSetFlags(attributes, (short) (Libc.POSIX_SPAWN_SETSID
                    | Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF)), "posix_spawnattr_setflags");
            return new PosixSpawner(libc, reaper, shared, attributes);
        } catch (IOException | RuntimeException e) {
            shared.close();
            reaper.close();
            throw e;
        }
    }

    @Override
    public Child spawn(Request request) throws IOException {
        for (String text : request.argv()) {
            refuseNul(text, "an argument");
        }
        for (Map.Entry<String, String> e : request.environment().entrySet()) {
            refuseNul(e.getKey() + e.getValue(), "the environment variable " + e.getKey().replace('\0', ' '));
        }
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IOException("the local executor is closed");
            }
            try {
                return spawn(request, request.program(), request.argv());
            } catch (NotExecutable e) {
                // As execvp does: a file the kernel cannot run (a script without "#!") is run by /bin/sh.
                List<String> argv = new ArrayList<>(request.argv().size() + 1);
                argv.add("/bin/sh");
                argv.add(request.program().toString());
                argv.addAll(request.argv().subList(1, request.argv().size()));
                try {
                    return spawn(request, Path.of("/bin/sh"), argv);
                } catch (NotExecutable again) {
                    throw new IOException(again.getMessage());
                }
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** ENOEXEC from the exec. */
    private static final class NotExecutable extends IOException {
        NotExecutable(String message) {
            super(message);
        }
    }

    private static void refuseNul(String text, String what) throws IOException {
        if (text.indexOf('\0') >= 0) {
            throw new IOException(what + " holds a NUL character, which no program can receive");
        }
    }

    private Child spawn(Request request, Path program, List<String> argvList) throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment actions = call.allocate(Libc.FILE_ACTIONS_BYTES, 16);
            check(libc, libc.actionsInit(actions), "posix_spawn_file_actions_init");
            try {
                check(libc, libc.actionsAddChdir(actions, call.allocateFrom(request.workDir().toString())),
                        "posix_spawn_file_actions_addchdir_np");
                check(libc, libc.actionsAddOpen(actions, 0, call.allocateFrom("/dev/null"), Libc.O_RDONLY, 0),
                        "posix_spawn_file_actions_addopen");
                int output = Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC;
                check(libc, libc.actionsAddOpen(actions, 1, call.allocateFrom(request.stdout().toString()), output,
                        0666), "posix_spawn_file_actions_addopen");
                check(libc, libc.actionsAddOpen(actions, 2, call.allocateFrom(request.stderr().toString()), output,
                        0666), "posix_spawn_file_actions_addopen");
                // The JVM's own descriptors are not all close-on-exec; a task must not hold any of them.
                check(libc, libc.actionsAddCloseFrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
                MemorySegment pid = call.allocate(JAVA_INT);
                int error = libc.posixSpawn(pid, call.allocateFrom(program.toString()), actions,
                        attributes, strings(call, argvList), environment(call, request.environment()));
                if (error == Libc.ENOEXEC) {
                    throw new NotExecutable(libc.strerror(error));
                }
                if (error != 0) {
                    throw new IOException(libc.strerror(error));
                }
                return reaper.watch(pid.get(JAVA_INT, 0), request.endGroupAtExit());
            } finally {
                libc.actionsDestroy(actions);
            }
        }
    }

    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    /** The host's variables the task does not set, then the task's own. */
    private MemorySegment environment(Arena arena, Map<String, String> task) {
        MemorySegment array = arena.allocate(ADDRESS, hostEnvironment.size() + task.size() + 1L);
        int i = 0;
        if (overridesNone(task)) {
            // The usual launch: the host's variables in one copy, then the task's own.
            i = hostEnvironment.size();
            MemorySegment.copy(hostEnvironmentArray, 0, array, 0, i * ADDRESS.byteSize());
        } else {
            for (String name : hostNames) {
                if (!task.containsKey(name)) {
                    array.setAtIndex(ADDRESS, i++, hostEnvironment.get(name));
                }
            }
        }
        for (Map.Entry<String, String> e : task.entrySet()) {
            array.setAtIndex(ADDRESS, i++, arena.allocateFrom(e.getKey() + "=" + e.getValue()));
        }
        array.setAtIndex(ADDRESS, i, MemorySegment.NULL);
        return array;
    }

    private boolean overridesNone(Map<String, String> task) {
        for (String name : task.keySet()) {
            if (hostEnvironment.containsKey(name)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void signal(Signal signal, Collection<Long> processGroups) throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = libc.newErrnoState(call);
            IOException failure = null;
            for (long group : processGroups) {
                if (group <= 1) {
                    // kill(-1) would reach every process the user owns; no task leads group 0 or 1.
                    throw new IOException("refusing to signal process group " + group + ": not a task's");
                }
                // A negative pid addresses the whole process group.
                if (libc.kill(errno, (int) -group, signal.number) != 0) {
                    int error = libc.errno(errno);
                    if (error != Libc.ESRCH && failure == null) {
                        failure = new IOException("SIG" + signal + " to process group " + group + ": "
                                + libc.strerror(error));
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    ChildReaper reaper() {
        return reaper;
    }

    @Override
    public boolean endsGroupsAtExit() {
        return true;
    }

    @Override
    public String describe() {
        return "posix_spawn, one exec per task, ends learnt through pidfds";
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            reaper.close();
            shared.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static void check(Libc libc, int result, String call) throws IOException {
        if (result != 0) {
            throw new IOException(call + ": " + libc.strerror(result));
        }
    }
}
