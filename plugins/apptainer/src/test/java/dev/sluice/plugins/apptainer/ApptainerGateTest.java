package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.FakeTimeSource;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image gate against the stand-in apptainer: pull once, locks, timeouts, retries, limits, allow-list. */
class ApptainerGateTest {
    private static final String IMAGE = "docker://registry.local/lab/tool:2";

    @TempDir
    Path tmp;
    private Path program;
    private Path cache;
    private Path log;
    private final Map<String, String> fakeEnv = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        program = StandIn.install(tmp);
        cache = tmp.resolve("cache");
        log = tmp.resolve("apptainer.log");
        fakeEnv.put("FAKE_APPTAINER_LOG", log.toString());
        fakeEnv.put("FAKE_APPTAINER_STATE", Files.createDirectories(tmp.resolve("state")).toString());
    }

    private final class Run {
        final TestPluginContext context;
        final Apptainer apptainer;
        final ApptainerGate gate;

        Run(TimeSource time, Map<String, String> config, CommandRunner runner) {
            Map<String, String> all = new HashMap<>(Map.of("apptainer", program.toString(), "cacheDir", cache.toString()));
            all.putAll(config);
            context = TestPluginContext.of(ApptainerGate.ID).withConfig(all).withTime(time);
            apptainer = Apptainer.create(context, runner, Duration.ofMillis(20));
            gate = new ApptainerGate(context, apptainer);
        }

        Run(Map<String, String> config) {
            this(TimeSource.system(), config, CommandRunner.processes(fakeEnv));
        }

        FutureTask<Void> prepare(TestTaskHandle task) {
            FutureTask<Void> f = new FutureTask<>(() -> {
                gate.prepare(task);
                return null;
            });
            Thread.ofVirtual().start(f);
            return f;
        }
    }

    private static TestTaskHandle task(String id, String image) {
        return TestTaskHandle.of(id).withHints(Map.of("apptainer/image", image));
    }

    private Path entry(String image) {
        String ref = image.substring(image.indexOf("://") + 3);
        return cache.resolve(SifCache.entryName(new ImageSource.Remote(image.substring(0, image.indexOf(':')), ref)));
    }

    @Test
    void concurrentTasksOfOneRunPullTheImageOnce() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_SECONDS", "1");
        Run run = new Run(Map.of());
        List<FutureTask<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tasks.add(run.prepare(task("t" + i, IMAGE)));
        }
        for (FutureTask<Void> t : tasks) {
            t.get(30, TimeUnit.SECONDS);
        }
        assertThat(StandIn.logged(log, "pull ")).hasSize(1);
        assertThat(run.apptainer.cache.pullsStarted()).isEqualTo(1);
        assertThat(ImageSource.isSif(entry(IMAGE))).isTrue();
        assertThat(run.context.statusesOf("t0")).anyMatch(s -> s.startsWith("pulling " + IMAGE))
                .contains("image ready: " + IMAGE);
        // A later task finds the entry and pulls nothing.
        run.prepare(task("late", IMAGE)).get(10, TimeUnit.SECONDS);
        assertThat(StandIn.logged(log, "pull ")).hasSize(1);
    }

    @Test
    void twoRunsOnOneMachinePullOnceThroughTheLockFile() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_SECONDS", "1");
        Run first = new Run(Map.of());
        Run second = new Run(Map.of());
        FutureTask<Void> a = first.prepare(task("a", IMAGE));
        FutureTask<Void> b = second.prepare(task("b", IMAGE));
        a.get(30, TimeUnit.SECONDS);
        b.get(30, TimeUnit.SECONDS);
        assertThat(StandIn.logged(log, "pull ")).hasSize(1);
        assertThat(first.apptainer.cache.pullsStarted() + second.apptainer.cache.pullsStarted()).isEqualTo(2);
        assertThat(Files.exists(entry(IMAGE).resolveSibling(entry(IMAGE).getFileName() + ".lock"))).isTrue();
        List<String> waited = new ArrayList<>(first.context.statusesOf("a"));
        waited.addAll(second.context.statusesOf("b"));
        assertThat(waited).anyMatch(s -> s.startsWith("waiting for another run on this machine"));
    }

    @Test
    void noTaskEverSeesAHalfWrittenSif() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_SECONDS", "1");
        Run run = new Run(Map.of());
        FutureTask<Void> pull = run.prepare(task("t", IMAGE));
        Path sif = entry(IMAGE);
        boolean sawPartial = false;
        while (!pull.isDone()) {
            if (Files.exists(sif)) {
                assertThat(ImageSource.isSif(sif)).as("the entry is whole whenever it exists").isTrue();
            }
            try (Stream<Path> files = Files.list(cache)) {
                sawPartial |= files.anyMatch(p -> p.getFileName().toString().endsWith(".pulling"));
            } catch (java.nio.file.NoSuchFileException e) {
                // not made yet
            }
            Thread.sleep(20);
        }
        pull.get();
        assertThat(sawPartial).as("the pull wrote a temporary file first").isTrue();
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".pulling"));
        }
    }

    @Test
    void aPullPastItsTimeoutIsKilledAndFailsRetryably() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_HANG", "1");
        Run run = new Run(Map.of("pullTimeout", "1s", "pullRetries", "0"));
        FutureTask<Void> f = run.prepare(task("t", IMAGE));
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(RetryableTaskException.class).hasMessageContaining("did not finish within 1s")
                .hasMessageContaining("pullTimeout");
        assertPullProcessesGone();
        assertThat(Files.exists(entry(IMAGE))).isFalse();
    }

    @Test
    void interruptingTheOnlyWaitingTaskKillsThePull() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_HANG", "1");
        Run run = new Run(Map.of());
        TestTaskHandle t = task("t", IMAGE);
        Thread[] gateThread = new Thread[1];
        FutureTask<Void> f = new FutureTask<>(() -> {
            gateThread[0] = Thread.currentThread();
            run.gate.prepare(t);
            return null;
        });
        Thread.ofVirtual().start(f);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (StandIn.logged(log, "pull ").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(StandIn.logged(log, "pull ")).hasSize(1);
        gateThread[0].interrupt();
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(InterruptedException.class);
        assertPullProcessesGone();
    }

    /** Every pull the stand-in logged (with its pid) has ended within a few seconds. */
    private void assertPullProcessesGone() throws InterruptedException {
        for (String line : StandIn.logged(log, "pull ")) {
            long pid = Long.parseLong(line.substring(line.indexOf("pid=") + 4).trim());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pull pid " + pid).isFalse();
        }
    }

    @Test
    void transientFailuresAreRetriedWithDoublingBackoffOnThePluginsClock() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_FAILURES", "2");
        FakeTimeSource time = new FakeTimeSource();
        Run run = new Run(time, Map.of("pullBackoff", "10s", "pullRetries", "3"), CommandRunner.processes(fakeEnv));
        FutureTask<Void> f = run.prepare(task("t", IMAGE));
        time.awaitSleepers(1, Duration.ofSeconds(20));
        assertThat(StandIn.logged(log, "pull ")).hasSize(1);
        time.advance(Duration.ofSeconds(9));
        assertThat(f.isDone()).isFalse();
        time.advance(Duration.ofSeconds(1));   // first wait: 10s
        awaitPulls(2);
        time.awaitSleepers(1, Duration.ofSeconds(20));
        time.advance(Duration.ofSeconds(19));
        Thread.sleep(200);
        assertThat(StandIn.logged(log, "pull ")).hasSize(2);
        time.advance(Duration.ofSeconds(1));   // second wait: 20s
        f.get(20, TimeUnit.SECONDS);
        assertThat(StandIn.logged(log, "pull ")).hasSize(3);
        assertThat(run.context.statusesOf("t")).anyMatch(s -> s.startsWith("retrying the pull of " + IMAGE + " in 10s"))
                .anyMatch(s -> s.contains("503 Service Unavailable"))
                .anyMatch(s -> s.startsWith("pulling " + IMAGE + " (try 3 of 4)"));
    }

    private void awaitPulls(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (StandIn.logged(log, "pull ").size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void givingUpAfterTheLastRetryIsRetryableAndNamesTheSetting() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_FAILURES", "5");
        Run run = new Run(Map.of("pullBackoff", "0s", "pullRetries", "1"));
        assertThatThrownBy(() -> run.prepare(task("t", IMAGE)).get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RetryableTaskException.class).hasMessageContaining("in 2 tries")
                .hasMessageContaining("503 Service Unavailable").hasMessageContaining("pullRetries");
        assertThat(StandIn.logged(log, "pull ")).hasSize(2);
    }

    @Test
    void aPermanentFailureIsNotRetried() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_ERROR", "manifest unknown: manifest unknown");
        Run run = new Run(Map.of("pullBackoff", "0s"));
        assertThatThrownBy(() -> run.prepare(task("t", IMAGE)).get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(TaskException.class).isNotInstanceOf(RetryableTaskException.class)
                .hasMessageContaining("could not pull " + IMAGE).hasMessageContaining("manifest unknown")
                .hasMessageContaining("not retried");
        assertThat(StandIn.logged(log, "pull ")).hasSize(1);
    }

    @Test
    void aRegistryNameThatDoesNotResolveIsRetried() throws Exception {
        fakeEnv.put("FAKE_APPTAINER_PULL_ERROR", "failed to get checksum for " + IMAGE + ": pinging container registry "
                + "registry.local: Get \"https://registry.local/v2/\": dial tcp: lookup registry.local on 127.0.0.53:53: "
                + "no such host");
        Run run = new Run(Map.of("pullBackoff", "0s", "pullRetries", "2"));
        assertThatThrownBy(() -> run.prepare(task("t", IMAGE)).get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RetryableTaskException.class).hasMessageContaining("in 3 tries")
                .hasMessageContaining("no such host").hasMessageContaining("pullRetries");
        assertThat(StandIn.logged(log, "pull ")).hasSize(3);
    }

    @Test
    void anUnexpectedFaultOfThePullIsToldInWordsNotJavasNames() {
        CommandRunner broken = command -> {
            throw new IllegalStateException("the runner lost its way");
        };
        CommandRunner silent = command -> {
            throw new NullPointerException();
        };
        Run run = new Run(TimeSource.system(), Map.of(), broken);
        assertThatThrownBy(() -> run.prepare(task("t", IMAGE)).get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(TaskException.class)
                .hasMessage("the pull of " + IMAGE + " failed unexpectedly: the runner lost its way (the run's log has "
                        + "the details; run again, and report it if it happens again)");
        Run other = new Run(TimeSource.system(), Map.of(), silent);
        assertThatThrownBy(() -> other.prepare(task("t", IMAGE)).get(10, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("failed unexpectedly: an unexpected error that gave no details")
                .hasMessageNotContaining("Exception");
    }

    @Test
    void atMostMaxConcurrentPullsRunAtOnce() throws Exception {
        int[] running = {0};
        int[] most = {0};
        Object guard = new Object();
        CommandRunner slow = command -> {
            synchronized (guard) {
                running[0]++;
                most[0] = Math.max(most[0], running[0]);
            }
            Thread.sleep(300);
            StandIn.fakeSif(Path.of(command.argv().get(2)));
            synchronized (guard) {
                running[0]--;
            }
            return CommandRunner.Result.ok("");
        };
        Run run = new Run(TimeSource.system(), Map.of("maxConcurrentPulls", "2"), slow);
        List<FutureTask<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(run.prepare(task("t" + i, "docker://registry.local/lab/tool" + i + ":1")));
        }
        for (FutureTask<Void> t : tasks) {
            t.get(30, TimeUnit.SECONDS);
        }
        assertThat(most[0]).isEqualTo(2);
        assertThat(run.apptainer.cache.pullsStarted()).isEqualTo(6);
    }

    @Test
    void theAllowListIsCheckedBeforeAnyPull() {
        CommandRunner never = command -> {
            throw new AssertionError("pulled " + command.argv());
        };
        Run run = new Run(TimeSource.system(), Map.of("allowedImages", "registry.local/lab/*, oras://registry.local/sif/*"),
                never);
        assertThatThrownBy(() -> run.prepare(task("t", "docker://evil.example/miner:1")).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(TaskException.class)
                .hasMessageContaining("image 'docker://evil.example/miner:1' of process 'test' is not in the operator's "
                        + "allow-list (plugins.apptainer.allowedImages: registry.local/lab/*, oras://registry.local/sif/*)");
        assertThatThrownBy(() -> run.prepare(task("t", "oras://registry.local/lab/tool:1")).get(10, TimeUnit.SECONDS))
                .as("only docker:// images match without their scheme").cause().hasMessageContaining("allow-list");
    }

    @Test
    void aLocalSifIsUsedAsItIsAndPinnedByItsSha256() throws Exception {
        Path sif = StandIn.fakeSif(tmp.resolve("images/tool.sif"));
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(sif)));
        Run pinned = new Run(Map.of("allowedImages", "sha256:" + hash));
        pinned.prepare(task("t", sif.toString())).get(10, TimeUnit.SECONDS);
        Run other = new Run(Map.of("allowedImages", "sha256:" + "0".repeat(64)));
        assertThatThrownBy(() -> other.prepare(task("t", sif.toString())).get(10, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("its SHA-256 is not pinned there either");
        Run byPath = new Run(Map.of("allowedImages", tmp.resolve("images") + "/*.sif"));
        byPath.prepare(task("t", sif.toString())).get(10, TimeUnit.SECONDS);
        assertThat(StandIn.logged(log, "pull ")).isEmpty();
    }

    @Test
    void aMissingLocalSifFailsTheTaskNamingTheHint() {
        Run run = new Run(Map.of());
        assertThatThrownBy(() -> run.prepare(task("t", tmp.resolve("gone.sif").toString())).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(TaskException.class).hasMessageContaining("gone.sif does not exist")
                .hasMessageContaining("apptainer/image");
    }

    @Test
    void skipAndTasksWithoutAnImagePassAtOnce() throws Exception {
        CommandRunner never = command -> {
            throw new AssertionError("pulled " + command.argv());
        };
        Run run = new Run(TimeSource.system(), Map.of(), never);
        run.prepare(TestTaskHandle.of("plain")).get(10, TimeUnit.SECONDS);
        run.prepare(TestTaskHandle.of("skip").withHints(Map.of("apptainer/image", IMAGE, "apptainer/skip", "true")))
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void maxWaitBoundsTheWaitForAPull() {
        fakeEnv.put("FAKE_APPTAINER_PULL_HANG", "1");
        Run run = new Run(Map.of());
        TestTaskHandle t = TestTaskHandle.of("t").withHints(Map.of("apptainer/image", IMAGE, "apptainer/maxWait", "500ms"));
        assertThatThrownBy(() -> run.prepare(t).get(20, TimeUnit.SECONDS)).cause().isInstanceOf(TaskException.class)
                .hasMessageContaining("gave up after 500ms").hasMessageContaining("apptainer/maxWait");
    }

    /** A pull that runs until it is interrupted; counts its starts and its interrupts. */
    private static final class HangingPull implements CommandRunner {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch killed = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);

        @Override
        public Result run(Command command) throws InterruptedException {
            started.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                killed.countDown();
                throw e;
            }
            StandIn.fakeSif(Path.of(command.argv().get(2)));
            return Result.ok("");
        }
    }

    @Test
    void maxWaitIsMeasuredOnThePluginsClockAndItsEndKillsThePull() throws Exception {
        FakeTimeSource time = new FakeTimeSource();
        HangingPull pull = new HangingPull();
        Run run = new Run(time, Map.of(), pull);
        TestTaskHandle t = TestTaskHandle.of("t").withHints(Map.of("apptainer/image", IMAGE, "apptainer/maxWait", "20m"));
        FutureTask<Void> f = run.prepare(t);
        assertThat(pull.started.await(10, TimeUnit.SECONDS)).isTrue();
        time.awaitSleepers(1, Duration.ofSeconds(10));   // the maxWait timer, on the fake clock
        time.advance(Duration.ofMinutes(20).minusSeconds(1));
        Thread.sleep(200);
        assertThat(f.isDone()).as("real time passes, the fake clock has not reached maxWait").isFalse();
        time.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(TaskException.class)
                .isNotInstanceOf(RetryableTaskException.class).hasMessageContaining("gave up after 20m")
                .hasMessageContaining("apptainer/maxWait").hasMessageContaining("pulling " + IMAGE);
        assertThat(pull.killed.await(10, TimeUnit.SECONDS)).as("the last waiter left: the pull is killed").isTrue();
        assertThat(Files.exists(entry(IMAGE))).isFalse();
    }

    @Test
    void aWaitBoundedByMaxWaitStillEndsWithThePullOrAnInterruptAndLeavesNoTimer() throws Exception {
        FakeTimeSource time = new FakeTimeSource();
        HangingPull pull = new HangingPull();
        Run run = new Run(time, Map.of(), pull);
        Map<String, String> hints = Map.of("apptainer/image", IMAGE, "apptainer/maxWait", "20m");
        // An interrupt ends the wait at once, on any clock, and kills the pull of its only waiter.
        Thread[] gateThread = new Thread[1];
        FutureTask<Void> interrupted = new FutureTask<>(() -> {
            gateThread[0] = Thread.currentThread();
            run.gate.prepare(TestTaskHandle.of("a").withHints(hints));
            return null;
        });
        Thread.ofVirtual().start(interrupted);
        assertThat(pull.started.await(10, TimeUnit.SECONDS)).isTrue();
        time.awaitSleepers(1, Duration.ofSeconds(10));
        gateThread[0].interrupt();
        assertThatThrownBy(() -> interrupted.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(InterruptedException.class);
        assertThat(pull.killed.await(10, TimeUnit.SECONDS)).isTrue();
        awaitNoSleepers(time);
        // A pull that ends before maxWait ends the wait, and its timer with it.
        HangingPull quick = new HangingPull();
        Run second = new Run(time, Map.of(), quick);
        FutureTask<Void> f = second.prepare(TestTaskHandle.of("b").withHints(hints));
        // The first pull's thread may still hold the entry's lock for a moment after its kill; the
        // second then waits for it on the fake clock, in lock-poll steps (20 ms, far from maxWait).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!quick.started.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
            time.advance(Duration.ofMillis(20));
        }
        assertThat(quick.started.getCount()).as("the second pull started").isZero();
        time.awaitSleepers(1, Duration.ofSeconds(10));
        quick.finish.countDown();
        f.get(10, TimeUnit.SECONDS);
        assertThat(ImageSource.isSif(entry(IMAGE))).isTrue();
        awaitNoSleepers(time);
    }

    private static void awaitNoSleepers(FakeTimeSource time) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (time.sleepers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(time.sleepers()).as("no maxWait timer is left sleeping").isZero();
    }

    @Test
    void theGpuEnvFileIsWrittenForTasksThatAskForAccelerators() throws Exception {
        Path sif = StandIn.fakeSif(tmp.resolve("images/tool.sif"));
        Run run = new Run(Map.of());
        run.prepare(task("t", sif.toString()).withResources(dev.sluice.spi.Resources.DEFAULT.withAccelerators(1, null)))
                .get(10, TimeUnit.SECONDS);
        assertThat(cache.resolve(GpuEnvFile.NAME)).exists();
    }
}
