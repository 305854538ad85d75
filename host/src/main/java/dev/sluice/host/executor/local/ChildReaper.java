package dev.sluice.host.executor.local;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns how the processes {@link PosixSpawner} started ended, on one thread for all of them: each
 * child's pidfd (which becomes readable when the child exits) is in one epoll set, and the thread
 * reaps each child with {@code wait4}, which also gives the kernel's count of its peak memory. A run
 * with thousands of tasks running at once holds one thread here, not one per task as the JDK does.
 * Only this class waits for these children; the JDK's own reapers wait only for processes the JDK
 * started.
 */
final class ChildReaper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChildReaper.class);
    /** The epoll key of the descriptor that wakes the thread to stop; no pid is negative. */
    private static final long WAKE = -1;
    private static final int BATCH = 64;

    private final Libc libc;
    private final int epoll;
    private final int wake;
    private final Map<Integer, Watch> watched = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Set when the epoll loop failed: from then on each child is waited for on a thread of its own. */
    private volatile boolean broken;
    /** How many times the thread woke, for tests: at most once per child (and once to stop). */
    private volatile long wakeups;

    private record Watch(int pidfd, CompletableFuture<Spawner.Exit> exit, boolean endGroup) {
    }

    private ChildReaper(Libc libc, int epoll, int wake) {
        this.libc = libc;
        this.epoll = epoll;
        this.wake = wake;
        this.thread = Thread.ofPlatform().daemon().name("sluice-local-reaper").unstarted(this::run);
    }

    /** @throws IOException when the kernel refuses pidfds (before Linux 5.3, or a seccomp filter) or epoll */
    static ChildReaper open(Libc libc) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = libc.newErrnoState(arena);
            int self = libc.pidfdOpen(errno, (int) ProcessHandle.current().pid());
            if (self < 0) {
                throw new IOException("pidfd_open: " + libc.strerror(libc.errno(errno)));
            }
            libc.close(self);
            int epoll = libc.epollCreate1(errno, Libc.O_CLOEXEC);
            if (epoll < 0) {
                throw new IOException("epoll_create1: " + libc.strerror(libc.errno(errno)));
            }
            int wake = libc.eventfd(errno, 0, Libc.O_CLOEXEC);
            if (wake < 0 || add(libc, arena, errno, epoll, wake, WAKE) != 0) {
                String why = libc.strerror(libc.errno(errno));
                if (wake >= 0) {
                    libc.close(wake);
                }
                libc.close(epoll);
                throw new IOException("eventfd: " + why);
            }
            ChildReaper reaper = new ChildReaper(libc, epoll, wake);
            reaper.thread.start();
            return reaper;
        }
    }

    /**
     * Watches a child just started; its {@code exit} completes on this reaper's thread. With
     * {@code endGroup}, what the child left running in its process group is killed when it exits,
     * before it is reaped: until then its pid, the group's id, is still the child's.
     */
    Spawner.Child watch(int pid, boolean endGroup) {
        CompletableFuture<Spawner.Exit> exit = new CompletableFuture<>();
        if (!broken) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = libc.newErrnoState(arena);
                // The child cannot have been reaped yet (only this class reaps it), so its pid is still its own.
                int pidfd = libc.pidfdOpen(errno, pid);
                if (pidfd >= 0) {
                    watched.put(pid, new Watch(pidfd, exit, endGroup));
                    if (add(libc, arena, errno, epoll, pidfd, pid) == 0) {
                        return new Spawner.Child(pid, exit);
                    }
                    watched.remove(pid);
                    libc.close(pidfd);
                }
                log.debug("process {} is waited for on a thread of its own: {}", pid,
                        libc.strerror(libc.errno(errno)));
            }
        }
        waitOnOwnThread(pid, exit, endGroup);
        return new Spawner.Child(pid, exit);
    }

    private static int add(Libc libc, Arena arena, MemorySegment errno, int epoll, int fd, long key) {
        MemorySegment event = arena.allocate(libc.epollEventBytes, 8);
        event.set(JAVA_INT, 0, Libc.EPOLLIN);
        event.set(JAVA_LONG_UNALIGNED, libc.epollDataOffset, key);
        return libc.epollCtl(errno, epoll, Libc.EPOLL_CTL_ADD, fd, event);
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = libc.newErrnoState(arena);
            MemorySegment events = arena.allocate(libc.epollEventBytes * BATCH, 8);
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment usage = arena.allocate(Libc.RUSAGE_BYTES, 8);
            MemorySegment drain = arena.allocate(JAVA_LONG);
            while (!closed) {
                int ready = libc.epollWait(errno, epoll, events, BATCH, -1);
                wakeups++;
                if (ready < 0) {
                    int error = libc.errno(errno);
                    if (error == Libc.EINTR) {
                        continue;
                    }
                    giveUp(libc.strerror(error));
                    return;
                }
                for (int i = 0; i < ready; i++) {
                    long key = events.get(JAVA_LONG_UNALIGNED, i * libc.epollEventBytes + libc.epollDataOffset);
                    if (key == WAKE) {
                        libc.read(wake, drain, 8);
                    } else {
                        reap((int) key, errno, status, usage);
                    }
                }
            }
        } finally {
            // Children still watched are given up on (the executor has closed): their pidfds go too.
            for (Watch watch : watched.values()) {
                libc.close(watch.pidfd());
            }
            watched.clear();
            libc.close(epoll);
            libc.close(wake);
        }
    }

    private void reap(int pid, MemorySegment errno, MemorySegment status, MemorySegment usage) {
        Watch watch = watched.get(pid);
        if (watch == null) {
            return;
        }
        if (watch.endGroup()) {
            // The leader is a zombie, so the group is still its own; ESRCH is not possible, and a group
            // with only the zombie left takes the signal harmlessly.
            libc.kill(errno, -pid, Spawner.Signal.KILL.number);
        }
        int reaped;
        do {
            reaped = libc.wait4(errno, pid, status, Libc.WNOHANG, usage);
        } while (reaped < 0 && libc.errno(errno) == Libc.EINTR);
        if (reaped == 0) {
            return; // not ended after all; the pidfd will be ready again when it is
        }
        watched.remove(pid);
        // Taken out of the set before it is closed: a child being spawned at this moment holds a copy of
        // the descriptor until it execs, and closing ours alone would leave the set reporting it.
        libc.epollCtl(errno, epoll, Libc.EPOLL_CTL_DEL, watch.pidfd(), MemorySegment.NULL);
        libc.close(watch.pidfd());
        if (reaped < 0) {
            watch.exit().completeExceptionally(new IOException("could not learn how process " + pid + " ended: "
                    + libc.strerror(libc.errno(errno))));
        } else {
            long childKb = usage.get(JAVA_LONG, Libc.RU_MAXRSS_OFFSET);
            watch.exit().complete(exit(status.get(JAVA_INT, 0), childKb, libc.selfMaxRssKilobytes(usage)));
        }
    }

    /** The epoll loop cannot go on (it never has failed here): every child gets a waiting thread. */
    private void giveUp(String why) {
        broken = true;
        log.warn("the local executor's reaper stopped ({}); each running task is now waited for on a thread"
                + " of its own", why);
        for (Integer pid : List.copyOf(watched.keySet())) {
            Watch watch = watched.remove(pid);
            if (watch != null) {
                // The set is not read any more: closing is enough.
                libc.close(watch.pidfd());
                waitOnOwnThread(pid, watch.exit(), watch.endGroup());
            }
        }
    }

    private void waitOnOwnThread(int pid, CompletableFuture<Spawner.Exit> exit, boolean endGroup) {
        Thread.ofPlatform().daemon().name("sluice-wait-" + pid).start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = libc.newErrnoState(arena);
                MemorySegment status = arena.allocate(JAVA_INT);
                MemorySegment usage = arena.allocate(Libc.RUSAGE_BYTES, 8);
                if (endGroup) {
                    // Wait for the end without reaping, so the group's id is still the child's when the
                    // rest of its group is killed.
                    MemorySegment info = arena.allocate(Libc.SIGINFO_BYTES, 8);
                    int waited;
                    do {
                        waited = libc.waitid(errno, pid, info, Libc.WEXITED | Libc.WNOWAIT);
                    } while (waited < 0 && libc.errno(errno) == Libc.EINTR);
                    if (waited == 0) {
                        libc.kill(errno, -pid, Spawner.Signal.KILL.number);
                    }
                }
                int reaped;
                do {
                    reaped = libc.wait4(errno, pid, status, 0, usage);
                } while (reaped < 0 && libc.errno(errno) == Libc.EINTR);
                if (reaped < 0) {
                    exit.completeExceptionally(new IOException("could not learn how process " + pid + " ended: "
                            + libc.strerror(libc.errno(errno))));
                } else {
                    long childKb = usage.get(JAVA_LONG, Libc.RU_MAXRSS_OFFSET);
                    exit.complete(exit(status.get(JAVA_INT, 0), childKb, libc.selfMaxRssKilobytes(usage)));
                }
            }
        });
    }

    long wakeups() {
        return wakeups;
    }

    /**
     * Decodes a {@code wait} status as a shell reports it: the exit code, or 128 plus the signal; and the
     * kernel's peak memory of the child, kept only when it exceeds the host's own ({@code hostMaxRssKilobytes}).
     * A child made by {@code posix_spawn} shares the host's memory until it execs, and the kernel counts
     * that shared memory's high-water mark as the child's too: a figure at or below the host's own may be
     * the host's, so it is dropped (0: unknown) and the task's readings from /proc stand instead.
     */
    static Spawner.Exit exit(int status, long maxRssKilobytes, long hostMaxRssKilobytes) {
        int signal = status & 0x7f;
        int code = signal == 0 ? (status >> 8) & 0xff : 128 + signal;
        boolean own = hostMaxRssKilobytes >= 0 && maxRssKilobytes > hostMaxRssKilobytes;
        return new Spawner.Exit(code, own ? maxRssKilobytes * 1024 : 0);
    }

    /** Stops the thread; children still watched are left (the executor has given up on them). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1);
            libc.write(wake, one, 8);
        }
    }
}
