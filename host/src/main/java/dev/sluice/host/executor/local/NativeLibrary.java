package dev.sluice.host.executor.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@link Posix} through the host's own native library ({@code libsluice-native.so}, built from
 * {@code host/src/main/c/sluice-native.c} where a C compiler is found, and shipped in the distribution's
 * {@code lib/native}). The JVM binds JNI methods by a symbol look-up; the Foreign Function API instead
 * generates classes and code at run time for each binding, which the host's start and the compiler paid
 * for (two builds of one commit, 16 pairs: a one-task run 266 ms through the Foreign Function API, 228.5
 * ms through this library; docs/adr/2026-12-05-native-library.md).
 */
final class NativeLibrary implements Posix {
    /** The system property naming the library file; otherwise {@code <sluice.home>/lib/native/}. */
    static final String PROPERTY = "sluice.native.library";
    static final String FILE_NAME = "libsluice-native.so";
    /** The library's {@code ABI_VERSION}: one left from another build is refused. */
    static final int VERSION = 3;

    /** A launch's request, reused by the thread that made it. */
    private static final ThreadLocal<NulStrings> REQUESTS = ThreadLocal.withInitial(NulStrings::new);

    private NativeLibrary() {
    }

    /** The library, or why it cannot be used (not built, not found, from another build, refused by the system). */
    static Loaded load() {
        return load(location());
    }

    /** The library in {@code file} (null: no place was named). */
    static Loaded load(Path file) {
        if (file == null) {
            return new Loaded(null, "neither -D" + PROPERTY + " nor sluice.home says where " + FILE_NAME + " is");
        }
        if (!NativeLibrary.class.getModule().isNativeAccessEnabled()) {
            // Loading it anyway would work, with the JVM's warning about a restricted method on stderr.
            return new Loaded(null, "native access is not enabled (java --enable-native-access=ALL-UNNAMED)");
        }
        if (!Files.isRegularFile(file)) {
            return new Loaded(null, file + " does not exist (it is built where a C compiler is found)");
        }
        try {
            // A second load of the same file is a no-op; init and the host's environment are made once.
            System.load(file.toString());
            int version = Calls.version();
            if (version != VERSION) {
                return new Loaded(null, file + " is from another build (version " + version + ", expected " + VERSION
                        + "); rebuild with ./build");
            }
            int error = Calls.init();
            if (error == 0) {
                error = setHostEnvironment();
            }
            if (error < 0) {
                return new Loaded(null, file + " could not be set up: " + Calls.strerror(-error));
            }
            return new Loaded(new NativeLibrary(), null);
        } catch (UnsatisfiedLinkError | IllegalCallerException e) {
            return new Loaded(null, file + " cannot be loaded: " + e.getMessage());
        }
    }

    /**
     * The host's environment as Java read it, handed to the library once: both bindings launch with the
     * same variables, and {@link PosixSpawner} decides from the same map whether a task overrides any.
     */
    private static int setHostEnvironment() {
        NulStrings block = new NulStrings();
        int count = 0;
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (e.getKey().indexOf('\0') < 0 && e.getValue().indexOf('\0') < 0) {
                block.add(e.getKey() + "=" + e.getValue());
                count++;
            }
        }
        return Calls.setHostEnvironment(block.bytes, block.length, count);
    }

    private static Path location() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getProperty("sluice.home");
        return home == null || home.isBlank() ? null : Path.of(home, "lib", "native", FILE_NAME);
    }

    /** The library, or the reason there is none. */
    record Loaded(NativeLibrary library, String unavailableBecause) {
    }

    @Override
    public int spawn(String program, List<String> argv, List<String> environment, boolean addToHost, String workDir,
            String stdout, String stderr, int stdin) {
        NulStrings request = REQUESTS.get().clear(0);
        request.add(program).add(workDir).add(stdout).add(stderr);
        for (String argument : argv) {
            request.add(argument);
        }
        for (String variable : environment) {
            request.add(variable);
        }
        return Calls.spawn(request.bytes, request.length, argv.size(), environment.size(), addToHost, stdin, -1);
    }

    @Override
    public int spawnPiped(List<String> argv, int stdin, int stdout) {
        NulStrings request = REQUESTS.get().clear(0);
        request.add(argv.getFirst()).add("/").add("/dev/null").add("/dev/null");
        for (String argument : argv) {
            request.add(argument);
        }
        return Calls.spawn(request.bytes, request.length, argv.size(), 0, true, stdin, stdout);
    }

    @Override
    public int pipe(int[] ends) {
        return Calls.pipe(ends);
    }

    @Override
    public int write(int fd, byte[] bytes, int offset, int length) {
        return Calls.write(fd, bytes, offset, length);
    }

    @Override
    public int read(int fd, byte[] buffer, int offset, int length) {
        return Calls.read(fd, buffer, offset, Math.min(length, 16384));
    }

    @Override
    public int pidfdOpen(int pid) {
        return Calls.pidfdOpen(pid);
    }

    @Override
    public int epollCreate() {
        return Calls.epollCreate();
    }

    @Override
    public int epollAdd(int epoll, int fd, long key) {
        return Calls.epollAdd(epoll, fd, key);
    }

    @Override
    public int epollRemove(int epoll, int fd) {
        return Calls.epollRemove(epoll, fd);
    }

    @Override
    public int epollWait(int epoll, long[] keys) {
        return Calls.epollWait(epoll, keys);
    }

    @Override
    public int eventfd() {
        return Calls.eventfd();
    }

    @Override
    public int eventfdAdd(int fd) {
        return Calls.eventfdAdd(fd);
    }

    @Override
    public int eventfdTake(int fd) {
        return Calls.eventfdTake(fd);
    }

    @Override
    public int close(int fd) {
        return Calls.close(fd);
    }

    @Override
    public int kill(int pid, int signal) {
        return Calls.kill(pid, signal);
    }

    @Override
    public int reap(int pid, int options, long[] ended) {
        return Calls.reap(pid, options, ended);
    }

    @Override
    public int awaitExit(int pid) {
        return Calls.awaitExit(pid);
    }

    @Override
    public String strerror(int error) {
        return Calls.strerror(error);
    }

    @Override
    public String describe() {
        return "the host's native library (" + FILE_NAME + ")";
    }

    /** The library's functions; named as in sluice-native.c. */
    private static final class Calls {
        private Calls() {
        }

        static native int version();

        static native int init();

        static native int setHostEnvironment(byte[] variables, int length, int count);

        static native int spawn(byte[] request, int length, int argc, int envc, boolean addToHost, int stdin,
                int stdout);

        static native int pipe(int[] ends);

        static native int write(int fd, byte[] data, int offset, int length);

        static native int read(int fd, byte[] data, int offset, int length);

        static native int pidfdOpen(int pid);

        static native int epollCreate();

        static native int epollAdd(int epoll, int fd, long key);

        static native int epollRemove(int epoll, int fd);

        static native int epollWait(int epoll, long[] keys);

        static native int eventfd();

        static native int eventfdAdd(int fd);

        static native int eventfdTake(int fd);

        static native int close(int fd);

        static native int kill(int pid, int signal);

        static native int reap(int pid, int options, long[] ended);

        static native int awaitExit(int pid);

        static native String strerror(int error);
    }
}
