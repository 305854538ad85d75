package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What both ways of launching promise the local executor: a session of the task's own, exact exit
 * codes and signals, the given environment and nothing else, the work directory, stdin from
 * /dev/null, output in the task's files, no descriptor of the host's, and a whole group signalled.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpawnerTest {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "GREETING", "hello world");

    @TempDir
    Path dir;

    static Stream<Arguments> spawners() {
        return Stream.of(Arguments.of("posix_spawn, native library", (LocalExecutor.SpawnerFactory) SpawnerTest::nativeSpawner),
                Arguments.of("posix_spawn, Foreign Function API", (LocalExecutor.SpawnerFactory) SpawnerTest::ffmSpawner),
                Arguments.of("JDK", (LocalExecutor.SpawnerFactory) JdkSpawner::open));
    }

    static Stream<Arguments> posixSpawners() {
        return spawners().filter(a -> ((String) a.get()[0]).startsWith("posix_spawn"));
    }

    /**
     * The launch through the host's native library, which this build makes where it finds a C compiler
     * (src/build/native.sh); without one these cases are skipped, unless SLUICE_REQUIRE_NATIVE is set (CI).
     */
    private static PosixSpawner nativeSpawner() {
        NativeLibrary.Loaded library = NativeLibrary.load();
        return posixSpawner(requireNativeLibrary(library));
    }

    /** The library; a test without it fails where the build must have made it, and is skipped elsewhere. */
    private static NativeLibrary requireNativeLibrary(NativeLibrary.Loaded loaded) {
        if (loaded.library() == null) {
            assertThat(nativeLibraryExpected()).as("the native library of this build loads (%s)",
                    loaded.unavailableBecause()).isFalse();
            Assumptions.abort("no native library in this build: " + loaded.unavailableBecause());
        }
        return loaded.library();
    }

    /** Whether this build must have made the native library: CI says so, or a C compiler is on the PATH. */
    static boolean nativeLibraryExpected() {
        if (System.getenv("SLUICE_REQUIRE_NATIVE") != null) {
            return true;
        }
        String cc = System.getenv().getOrDefault("CC", "cc").trim().split("\\s+")[0];
        return cc.contains("/") ? Files.isExecutable(Path.of(cc))
                : Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                        .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, cc)));
    }

    /** The launch through the Foreign Function API, which every Linux machine this project builds on can use. */
    private static PosixSpawner ffmSpawner() {
        Libc.Result libc = Libc.load();
        assertThat(libc.unavailableBecause()).as("posix_spawn is usable on this Linux machine").isNull();
        return posixSpawner(libc.libc());
    }

    private static PosixSpawner posixSpawner(Posix posix) {
        try {
            return PosixSpawner.open(posix);
        } catch (IOException e) {
            throw new AssertionError("pidfds and epoll work on this kernel", e);
        }
    }

    private Spawner.Child run(Spawner spawner, String... argv) throws IOException {
        return run(spawner, ENV, argv);
    }

    private Spawner.Child run(Spawner spawner, Map<String, String> env, String... argv) throws IOException {
        return spawner.spawn(new Spawner.Request(Path.of(argv[0]), List.of(argv), env, dir, dir.resolve("out"),
                dir.resolve("err"), false));
    }

    private static Spawner.Exit end(Spawner.Child child) throws Exception {
        return child.exit().get(TaskRig.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private String out() throws IOException {
        return Files.readString(dir.resolve("out"), StandardCharsets.UTF_8);
    }

    @Test
    void theExecutorLaunchesThroughTheNativeLibraryWhereACompilerBuiltIt() throws Exception {
        Assumptions.assumeTrue(nativeLibraryExpected(), "no C compiler on the PATH: the build made no native library");
        try (Spawner spawner = Spawner.open()) {
            assertThat(spawner.describe()).startsWith("posix_spawn through the host's native library");
        }
    }

    @Test
    void withoutTheNativeLibraryTheExecutorCallsTheCLibraryThroughTheForeignFunctionApi() throws Exception {
        try (Spawner spawner = Spawner.open(NativeLibrary.load(dir.resolve(NativeLibrary.FILE_NAME)))) {
            assertThat(spawner.describe()).startsWith("posix_spawn through the C library through the Foreign Function API");
            assertThat(end(run(spawner, "/bin/sh", "-c", "exit 7")).exitCode()).isEqualTo(7);
        }
    }

    @Test
    void aMissingNativeLibraryIsRefusedWithWhereItWasLookedFor() {
        Path missing = dir.resolve("lib").resolve(NativeLibrary.FILE_NAME);
        NativeLibrary.Loaded loaded = NativeLibrary.load(missing);
        assertThat(loaded.library()).isNull();
        assertThat(loaded.unavailableBecause()).isEqualTo(missing + " does not exist (it is built where a C compiler is found)");
        assertThat(NativeLibrary.load(null).unavailableBecause()).contains("-Dsluice.native.library");
        // (A file that is no library is not tried here: the JVM prints a warning about stack guards when
        // dlopen fails, whatever the file.)
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("posixSpawners")
    void aHelperReadsWhatTheHostSendsInASessionOfItsOwnWhereTheBindingHasPipes(String name,
            LocalExecutor.SpawnerFactory factory) throws Exception {
        Path said = dir.resolve("said");
        try (Spawner spawner = factory.open()) {
            java.util.Optional<Spawner.Helper> started = spawner.startHelper(List.of("/bin/sh", "-c",
                    "read line; echo \"$line $(cut -d' ' -f6 /proc/$$/stat)\" > \"$0\"; exit 5", said.toString()));
            if (name.contains("Foreign Function API")) {
                // No pipes in that binding: the caller starts the helper through the JDK.
                assertThat(started).isEmpty();
                return;
            }
            Spawner.Helper helper = started.orElseThrow();
            helper.send("done\n");
            helper.send("ignored\n"); // once only
            assertThat(helper.exit().get(TaskRig.PATIENCE.toMillis(), TimeUnit.MILLISECONDS).exitCode()).isEqualTo(5);
            String[] words = Files.readString(said).trim().split(" ");
            assertThat(words[0]).isEqualTo("done");
            // Its session is its own: the session id is not the test JVM's.
            assertThat(Long.parseLong(words[1])).isNotEqualTo(TaskRig.sessionOf(ProcessHandle.current().pid()));
        }
    }

    /**
     * The watcher's promise: it sees the end of its pipe as soon as the host closes it (as a killed host's
     * kernel would), although tasks started after it still run; no task holds the pipe's writing end.
     */
    @Test
    void aHelperSeesItsPipeEndWhenTheHostClosesItWhileTasksStillRun() throws Exception {
        Path said = dir.resolve("said");
        try (Spawner spawner = nativeSpawner()) {
            Spawner.Helper helper = spawner.startHelper(List.of("/bin/sh", "-c",
                    "if read line; then echo \"read $line\"; else echo eof; fi > \"$0\"", said.toString())).orElseThrow();
            TaskRig.mkfifo(dir.resolve("hold"));
            // A task that outlives the helper's pipe: it blocks until the end of the test.
            Spawner.Child task = run(spawner, "/bin/sh", "-c", "cat hold > /dev/null");
            helper.send(""); // closes the pipe without a word
            assertThat(helper.exit().get(TaskRig.PATIENCE.toMillis(), TimeUnit.MILLISECONDS).exitCode()).isZero();
            assertThat(Files.readString(said)).isEqualTo("eof\n");
            assertThat(task.exit()).isNotDone();
            Files.writeString(dir.resolve("hold"), "go\n");
            assertThat(end(task).exitCode()).isZero();
        }
    }

    /**
     * Every function the library declares is bound (JNI binds at the first call: a name or signature that
     * does not match would fail a task's launch or end, not the start) and reports a bad argument as -errno.
     */
    @Test
    void everyCallOfTheNativeLibraryIsBoundAndReportsErrorsAsNegativeErrno() throws Exception {
        Posix posix = requireNativeLibrary(NativeLibrary.load());
        int einval = 22;
        int ebadf = 9;
        int echild = 10;
        assertThat(posix.pidfdOpen(-1)).isEqualTo(-einval);
        assertThat(posix.close(-1)).isEqualTo(-ebadf);
        assertThat(posix.kill(Integer.MAX_VALUE, 0)).isEqualTo(-Posix.ESRCH);
        assertThat(posix.reap(Integer.MAX_VALUE, Posix.WNOHANG, new long[3])).isEqualTo(-echild);
        assertThat(posix.awaitExit(Integer.MAX_VALUE)).isEqualTo(-echild);
        assertThat(posix.eventfdAdd(-1)).isEqualTo(-ebadf);
        assertThat(posix.epollRemove(-1, -1)).isEqualTo(-ebadf);
        assertThat(posix.strerror(Posix.ESRCH)).isEqualTo("No such process");
        assertThat(posix.spawn("/bin/true", List.of("true"), List.of(), true, dir.resolve("gone").toString(),
                "out", "err", -1)).isEqualTo(-2);
        assertThat(posix.write(-1, new byte[1])).isEqualTo(-ebadf);
        int[] ends = new int[2];
        assertThat(posix.pipe(ends)).isZero();
        assertThat(posix.write(ends[1], new byte[4097])).as("more than the library's 4 KB").isEqualTo(-einval);
        assertThat(posix.write(ends[1], new byte[3])).isZero();
        assertThat(posix.close(ends[0])).isZero();
        assertThat(posix.close(ends[1])).isZero();
        int epoll = posix.epollCreate();
        int wake = posix.eventfd();
        assertThat(epoll).isPositive();
        assertThat(wake).isPositive();
        try {
            assertThat(posix.epollAdd(epoll, wake, 42)).isZero();
            assertThat(posix.eventfdAdd(wake)).isZero();
            long[] keys = new long[4];
            assertThat(posix.epollWait(epoll, keys)).isEqualTo(1);
            assertThat(keys[0]).isEqualTo(42);
            assertThat(posix.eventfdTake(wake)).isZero();
            assertThat(posix.epollRemove(epoll, wake)).isZero();
        } finally {
            assertThat(posix.close(wake)).isZero();
            assertThat(posix.close(epoll)).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spawners")
    void exitCodesAndSignalsAreReportedAsAShellWould(String name, LocalExecutor.SpawnerFactory factory)
            throws Exception {
        try (Spawner spawner = factory.open()) {
            assertThat(end(run(spawner, "/bin/sh", "-c", "exit 3")).exitCode()).isEqualTo(3);
            assertThat(end(run(spawner, "/bin/sh", "-c", "exit 0")).exitCode()).isZero();
            assertThat(end(run(spawner, "/bin/sh", "-c", "kill -KILL $$")).exitCode()).isEqualTo(137);
            assertThat(end(run(spawner, "/bin/sh", "-c", "kill -TERM $$")).exitCode()).isEqualTo(143);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spawners")
    void theProgramSeesItsEnvironmentItsDirectoryAndAnEmptyStdin(String name, LocalExecutor.SpawnerFactory factory)
            throws Exception {
        try (Spawner spawner = factory.open()) {
            // NUL-separated: a host variable may hold a line break.
            assertThat(end(run(spawner, "/usr/bin/env", "-0")).exitCode()).isZero();
            // The host's environment, with the task's variables added and over it (PATH).
            java.util.Map<String, String> expected = new java.util.TreeMap<>(System.getenv());
            expected.putAll(ENV);
            assertThat(Set.of(out().split("\0"))).isEqualTo(expected.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.toSet()));
            // A task that only adds variables (the usual launch, which copies the host's part whole).
            assertThat(end(run(spawner, Map.of("SLUICE_ONLY_NEW", "1"), "/usr/bin/env", "-0")).exitCode()).isZero();
            java.util.Map<String, String> added = new java.util.TreeMap<>(System.getenv());
            added.put("SLUICE_ONLY_NEW", "1");
            assertThat(List.of(out().split("\0"))).hasSize(added.size()).containsExactlyInAnyOrderElementsOf(
                    added.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());

            assertThat(end(run(spawner, "/bin/sh", "-c", "pwd -P; cat; echo oops >&2")).exitCode()).isZero();
            assertThat(out()).isEqualTo(dir.toRealPath() + "\n");
            assertThat(Files.readString(dir.resolve("err"))).isEqualTo("oops\n");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spawners")
    void theProgramLeadsASessionAndHoldsNoDescriptorOfTheHost(String name, LocalExecutor.SpawnerFactory factory)
            throws Exception {
        try (Spawner spawner = factory.open()) {
            // Fields of /proc/self/stat after the name: state ppid pgrp session ...; find lists the shell's
            // descriptors onto the shell's own stdout: no pipe, whose ends the shell would hold while it set
            // one up, and no redirection, for which it would keep a copy of its stdout.
            Spawner.Child child = run(spawner, "/bin/sh", "-c",
                    "echo $$ $(cut -d' ' -f5,6 /proc/$$/stat); find /proc/$$/fd -mindepth 1 -printf '%f '; echo");
            assertThat(end(child).exitCode()).isZero();
            List<String> lines = out().lines().toList();
            assertThat(lines.getFirst()).isEqualTo(child.pid() + " " + child.pid() + " " + child.pid());
            Set<String> fds = Set.of(lines.get(1).trim().split(" "));
            assertThat(fds).as("descriptors open in the task").isSubsetOf("0", "1", "2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spawners")
    void aSignalReachesTheWholeGroup(String name, LocalExecutor.SpawnerFactory factory) throws Exception {
        try (Spawner spawner = factory.open()) {
            TaskRig.mkfifo(dir.resolve("ready"));
            Spawner.Child child = run(spawner, "/bin/sh", "-c", "sleep 300 & echo $! > ready; wait");
            long grandchild = Long.parseLong(Files.readString(dir.resolve("ready")).trim());
            assertThat(TaskRig.processGroupOf(grandchild)).isEqualTo(child.pid());

            spawner.signal(Spawner.Signal.KILL, List.of(child.pid()));

            assertThat(end(child).exitCode()).isEqualTo(137);
            TaskRig.awaitGone(grandchild);
            assertThat(TaskRig.isRunning(grandchild)).isFalse();
            // A group that is gone is not an error.
            spawner.signal(Spawner.Signal.TERM, List.of(child.pid()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spawners")
    void aMissingWorkDirectoryIsReportedInTheSystemsWords(String name, LocalExecutor.SpawnerFactory factory)
            throws Exception {
        try (Spawner spawner = factory.open()) {
            Path gone = dir.resolve("gone");
            assertThatThrownBy(() -> spawner.spawn(new Spawner.Request(Path.of("/bin/true"), List.of("true"), ENV,
                    gone, gone.resolve("out"), gone.resolve("err"), false)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("No such file or directory");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("posixSpawners")
    void posixSpawnStartsWithNoSignalBlockedOrIgnored(String name, LocalExecutor.SpawnerFactory factory) throws Exception {
        try (Spawner spawner = factory.open()) {
            Spawner.Exit exit = end(run(spawner, "/bin/sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"));
            assertThat(exit.exitCode()).isZero();
            List<String> lines = out().lines().toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).isEqualTo("SigBlk:\t0000000000000000");
            // Every signal but the C library's own two real-time ones (32, 33), which glibc before 2.38 leaves
            // ignored in every child (bit n-1 stands for signal n).
            long glibcOwn = (1L << 31) | (1L << 32);
            assertThat(Long.parseUnsignedLong(lines.get(1).substring("SigIgn:\t".length()), 16) & ~glibcOwn).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("posixSpawners")
    void theKernelsPeakMemoryIsReportedOnlyWhereItCannotBeTheHosts(String name, LocalExecutor.SpawnerFactory factory) throws Exception {
        long hostBytes = hostPeakBytes();
        // A shell holding a string 64 MB larger than the host has ever been: the kernel's figure is its own.
        long big = hostBytes + 64L * 1024 * 1024;
        try (Spawner spawner = factory.open()) {
            Spawner.Exit holding = end(run(spawner, "/bin/sh", "-c",
                    "x=$(head -c " + big + " /dev/zero | tr '\\0' a); echo ${#x}"));
            assertThat(holding.exitCode()).isZero();
            assertThat(out().strip()).isEqualTo(Long.toString(big));
            assertThat(holding.peakRssBytes()).as("the kernel's count of a shell holding %d bytes", big)
                    .isGreaterThanOrEqualTo(big);
            // `true` never holds a megabyte, but the kernel counts the host's memory it shared until its
            // exec: that figure must not be reported as the task's.
            Spawner.Exit small = end(run(spawner, "/bin/true"));
            assertThat(small.peakRssBytes()).as("peak of /bin/true, host at %d bytes", hostPeakBytes())
                    .isLessThan(16L * 1024 * 1024);
        }
    }

    /** The test JVM's own high-water mark, from /proc. */
    private static long hostPeakBytes() throws IOException {
        String line = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmHWM:")).findFirst().orElseThrow();
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("posixSpawners")
    void posixSpawnRefusesANulCharacterAndALaunchAfterClose(String name, LocalExecutor.SpawnerFactory factory) throws Exception {
        Spawner spawner = factory.open();
        assertThatThrownBy(() -> run(spawner, "/bin/echo", "a\0b")).isInstanceOf(IOException.class)
                .hasMessage("an argument holds a NUL character, which no program can receive");
        assertThatThrownBy(() -> spawner.signal(Spawner.Signal.KILL, List.of(1L))).isInstanceOf(IOException.class)
                .hasMessageContaining("refusing to signal process group 1");
        spawner.close();
        assertThatThrownBy(() -> run(spawner, "/bin/true")).isInstanceOf(IOException.class)
                .hasMessageContaining("closed");
        spawner.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("posixSpawners")
    void oneReaperThreadLearnsEveryEndAndWakesAtMostOncePerChild(String name, LocalExecutor.SpawnerFactory factory) throws Exception {
        int threads = 4;
        int perThread = 50;
        try (PosixSpawner spawner = (PosixSpawner) factory.open();
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            long before = spawner.reaper().wakeups();
            List<Future<List<Spawner.Child>>> launched = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                launched.add(pool.submit(() -> {
                    List<Spawner.Child> children = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        children.add(run(spawner, "/bin/true"));
                    }
                    return children;
                }));
            }
            List<CompletableFuture<Spawner.Exit>> exits = new ArrayList<>();
            for (Future<List<Spawner.Child>> f : launched) {
                f.get().forEach(c -> exits.add(c.exit()));
            }
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                    .get(TaskRig.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(exits).allSatisfy(e -> assertThat(e.join().exitCode()).isZero());
            // A descriptor left in the epoll set after its child was reaped would make the thread spin.
            assertThat(spawner.reaper().wakeups() - before).isLessThanOrEqualTo(threads * perThread);
        }
    }

    @Test
    void waitStatusesDecodeAsAShellReportsThem() {
        assertThat(ChildReaper.exit(0x0000, 0, 0)).isEqualTo(new Spawner.Exit(0, 0));
        assertThat(ChildReaper.exit(0x0300, 2048, 1024)).isEqualTo(new Spawner.Exit(3, 2048 * 1024L));
        // At or below the host's own peak, or with the host's unknown, the figure may be the host's.
        assertThat(ChildReaper.exit(0x0300, 2048, 2048)).isEqualTo(new Spawner.Exit(3, 0));
        assertThat(ChildReaper.exit(0x0300, 2048, -1)).isEqualTo(new Spawner.Exit(3, 0));
        assertThat(ChildReaper.exit(0xff00, 0, 0).exitCode()).isEqualTo(255);
        assertThat(ChildReaper.exit(0x0009, 0, 0).exitCode()).isEqualTo(137);
        assertThat(ChildReaper.exit(0x000f, 0, 0).exitCode()).isEqualTo(143);
        // Killed by SIGSEGV with a core dump: the core flag (0x80) is not part of the signal.
        assertThat(ChildReaper.exit(0x008b, 0, 0).exitCode()).isEqualTo(139);
        assertThat(Arrays.asList(Spawner.Signal.values())).extracting(s -> s.number).containsExactly(15, 9);
    }
}
