package dev.sluice.host.executor.local;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * {@link Posix} through the Foreign Function API, where the host's native library ({@link NativeLibrary})
 * was not built: {@code posix_spawn} with glibc's file actions, and through {@code syscall(2)} pidfds,
 * epoll, {@code wait4} and {@code kill}. Linux on x86-64 or AArch64 with glibc 2.34 or later only;
 * {@link #load} says why it cannot be used anywhere else, and the executor then launches through the JDK.
 */
final class Libc implements Posix {
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
    static final int P_PID = 1;
    static final int WEXITED = 4;
    static final int WNOWAIT = 0x01000000;
    /** {@code siginfo_t}, which {@code waitid} fills: 128 bytes on Linux. */
    static final long SIGINFO_BYTES = 128;
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
    private final long epollEventBytes;
    private final long epollDataOffset;
    /** What launches share: their attributes and the host's environment, each made once. */
    private final Arena shared = Arena.ofShared();
    private final MemorySegment spawnAttributes;
    private final MemorySegment hostEnvironment;
    private final int hostEnvironmentCount;

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
        // What every launch shares, made now: a failure falls back to the JDK at start, not at each launch.
        try {
            this.spawnAttributes = spawnAttributes();
        } catch (IllegalStateException e) {
            shared.close();
            throw e;
        }
        List<String> variables = new ArrayList<>();
        System.getenv().forEach((name, value) -> {
            if (name.indexOf('\0') < 0 && value.indexOf('\0') < 0) {
                variables.add(name + "=" + value);
            }
        });
        this.hostEnvironment = shared.allocate(ADDRESS, Math.max(1, variables.size()));
        for (int i = 0; i < variables.size(); i++) {
            hostEnvironment.setAtIndex(ADDRESS, i, shared.allocateFrom(variables.get(i)));
        }
        this.hostEnvironmentCount = variables.size();
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
        } catch (IllegalStateException e) {
            return new Result(null, e.getMessage());
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
    private MemorySegment newErrnoState(Arena arena) {
        return arena.allocate(errnoLayout);
    }

    private int errno(MemorySegment state) {
        return (int) errno.get(state, 0L);
    }

    /** What a system call returned, or -errno when it failed. */
    private long result(long returned, MemorySegment errnoState) {
        return returned < 0 ? -errno(errnoState) : returned;
    }

    @Override
    public String strerror(int error) {
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

    @Override
    public String describe() {
        return "the C library through the Foreign Function API";
    }

    /** The attributes every launch shares; {@code posix_spawn} only reads them. Throws when one cannot be set. */
    private MemorySegment spawnAttributes() {
        MemorySegment attributes = shared.allocate(SPAWN_ATTR_BYTES, 16);
        MemorySegment noSignals = shared.allocate(SIGSET_BYTES, 16);
        MemorySegment allSignals = shared.allocate(SIGSET_BYTES, 16);
        int error = call(attrInit, attributes);
        if (error == 0) {
            error = call(sigEmptySet, noSignals) | call(sigFillSet, allSignals);
        }
        // A task starts as from a fresh login: nothing blocked, nothing ignored that the JVM ignores.
        if (error == 0) {
            error = call(attrSetSigMask, attributes, noSignals) | call(attrSetSigDefault, attributes, allSignals);
        }
        if (error == 0) {
            try {
                error = (int) attrSetFlags.invokeExact(attributes,
                        (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        if (error != 0) {
            throw new IllegalStateException("posix_spawnattr_*: " + strerror(error));
        }
        return attributes;
    }



    @Override
    public int spawn(String program, List<String> argv, List<String> environment, boolean addToHost, String workDir,
            String stdout, String stderr, int stdin) {
        if (stdin >= 0) {
            return -ENOSYS; // no pipe() here: the watcher starts through the JDK
        }
        MemorySegment attributes = spawnAttributes;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment actions = call.allocate(FILE_ACTIONS_BYTES, 16);
            int error = call(actionsInit, actions);
            if (error != 0) {
                return -error;
            }
            try {
                int output = O_WRONLY | O_CREAT | O_TRUNC;
                error = call(actionsAddChdir, actions, call.allocateFrom(workDir));
                if (error == 0) {
                    error = addOpen(actions, 0, call.allocateFrom("/dev/null"), O_RDONLY);
                }
                if (error == 0) {
                    error = addOpen(actions, 1, call.allocateFrom(stdout), output);
                }
                if (error == 0) {
                    error = addOpen(actions, 2, call.allocateFrom(stderr), output);
                }
                if (error == 0) {
                    // The JVM's own descriptors are not all close-on-exec; a task must not hold any of them.
                    error = (int) actionsAddCloseFrom.invokeExact(actions, 3);
                }
                if (error != 0) {
                    return -error;
                }
                MemorySegment pid = call.allocate(JAVA_INT);
                error = (int) posixSpawn.invokeExact(pid, call.allocateFrom(program), actions, attributes,
                        strings(call, argv), environment(call, environment, addToHost));
                return error != 0 ? -error : pid.get(JAVA_INT, 0);
            } catch (Throwable t) {
                throw rethrow(t);
            } finally {
                call(actionsDestroy, actions);
            }
        }
    }

    private int addOpen(MemorySegment actions, int fd, MemorySegment path, int flags) throws Throwable {
        return (int) actionsAddOpen.invokeExact(actions, fd, path, flags, 0666);
    }

    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private MemorySegment environment(Arena arena, List<String> variables, boolean addToHost) {
        if (!addToHost) {
            return strings(arena, variables);
        }
        MemorySegment host = hostEnvironment;
        int hostCount = hostEnvironmentCount;
        MemorySegment array = arena.allocate(ADDRESS, hostCount + variables.size() + 1L);
        // The usual launch: the host's variables in one copy, then the task's own.
        MemorySegment.copy(host, 0, array, 0, hostCount * ADDRESS.byteSize());
        int i = hostCount;
        for (String variable : variables) {
            array.setAtIndex(ADDRESS, i++, arena.allocateFrom(variable));
        }
        array.setAtIndex(ADDRESS, i, MemorySegment.NULL);
        return array;
    }

    @Override
    public int pidfdOpen(int pid) {
        return syscall(numbers.pidfdOpen(), pid, 0, 0, 0);
    }

    @Override
    public int epollCreate() {
        return syscall(numbers.epollCreate1(), O_CLOEXEC, 0, 0, 0);
    }

    @Override
    public int epollAdd(int epoll, int fd, long key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(epollEventBytes, 8);
            event.set(JAVA_INT, 0, EPOLLIN);
            event.set(JAVA_LONG_UNALIGNED, epollDataOffset, key);
            return syscall(numbers.epollCtl(), epoll, EPOLL_CTL_ADD, fd, pointer(event));
        }
    }

    @Override
    public int epollRemove(int epoll, int fd) {
        return syscall(numbers.epollCtl(), epoll, EPOLL_CTL_DEL, fd, 0);
    }

    /** {@code epoll_wait}, as {@code epoll_pwait} with no signal mask (AArch64 has only the latter). */
    @Override
    public int epollWait(int epoll, long[] keys) {
        int max = Math.min(keys.length, 64);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(epollEventBytes * max, 8);
            MemorySegment errnoState = newErrnoState(arena);
            int ready = (int) result(syscall(errnoState, numbers.epollPwait(), epoll, pointer(events), max, -1, 0, 0),
                    errnoState);
            for (int i = 0; i < ready; i++) {
                keys[i] = events.get(JAVA_LONG_UNALIGNED, i * epollEventBytes + epollDataOffset);
            }
            return ready;
        }
    }

    /** {@code eventfd(0, O_CLOEXEC)}: the C library's function is the {@code eventfd2} system call. */
    @Override
    public int eventfd() {
        return syscall(numbers.eventfd2(), 0, O_CLOEXEC, 0, 0);
    }

    @Override
    public int eventfdAdd(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1);
            return Math.min(0, syscall(numbers.write(), fd, pointer(one), 8, 0));
        }
    }

    @Override
    public int eventfdTake(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Math.min(0, syscall(numbers.read(), fd, pointer(arena.allocate(JAVA_LONG)), 8, 0));
        }
    }

    @Override
    public int close(int fd) {
        return syscall(numbers.close(), fd, 0, 0, 0);
    }

    @Override
    public int kill(int pid, int signal) {
        return syscall(numbers.kill(), pid, signal, 0, 0);
    }

    @Override
    public int reap(int pid, int options, long[] ended) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errnoState = newErrnoState(arena);
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment usage = arena.allocate(RUSAGE_BYTES, 8);
            long reaped;
            do {
                reaped = result(syscall(errnoState, numbers.wait4(), pid, pointer(status), options, pointer(usage), 0, 0),
                        errnoState);
            } while (reaped == -EINTR);
            if (reaped > 0) {
                ended[0] = status.get(JAVA_INT, 0);
                ended[1] = usage.get(JAVA_LONG, RU_MAXRSS_OFFSET);
                ended[2] = syscall(ignoredErrno, numbers.getrusage(), RUSAGE_SELF, pointer(usage), 0, 0, 0, 0) == 0
                        ? usage.get(JAVA_LONG, RU_MAXRSS_OFFSET) : -1;
            }
            return (int) reaped;
        }
    }

    /**
     * {@code waitid(P_PID, pid, info, WEXITED | WNOWAIT)}. The system call's fifth argument, a
     * {@code struct rusage} to fill, is none, as the C library passes.
     */
    @Override
    public int awaitExit(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errnoState = newErrnoState(arena);
            MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);
            long result;
            do {
                result = result(syscall(errnoState, numbers.waitid(), P_PID, pid, pointer(info), WEXITED | WNOWAIT, 0,
                        0), errnoState);
            } while (result == -EINTR);
            return (int) Math.min(0, result);
        }
    }

    @Override
    public void release() {
        shared.close();
    }

    /** One system call of at most four arguments: its result, or -errno. */
    private int syscall(long number, long a1, long a2, long a3, long a4) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errnoState = newErrnoState(arena);
            return (int) result(syscall(errnoState, number, a1, a2, a3, a4, 0, 0), errnoState);
        }
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
