package dev.sluice.host.executor.local;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * The C library calls the local executor makes through the Foreign Function API: {@code posix_spawn}
 * with glibc's file actions, pidfds, epoll, {@code wait4} and {@code kill}. Linux on x86-64 or
 * AArch64 with glibc 2.34 or later only; {@link #load} says why it cannot be used anywhere else, and
 * the executor then launches through the JDK. Every call returns what C returns; calls that report
 * through {@code errno} take a state segment from {@link #newErrnoState} and leave it there.
 */
final class Libc {
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_TRUNC = 01000;
    static final int O_CLOEXEC = 02000000;
    static final int EPOLLIN = 0x001;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int WNOHANG = 1;
    static final int P_PID = 1;
    static final int WEXITED = 4;
    static final int WNOWAIT = 0x01000000;
    /** {@code siginfo_t}, which {@code waitid} fills: 128 bytes on Linux. */
    static final long SIGINFO_BYTES = 128;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int ENOEXEC = 8;
    static final int EAGAIN = 11;
    /** The same number on x86-64 and AArch64: system calls from 424 on share one table. */
    private static final long SYS_PIDFD_OPEN = 434;

    /**
     * glibc's sizes are 336 ({@code posix_spawnattr_t}), 80 ({@code posix_spawn_file_actions_t}) and
     * 128 ({@code sigset_t}) bytes on both architectures; allocating more is harmless and keeps a later
     * glibc that grows them (into their padding) safe.
     */
    static final long SPAWN_ATTR_BYTES = 512;
    static final long FILE_ACTIONS_BYTES = 256;
    static final long SIGSET_BYTES = 256;
    /** {@code struct rusage}: two {@code timeval}s, then {@code ru_maxrss} (kilobytes), 144 bytes in all. */
    static final long RUSAGE_BYTES = 144;
    static final long RU_MAXRSS_OFFSET = 32;
    private static final int RUSAGE_SELF = 0;

    private final MethodHandle posixSpawn;
    private final MethodHandle attrInit;
    private final MethodHandle attrSetFlags;
    private final MethodHandle attrSetSigMask;
    private final MethodHandle attrSetSigDefault;
    private final MethodHandle actionsInit;
    private final MethodHandle actionsDestroy;
    private final MethodHandle actionsAddOpen;
    private final MethodHandle actionsAddChdir;
    private final MethodHandle actionsAddCloseFrom;
    private final MethodHandle sigEmptySet;
    private final MethodHandle sigFillSet;
    private final MethodHandle syscall1;
    private final MethodHandle epollCreate1;
    private final MethodHandle epollCtl;
    private final MethodHandle epollWait;
    private final MethodHandle eventfd;
    private final MethodHandle write;
    private final MethodHandle read;
    private final MethodHandle wait4;
    private final MethodHandle waitid;
    private final MethodHandle getrusage;
    private final MethodHandle kill;
    private final MethodHandle close;
    private final MethodHandle strerror;
    private final StructLayout errnoLayout;
    private final VarHandle errno;
    /** {@code struct epoll_event} is packed on x86-64 (12 bytes) and aligned elsewhere (16). */
    final long epollEventBytes;
    final long epollDataOffset;

    private Libc(Linker linker, SymbolLookup lookup, boolean x86) {
        Linker.Option errnoCapture = Linker.Option.captureCallState("errno");
        this.errnoLayout = Linker.Option.captureStateLayout();
        this.errno = errnoLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        this.epollEventBytes = x86 ? 12 : 16;
        this.epollDataOffset = x86 ? 4 : 8;
        posixSpawn = bind(linker, lookup, "posix_spawn",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        attrInit = bind(linker, lookup, "posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        attrSetFlags = bind(linker, lookup, "posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        attrSetSigMask = bind(linker, lookup, "posix_spawnattr_setsigmask",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        attrSetSigDefault = bind(linker, lookup, "posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        actionsInit = bind(linker, lookup, "posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        actionsDestroy = bind(linker, lookup, "posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        actionsAddOpen = bind(linker, lookup, "posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        actionsAddChdir = bind(linker, lookup, "posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        actionsAddCloseFrom = bind(linker, lookup, "posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        sigEmptySet = bind(linker, lookup, "sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        sigFillSet = bind(linker, lookup, "sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        syscall1 = bind(linker, lookup, "syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), errnoCapture);
        epollCreate1 = bind(linker, lookup, "epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errnoCapture);
        epollCtl = bind(linker, lookup, "epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), errnoCapture);
        epollWait = bind(linker, lookup, "epoll_wait",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), errnoCapture);
        eventfd = bind(linker, lookup, "eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errnoCapture);
        write = bind(linker, lookup, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        read = bind(linker, lookup, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        wait4 = bind(linker, lookup, "wait4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), errnoCapture);
        waitid = bind(linker, lookup, "waitid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errnoCapture);
        getrusage = bind(linker, lookup, "getrusage", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        kill = bind(linker, lookup, "kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errnoCapture);
        close = bind(linker, lookup, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        strerror = bind(linker, lookup, "strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * The bindings, or why they cannot be made here: not Linux, another architecture, native access
     * not granted to the host (the {@code sluice} command grants it), or a C library without these
     * functions (musl, glibc before 2.34).
     */
    static Result load() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.equals("Linux")) {
            return new Result(null, "not Linux (" + os + ")");
        }
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        if (!x86 && !arch.equals("aarch64")) {
            return new Result(null, "an architecture whose C structures are not described here (" + arch + ")");
        }
        if (!Libc.class.getModule().isNativeAccessEnabled()) {
            return new Result(null, "native access is not enabled (java --enable-native-access=ALL-UNNAMED)");
        }
        try {
            Linker linker = Linker.nativeLinker();
            return new Result(new Libc(linker, linker.defaultLookup(), x86), null);
        } catch (NoSuchElementException | IllegalArgumentException | UnsupportedOperationException e) {
            return new Result(null, "the C library lacks a function the launch needs (" + e.getMessage() + ")");
        }
    }

    /** The bindings, or the reason there are none. */
    record Result(Libc libc, String unavailableBecause) {
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor,
            Linker.Option... options) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new NoSuchElementException(name));
        return linker.downcallHandle(symbol, descriptor, options);
    }

    /** A segment for the {@code errno} that calls with errno capture leave behind. */
    MemorySegment newErrnoState(Arena arena) {
        return arena.allocate(errnoLayout);
    }

    int errno(MemorySegment state) {
        return (int) errno.get(state, 0L);
    }

    /** The C library's words for an error number, e.g. "No such file or directory". */
    String strerror(int error) {
        try {
            MemorySegment text = (MemorySegment) strerror.invokeExact(error);
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int posixSpawn(MemorySegment pid, MemorySegment path, MemorySegment actions, MemorySegment attr,
            MemorySegment argv, MemorySegment envp) {
        try {
            return (int) posixSpawn.invokeExact(pid, path, actions, attr, argv, envp);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int attrInit(MemorySegment attr) {
        return call(attrInit, attr);
    }

    int attrSetFlags(MemorySegment attr, short flags) {
        try {
            return (int) attrSetFlags.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int attrSetSigMask(MemorySegment attr, MemorySegment set) {
        return call(attrSetSigMask, attr, set);
    }

    int attrSetSigDefault(MemorySegment attr, MemorySegment set) {
        return call(attrSetSigDefault, attr, set);
    }

    int actionsInit(MemorySegment actions) {
        return call(actionsInit, actions);
    }

    int actionsDestroy(MemorySegment actions) {
        return call(actionsDestroy, actions);
    }

    int actionsAddOpen(MemorySegment actions, int fd, MemorySegment path, int flags, int mode) {
        try {
            return (int) actionsAddOpen.invokeExact(actions, fd, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int actionsAddChdir(MemorySegment actions, MemorySegment path) {
        return call(actionsAddChdir, actions, path);
    }

    int actionsAddCloseFrom(MemorySegment actions, int from) {
        try {
            return (int) actionsAddCloseFrom.invokeExact(actions, from);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int sigEmptySet(MemorySegment set) {
        return call(sigEmptySet, set);
    }

    int sigFillSet(MemorySegment set) {
        return call(sigFillSet, set);
    }

    /** {@code pidfd_open(pid, 0)}: a descriptor that becomes readable when the process ends, or -1. */
    int pidfdOpen(MemorySegment errnoState, int pid) {
        try {
            return (int) (long) syscall1.invokeExact(errnoState, SYS_PIDFD_OPEN, (long) pid, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int epollCreate1(MemorySegment errnoState, int flags) {
        try {
            return (int) epollCreate1.invokeExact(errnoState, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int epollCtl(MemorySegment errnoState, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) epollCtl.invokeExact(errnoState, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int epollWait(MemorySegment errnoState, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) epollWait.invokeExact(errnoState, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int eventfd(MemorySegment errnoState, int initial, int flags) {
        try {
            return (int) eventfd.invokeExact(errnoState, initial, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) write.invokeExact(fd, buffer, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long read(int fd, MemorySegment buffer, long count) {
        try {
            return (long) read.invokeExact(fd, buffer, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int wait4(MemorySegment errnoState, int pid, MemorySegment status, int options, MemorySegment rusage) {
        try {
            return (int) wait4.invokeExact(errnoState, pid, status, options, rusage);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The host's own largest resident memory in kilobytes ({@code getrusage(RUSAGE_SELF)}'s
     * {@code ru_maxrss}), or -1 when it cannot be read; {@code usage} is {@link #RUSAGE_BYTES} long.
     */
    long selfMaxRssKilobytes(MemorySegment usage) {
        try {
            return (int) getrusage.invokeExact(RUSAGE_SELF, usage) == 0 ? usage.get(JAVA_LONG, RU_MAXRSS_OFFSET) : -1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code waitid(P_PID, pid, info, options)}: with {@code WNOWAIT}, waits for the end without reaping. */
    int waitid(MemorySegment errnoState, int pid, MemorySegment info, int options) {
        try {
            return (int) waitid.invokeExact(errnoState, P_PID, pid, info, options);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int kill(MemorySegment errnoState, int pid, int signal) {
        try {
            return (int) kill.invokeExact(errnoState, pid, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int close(int fd) {
        try {
            return (int) close.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int call(MethodHandle handle, MemorySegment a) {
        try {
            return (int) handle.invokeExact(a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int call(MethodHandle handle, MemorySegment a, MemorySegment b) {
        try {
            return (int) handle.invokeExact(a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A downcall throws only what the JVM throws (out of memory, a wrong handle type: a bug here). */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("a C library call failed unexpectedly", t);
    }
}
