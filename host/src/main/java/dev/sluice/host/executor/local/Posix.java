package dev.sluice.host.executor.local;

import java.util.List;

/**
 * The system calls {@link PosixSpawner} and {@link ChildReaper} make, by one of two bindings: the host's
 * own native library through JNI ({@link NativeLibrary}, preferred: binding it generates no code at run
 * time) or the C library through the Foreign Function API ({@link Libc}, where the native library was not
 * built). Each call returns what it made (a pid, a descriptor, a count) or a negative {@code errno};
 * none throws for a failed call.
 */
interface Posix {
    /** The signal, {@code wait4} option and errno values the callers test, the same on every Linux architecture. */
    int SIGKILL = 9;
    int WNOHANG = 1;
    int ESRCH = 3;
    int EINTR = 4;
    int ENOEXEC = 8;
    int ENOSYS = 38;

    /**
     * {@code posix_spawn} of {@code program} as the leader of a new session, in {@code workDir}, stdin from
     * {@code /dev/null}, stdout and stderr to the files (created or truncated), no other descriptor, no
     * signal blocked or ignored.
     *
     * @param environment "NAME=value" each; with {@code addToHost} added to the host's own variables (none
     *                    of which they name), otherwise the whole environment
     * @param stdin       a descriptor for the program's stdin instead of {@code /dev/null} (from {@link #pipe}),
     *                    or -1
     * @return the pid, or -errno ({@code -ENOEXEC}: a file the kernel cannot run)
     */
    int spawn(String program, List<String> argv, List<String> environment, boolean addToHost, String workDir,
            String stdout, String stderr, int stdin);

    /**
     * A close-on-exec pipe, its reading end in {@code ends[0]}, its writing end in {@code ends[1]}: 0, or
     * -errno ({@code -ENOSYS} where the binding has none; then {@link #spawn} takes no stdin either).
     */
    default int pipe(int[] ends) {
        return -ENOSYS;
    }

    /**
     * {@code posix_spawn} of a helper program ({@code argv[0]}, a path) as the leader of a new session in
     * {@code /}, with the host's environment, stdin and stdout from the descriptors given (from {@link #pipe}),
     * stderr to {@code /dev/null}: the pid, or -errno ({@code -ENOSYS} where the binding has no pipes).
     */
    default int spawnPiped(List<String> argv, int stdin, int stdout) {
        return -ENOSYS;
    }

    /** Reads at most {@code length} bytes into {@code buffer} at {@code offset}: the count (0 at the end), or -errno. */
    default int read(int fd, byte[] buffer, int offset, int length) {
        return -ENOSYS;
    }

    /** Writes all of {@code bytes} (at most 4 KB): 0 or -errno. */
    default int write(int fd, byte[] bytes) {
        return write(fd, bytes, 0, bytes.length);
    }

    /** Writes {@code length} bytes (at most 4 KB) of {@code bytes} from {@code offset}: 0 or -errno. */
    default int write(int fd, byte[] bytes, int offset, int length) {
        return -ENOSYS;
    }

    /** {@code pidfd_open(pid, 0)}: a descriptor that becomes readable when the process ends. */
    int pidfdOpen(int pid);

    /** A new close-on-exec epoll set. */
    int epollCreate();

    /** Adds {@code fd}, reported ready for reading with {@code key}. */
    int epollAdd(int epoll, int fd, long key);

    int epollRemove(int epoll, int fd);

    /** Waits for ready descriptors and writes their keys into {@code keys}: the count, or -errno. */
    int epollWait(int epoll, long[] keys);

    /** A new close-on-exec eventfd, to wake a thread waiting in {@link #epollWait}. */
    int eventfd();

    /** Adds 1 to an eventfd's count, which makes it ready. */
    int eventfdAdd(int fd);

    /** Takes an eventfd's count, which makes it not ready. */
    int eventfdTake(int fd);

    int close(int fd);

    /** {@code kill(pid, signal)}; a negative pid is a process group. */
    int kill(int pid, int signal);

    /**
     * {@code wait4(pid, options)}: the pid reaped, 0 when {@link #WNOHANG} found it running, or -errno. Once
     * reaped, {@code ended} holds the wait status, the child's peak memory and the host's own (kilobytes;
     * -1 when unknown).
     */
    int reap(int pid, int options, long[] ended);

    /** Waits for the child's end without reaping it, so that its pid and group id stay its own. */
    int awaitExit(int pid);

    /** The system's words for an error number, e.g. "No such file or directory". */
    String strerror(int error);

    /** Which binding this is, for the debug log. */
    String describe();

    /**
     * Frees what launches share; no {@link #spawn} may follow. (The reaper's calls may still come while its
     * thread stops, so nothing they use may be freed here.)
     */
    default void release() {
    }
}
