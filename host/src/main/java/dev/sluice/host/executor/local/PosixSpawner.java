package dev.sluice.host.executor.local;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Starts each task with one {@code posix_spawn}: the C library clones the JVM without copying it
 * (the child shares its memory until it execs, as with vfork), makes the child a session leader
 * ({@code POSIX_SPAWN_SETSID}), resets its signal mask and every signal to the default, enters the
 * work directory, opens stdin on {@code /dev/null} and stdout/stderr on the task's files, closes every
 * other descriptor, and execs the program: one exec per task instead of the JDK's three (its spawn
 * helper, {@code setsid}, the program). Ends are learnt by {@link ChildReaper} and groups are
 * signalled with {@code kill(2)}, so no program runs on the executor's behalf. The calls go through
 * {@link Posix}: the host's native library where it was built, otherwise the Foreign Function API.
 */
final class PosixSpawner implements Spawner {
    private final Posix posix;
    private final ChildReaper reaper;
    /** Launches hold it shared, {@link #close} exclusively: nothing is freed under a launch under way. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** The host's variables, to tell a task that only adds variables (the usual launch) from one that overrides. */
    private final Map<String, String> hostEnvironment = System.getenv();
    private boolean closed;

    private PosixSpawner(Posix posix, ChildReaper reaper) {
        this.posix = posix;
        this.reaper = reaper;
    }

    /** @throws IOException when this kernel refuses pidfds or epoll (then the JDK launches instead) */
    static PosixSpawner open(Posix posix) throws IOException {
        return new PosixSpawner(posix, ChildReaper.open(posix));
    }

    @Override
    public Child spawn(Request request) throws IOException {
        refuseNul(request);
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IOException("the local executor is closed");
            }
            int pid = spawn(request, request.program().toString(), request.argv());
            if (pid == -Posix.ENOEXEC) {
                // As execvp does: a file the kernel cannot run (a script without "#!") is run by /bin/sh.
                List<String> argv = new ArrayList<>(request.argv().size() + 1);
                argv.add("/bin/sh");
                argv.add(request.program().toString());
                argv.addAll(request.argv().subList(1, request.argv().size()));
                pid = spawn(request, "/bin/sh", argv);
            }
            if (pid < 0) {
                throw new IOException(posix.strerror(-pid));
            }
            return reaper.watch(pid, request.endGroupAtExit());
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private static void refuseNul(String text, String what) throws IOException {
        if (text.indexOf('\0') >= 0) {
            throw new IOException(what + " holds a NUL character, which no program can receive");
        }
    }

    /** The pid, or -errno. */
    private int spawn(Request request, String program, List<String> argv) {
        Environment environment = environment(request);
        return posix.spawn(program, argv, environment.variables(), environment.addToHost(),
                request.workDir().toString(), request.stdout().toString(), request.stderr().toString(), -1);
    }

    /**
     * A launch's variables as the native side takes them: "NAME=value" each, added to the host's own where
     * the task overrides none of them (the usual launch, the shortest list), else the whole environment.
     */
    record Environment(List<String> variables, boolean addToHost) {
    }

    /** The request's variables (refused with a NUL in one: {@link #refuseNul}) as {@link Environment}. */
    Environment environment(Request request) {
        Map<String, String> task = request.environment();
        boolean addToHost = overridesNone(task);
        List<String> environment = new ArrayList<>(addToHost ? task.size() : hostEnvironment.size() + task.size());
        if (!addToHost) {
            // The host's variables the task does not set, then the task's own.
            hostEnvironment.forEach((name, value) -> {
                if (!task.containsKey(name) && name.indexOf('\0') < 0 && value.indexOf('\0') < 0) {
                    environment.add(name + "=" + value);
                }
            });
        }
        for (Map.Entry<String, String> e : task.entrySet()) {
            environment.add(e.getKey() + "=" + e.getValue());
        }
        return new Environment(environment, addToHost);
    }

    private boolean overridesNone(Map<String, String> task) {
        for (String name : task.keySet()) {
            if (hostEnvironment.containsKey(name)) {
                return false;
            }
        }
        return true;
    }

    /** Checks that no argument or variable of the request holds a NUL, which no program can receive. */
    static void refuseNul(Request request) throws IOException {
        for (String text : request.argv()) {
            refuseNul(text, "an argument");
        }
        for (Map.Entry<String, String> e : request.environment().entrySet()) {
            refuseNul(e.getKey() + e.getValue(), "the environment variable " + e.getKey().replace('\0', ' '));
        }
    }

    @Override
    public void signal(Signal signal, Collection<Long> processGroups) throws IOException {
        IOException failure = null;
        for (long group : processGroups) {
            if (group <= 1) {
                // kill(-1) would reach every process the user owns; no task leads group 0 or 1.
                throw new IOException("refusing to signal process group " + group + ": not a task's");
            }
            // A negative pid addresses the whole process group.
            int error = posix.kill((int) -group, signal.number);
            if (error < 0 && error != -Posix.ESRCH && failure == null) {
                failure = new IOException("SIG" + signal + " to process group " + group + ": " + posix.strerror(-error));
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Where the binding has pipes (the host's native library): one {@code posix_spawn}, no program of the JDK's. */
    @Override
    public Optional<Helper> startHelper(List<String> argv) throws IOException {
        int[] ends = new int[2];
        int error = posix.pipe(ends);
        if (error == -Posix.ENOSYS) {
            return Optional.empty();
        }
        if (error < 0) {
            throw new IOException("pipe: " + posix.strerror(-error));
        }
        Child child;
        lifecycle.readLock().lock();
        try {
            if (closed) {
                posix.close(ends[1]);
                throw new IOException("the local executor is closed");
            }
            int pid = posix.spawn(argv.getFirst(), argv, List.of(), true, "/", "/dev/null", "/dev/null", ends[0]);
            if (pid < 0) {
                posix.close(ends[1]);
                if (pid == -Posix.ENOSYS) {
                    return Optional.empty();
                }
                throw new IOException(argv.getFirst() + ": " + posix.strerror(-pid));
            }
            // Watched under the lock, as a task is: the reaper is not closed in between.
            child = reaper.watch(pid, false);
        } finally {
            lifecycle.readLock().unlock();
            posix.close(ends[0]);
        }
        return Optional.of(new PipedHelper(child, ends[1]));
    }

    /** A helper program the host talks to through two pipes: it writes {@code input}, reads {@code output}. */
    record Service(Child child, int input, int output) {
    }

    /**
     * Starts {@code argv} in a session of its own with a pipe the host writes as its stdin and one the host
     * reads as its stdout; its end is learnt as a task's is.
     *
     * @throws IOException when the binding has no pipes (the Foreign Function API's) or the program cannot start
     */
    Service startService(List<String> argv) throws IOException {
        int[] in = new int[2];
        int[] out = new int[2];
        int error = posix.pipe(in);
        if (error < 0) {
            throw new IOException("pipe: " + posix.strerror(-error));
        }
        error = posix.pipe(out);
        if (error < 0) {
            posix.close(in[0]);
            posix.close(in[1]);
            throw new IOException("pipe: " + posix.strerror(-error));
        }
        lifecycle.readLock().lock();
        try {
            int pid = closed ? -Posix.ENOSYS : posix.spawnPiped(argv, in[0], out[1]);
            if (pid < 0) {
                posix.close(in[1]);
                posix.close(out[0]);
                throw new IOException(closed ? "the local executor is closed" : argv.getFirst() + ": " + posix.strerror(-pid));
            }
            return new Service(reaper.watch(pid, false), in[1], out[0]);
        } finally {
            lifecycle.readLock().unlock();
            posix.close(in[0]);
            posix.close(out[1]);
        }
    }

    Posix posix() {
        return posix;
    }

    /** A helper reading a pipe the host writes. */
    private final class PipedHelper implements Helper {
        private final Child child;
        private final int input;
        private boolean sent;

        PipedHelper(Child child, int input) {
            this.child = child;
            this.input = input;
        }

        @Override
        public synchronized void send(String text) throws IOException {
            if (sent) {
                return;
            }
            sent = true;
            byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int written = 0;
            // In pieces the library takes (4 KB each); the pipe is closed whatever happened.
            for (int from = 0; from < bytes.length && written == 0; from += 4096) {
                written = posix.write(input, java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + 4096)));
            }
            posix.close(input);
            if (written < 0) {
                throw new IOException(posix.strerror(-written));
            }
        }

        @Override
        public java.util.concurrent.CompletableFuture<Exit> exit() {
            return child.exit();
        }

        /** SIGKILL to its group (it leads one), while it has not been reaped, so the pid is still its own. */
        @Override
        public void kill() {
            if (!child.exit().isDone()) {
                posix.kill((int) -child.pid(), Posix.SIGKILL);
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
        return "posix_spawn through " + posix.describe() + ", one exec per task, ends learnt through pidfds";
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
            posix.release();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
