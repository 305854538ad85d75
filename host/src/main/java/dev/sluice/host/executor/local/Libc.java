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
 * with glibc's file actions, and through {@code syscall(2)} pidfds, epoll, {@code wait4} and {@code kill}.
 * Linux on x86-64 or AArch64 with glibc 2.34 or later only; {@link #load} says why it cannot be used
 * anywhere else, and the executor then launches through the JDK. Every call returns what C returns;
 * calls that report through {@code errno} take a state segment from {@link #newErrnoState} and leave it
 * there.
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
    /**
     * The system calls made through {@code syscall(2)}, by number: one binding for all of them instead
     * of one per function. The JDK generates code for every distinct signature it binds: binding seventeen
     * took 82 ms in a fresh JVM against 63 for eight, with 80 generated classes more, and a start with the
     * ahead-of-time cache is 14 ms shorter with eight (issue 14).
     * Numbers from the kernel's headers (asm/unistd_64.h; asm-generic/unistd.h, which AArch64 uses);
     * from 424 on both architectures share one table.
     */
    record Syscalls(long read, long write, long close, long wait4, long kill, long getrusage,
            long epollCtl, long waitid, long epollPwait, long eventfd2, long epollCreate1, long pidfdOpen) {
        static final Syscalls X86_64 = new Syscalls(0, 1, 3, 61, 62, 98, 233, 247, 281, 290, 291, 434);
        static final Syscalls AARCH64 = new Syscalls(63, 64, 57, 260, 129, 165, 21, 95, 22, 19, 20, 434);
    }

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
    /** {@code syscall(number, a1, ..., a6)}, every argument a {@code long}, with errno captured. */
    private final MethodHandle syscall;
    private final Syscalls numbers;
    /** Where calls whose errno nobody reads leave it: written by any thread, read by none. */
    private final MemorySegment ignoredErrno;
    /** Bound at the first error: a binding costs the JVM a few milliseconds of start-up. */
    private MethodHandle strerror;
    private final Linker linker;
    private final SymbolLookup lookup;
    private final StructLayout errnoLayout;
    private final VarHandle errno;
    /** {@code struct epoll_event} is packed on x86-64 (12 bytes) and aligned elsewhere (16). */
    final long epollEventBytes;
    final long epollDataOffset;

    private Libc(Linker linker, SymbolLookup lookup, boolean x86) {
        this.linker = linker;
        this.lookup = lookup;
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
        syscall = bind(linker, lookup, "syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), errnoCapture);
        this.numbers = x86 ? Syscalls.X86_64 : Syscalls.AARCH64;
        this.ignoredErrno = Arena.global().allocate(errnoLayout);
        // Bound at the first error, but looked up now: a C library without it falls back at start, as before.
        lookup.find("strerror").orElseThrow(() -> new NoSuchElementException("strerror"));
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
        MethodHandle handle;
        synchronized (this) {
            if (strerror == null) {
                strerror = bind(linker, lookup, "strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
            }
            handle = strerror;
        }
        try {
            MemorySegment text = (MemorySegment) handle.invokeExact(error);
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
        return (int) syscall(errnoState, numbers.pidfdOpen(), pid, 0, 0, 0, 0, 0);
    }

    int epollCreate1(MemorySegment errnoState, int flags) {
        return (int) syscall(errnoState, numbers.epollCreate1(), flags, 0, 0, 0, 0, 0);
    }

    int epollCtl(MemorySegment errnoState, int epfd, int op, int fd, MemorySegment event) {
        return (int) syscall(errnoState, numbers.epollCtl(), epfd, op, fd, pointer(event), 0, 0);
    }

    /** {@code epoll_wait}, as {@code epoll_pwait} with no signal mask (AArch64 has only the latter). */
    int epollWait(MemorySegment errnoState, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        return (int) syscall(errnoState, numbers.epollPwait(), epfd, pointer(events), maxEvents, timeoutMillis, 0, 0);
    }

    /** {@code eventfd(initial, flags)}: the C library's function is the {@code eventfd2} system call. */
    int eventfd(MemorySegment errnoState, int initial, int flags) {
        return (int) syscall(errnoState, numbers.eventfd2(), initial, flags, 0, 0, 0, 0);
    }

    long write(int fd, MemorySegment buffer, long count) {
        return syscall(ignoredErrno, numbers.write(), fd, pointer(buffer), count, 0, 0, 0);
    }

    long read(int fd, MemorySegment buffer, long count) {
        return syscall(ignoredErrno, numbers.read(), fd, pointer(buffer), count, 0, 0, 0);
    }

    int wait4(MemorySegment errnoState, int pid, MemorySegment status, int options, MemorySegment rusage) {
        return (int) syscall(errnoState, numbers.wait4(), pid, pointer(status), options, pointer(rusage), 0, 0);
    }

    /**
     * The host's own largest resident memory in kilobytes ({@code getrusage(RUSAGE_SELF)}'s
     * {@code ru_maxrss}), or -1 when it cannot be read; {@code usage} is {@link #RUSAGE_BYTES} long.
     */
    long selfMaxRssKilobytes(MemorySegment usage) {
        return syscall(ignoredErrno, numbers.getrusage(), RUSAGE_SELF, pointer(usage), 0, 0, 0, 0) == 0
                ? usage.get(JAVA_LONG, RU_MAXRSS_OFFSET) : -1;
    }

    /**
     * {@code waitid(P_PID, pid, info, options)}: with {@code WNOWAIT}, waits for the end without reaping.
     * The system call's fifth argument, a {@code struct rusage} to fill, is none, as the C library passes.
     */
    int waitid(MemorySegment errnoState, int pid, MemorySegment info, int options) {
        return (int) syscall(errnoState, numbers.waitid(), P_PID, pid, pointer(info), options, 0, 0);
    }

    int kill(MemorySegment errnoState, int pid, int signal) {
        return (int) syscall(errnoState, numbers.kill(), pid, signal, 0, 0, 0, 0);
    }

    int close(int fd) {
        return (int) syscall(ignoredErrno, numbers.close(), fd, 0, 0, 0, 0, 0);
    }

    /**
     * A segment's address for a system call's argument. Passed as a number, a segment gets none of the
     * checks the Foreign Function API makes on a segment argument, so the one that matters is made here:
     * native memory (or none). Every caller holds its segments in an arena it closes after the call.
     */
    private static long pointer(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a system call needs native memory, not a heap segment");
        }
        return segment.address();
    }

    /** One system call, every argument a {@code long} (unused ones 0). */
    private long syscall(MemorySegment errnoState, long number, long a1, long a2, long a3, long a4, long a5,
            long a6) {
        try {
            return (long) syscall.invokeExact(errnoState, number, a1, a2, a3, a4, a5, a6);
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
