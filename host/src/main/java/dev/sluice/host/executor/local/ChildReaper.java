package dev.sluice.host.executor.local;

import java.io.IOException;
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

    private final Posix posix;
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

    private ChildReaper(Posix posix, int epoll, int wake) {
        this.posix = posix;
        this.epoll = epoll;
        this.wake = wake;
        this.thread = Thread.ofPlatform().daemon().name("sluice-local-reaper").unstarted(this::run);
    }

    /** @throws IOException when the kernel refuses pidfds (before Linux 5.3, or a seccomp filter) or epoll */
    static ChildReaper open(Posix posix) throws IOException {
        int self = posix.pidfdOpen((int) ProcessHandle.current().pid());
        if (self < 0) {
            throw new IOException("pidfd_open: " + posix.strerror(-self));
        }
        posix.close(self);
        int epoll = posix.epollCreate();
        if (epoll < 0) {
            throw new IOException("epoll_create1: " + posix.strerror(-epoll));
        }
        int wake = posix.eventfd();
        int added = wake < 0 ? wake : posix.epollAdd(epoll, wake, WAKE);
        if (added < 0) {
            if (wake >= 0) {
                posix.close(wake);
            }
            posix.close(epoll);
            throw new IOException("eventfd: " + posix.strerror(-added));
        }
        ChildReaper reaper = new ChildReaper(posix, epoll, wake);
        reaper.thread.start();
        return reaper;
    }

    /**
     * Watches a child just started; its {@code exit} completes on this reaper's thread. With
     * {@code endGroup}, what the child left running in its process group is killed when it exits,
     * before it is reaped: until then its pid, the group's id, is still the child's.
     */
    Spawner.Child watch(int pid, boolean endGroup) {
        CompletableFuture<Spawner.Exit> exit = new CompletableFuture<>();
        if (!broken) {
            // The child cannot have been reaped yet (only this class reaps it), so its pid is still its own.
            int pidfd = posix.pidfdOpen(pid);
            int error = pidfd;
            if (pidfd >= 0) {
                watched.put(pid, new Watch(pidfd, exit, endGroup));
                error = posix.epollAdd(epoll, pidfd, pid);
                if (error == 0) {
                    return new Spawner.Child(pid, exit);
                }
                watched.remove(pid);
                posix.close(pidfd);
            }
            log.debug("process {} is waited for on a thread of its own: {}", pid, posix.strerror(-error));
        }
        waitOnOwnThread(pid, exit, endGroup);
        return new Spawner.Child(pid, exit);
    }

    private void run() {
        long[] keys = new long[BATCH];
        long[] ended = new long[3];
        try {
            // Stops only once it has read the wake-up close() writes: the descriptor is closed below, after
            // that write, never under it.
            boolean stop = false;
            while (!stop) {
                int ready = posix.epollWait(epoll, keys);
                wakeups++;
                if (ready == -Posix.EINTR) {
                    continue;
                }
                if (ready < 0) {
                    giveUp(posix.strerror(-ready));
                    return;
                }
                for (int i = 0; i < ready; i++) {
                    if (keys[i] == WAKE) {
                        posix.eventfdTake(wake);
                        stop = closed;
                    } else {
                        reap((int) keys[i], ended);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            // Not expected (the calls return errors, they do not throw); the tasks' ends must still be learnt.
            giveUp(e.toString());
        } finally {
            // Children still watched are given up on (the executor has closed): their pidfds go too.
            for (Watch watch : watched.values()) {
                posix.close(watch.pidfd());
            }
            watched.clear();
            posix.close(epoll);
            posix.close(wake);
        }
    }

    private void reap(int pid, long[] ended) {
        Watch watch = watched.get(pid);
        if (watch == null) {
            return;
        }
        if (watch.endGroup()) {
            // The leader is a zombie, so the group is still its own; ESRCH is not possible, and a group
            // with only the zombie left takes the signal harmlessly.
            posix.kill(-pid, Posix.SIGKILL);
        }
        int reaped = posix.reap(pid, Posix.WNOHANG, ended);
        if (reaped == 0) {
            return; // not ended after all; the pidfd will be ready again when it is
        }
        watched.remove(pid);
        // Taken out of the set before it is closed: a child being spawned at this moment holds a copy of
        // the descriptor until it execs, and closing ours alone would leave the set reporting it.
        posix.epollRemove(epoll, watch.pidfd());
        posix.close(watch.pidfd());
        complete(pid, watch.exit(), reaped, ended);
    }

    private void complete(int pid, CompletableFuture<Spawner.Exit> exit, int reaped, long[] ended) {
        if (reaped < 0) {
            exit.completeExceptionally(new IOException("could not learn how process " + pid + " ended: "
                    + posix.strerror(-reaped)));
        } else {
            exit.complete(exit((int) ended[0], ended[1], ended[2]));
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
                posix.close(watch.pidfd());
                waitOnOwnThread(pid, watch.exit(), watch.endGroup());
            }
        }
    }

    private void waitOnOwnThread(int pid, CompletableFuture<Spawner.Exit> exit, boolean endGroup) {
        Thread.ofPlatform().daemon().name("sluice-wait-" + pid).start(() -> {
            try {
                // Waited for without reaping first, so the group's id is still the child's when the rest of
                // its group is killed.
                if (endGroup && posix.awaitExit(pid) == 0) {
                    posix.kill(-pid, Posix.SIGKILL);
                }
                long[] ended = new long[3];
                complete(pid, exit, posix.reap(pid, 0, ended), ended);
            } catch (RuntimeException | Error e) {
                exit.completeExceptionally(new IOException("could not learn how process " + pid + " ended: " + e, e));
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
        posix.eventfdAdd(wake);
    }
}
