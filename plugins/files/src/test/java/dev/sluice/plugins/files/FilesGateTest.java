package dev.sluice.plugins.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.sluice.spi.RetryableTaskException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's waiting, on a fake clock and real files. Default settings throughout unless a test says
 * otherwise: looks every 1s, a file must stay unchanged for 2s, no deadline.
 */
@Timeout(60) // a hang guard only: every wait below is on the fake clock
class FilesGateTest {
    private static final Duration POLL = FilesGate.DEFAULT_POLL_INTERVAL;

    @TempDir
    Path dir;

    private SteppingClock clock;
    private TestPluginContext context;
    private FilesGate gate;
    private final List<GateRun> runs = new ArrayList<>();

    @BeforeEach
    void createGate() {
        clock = new SteppingClock();
        context = TestPluginContext.of(FilesGate.ID).withTime(clock);
        gate = new FilesGate(context);
    }

    @AfterEach
    void stopLeftoverRuns() {
        runs.forEach(GateRun::stop);
    }

    @Test
    void taskWithoutInputsPassesAtOnce() throws Exception {
        gate.prepare(TestTaskHandle.of("t1"));

        assertThat(clock.sleepCalls()).isZero();
        assertThat(waitedCount()).isZero();
    }

    @Test
    void existingDirectoryInputPassesAtOnceWithoutStablePeriod() throws Exception {
        Path input = Files.createDirectory(dir.resolve("reference"));

        gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(input)));

        assertThat(clock.sleepCalls()).isZero();
    }

    @Test
    void stableForZeroLetsAnExistingFilePassAtOnce() throws Exception {
        Path input = write("sample.txt", "abc");

        gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(input)).withHints(Map.of("files/stableFor", "0")));

        assertThat(clock.sleepCalls()).isZero();
    }

    @Test
    void waitsForMissingFileThenPassesOnceItStaysUnchangedForStableFor() throws Exception {
        Path input = dir.resolve("sample.bam");
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(input)));

        clock.awaitNextSleeps(1);
        assertThat(run.isDone()).isFalse();
        write("sample.bam", "reads");
        step(); // t=1s: first seen
        assertThat(run.isDone()).isFalse();
        step(); // t=2s: unchanged for 1s
        assertThat(run.isDone()).isFalse();
        clock.advance(POLL); // t=3s: unchanged for 2s

        run.awaitPassed();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(3));
        assertThat(waitedCount()).isEqualTo(1);
    }

    @Test
    void growingFileIsNotReadyUntilItStopsGrowing() throws Exception {
        Path input = write("log.txt", "a");
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(input)));

        clock.awaitNextSleeps(1); // t=0: seen with 1 byte
        append(input, "b");
        step(); // t=1s: grew
        append(input, "c");
        step(); // t=2s: grew again, unchanged since t=2s
        step(); // t=3s: unchanged for 1s
        assertThat(run.isDone()).isFalse();
        clock.advance(POLL); // t=4s: unchanged for 2s

        run.awaitPassed();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void fileThatDisappearsIsMissingAgainAndMustReappear() throws Exception {
        Path input = write("partial.txt", "x");
        FileTime modified = Files.getLastModifiedTime(input);
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(input)));

        clock.awaitNextSleeps(1); // t=0: seen
        Files.delete(input);
        step(); // t=1s: gone
        step(); // t=2s: 2s after it was first seen, but gone
        assertThat(run.isDone()).isFalse();
        // Back with the very size and time it had (as cp -p would leave it): still a new sighting.
        write("partial.txt", "x");
        Files.setLastModifiedTime(input, modified);
        step(); // t=3s: seen again
        assertThat(run.isDone()).isFalse();
        step(); // t=4s
        clock.advance(POLL); // t=5s: unchanged for 2s

        run.awaitPassed();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void timesOutAtMaxWaitNamingMissingAndGrowingFilesAndTheHint() throws Exception {
        Path missing = dir.resolve("absent.fastq");
        Path growing = write("growing.fastq", "@r1");
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(missing, growing))
                .withHints(Map.of("files/maxWait", "3s")));

        for (int second = 0; second < 3; second++) {
            clock.awaitNextSleeps(1);
            append(growing, "\n@r" + second);
            clock.advance(POLL);
        }

        Throwable failure = run.awaitFailure();
        assertThat(failure).isExactlyInstanceOf(TaskException.class);
        assertThat(failure.getMessage())
                .startsWith("gave up on task 'test (t1)' after 3s: 2 of 2 inputs not ready")
                .contains("missing: " + missing)
                .contains("still growing: " + growing + " (unchanged for 0ms, files/stableFor asks 2s)")
                .contains("Raise the hint files/maxWait (now 3s)", "files/skip: true");
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(3));
        assertThat(timeoutCount()).isEqualTo(1);
        assertThat(waitedCount()).isEqualTo(1);
    }

    @Test
    void sleepIsCutShortAtTheDeadline() throws Exception {
        Path missing = dir.resolve("absent.txt");
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(missing))
                .withHints(Map.of("files/maxWait", "2500ms", "files/pollInterval", "2s", "files/stableFor", "0")));

        clock.awaitNextSleeps(1);
        clock.advance(Duration.ofSeconds(2));
        clock.awaitNextSleeps(1);
        clock.advance(Duration.ofMillis(500));

        assertThat(run.awaitFailure()).hasMessageContaining("after 2.5s");
    }

    @Test
    void timeoutListsOnlyTheFirstFewMissingFiles() throws Exception {
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inputs.add(dir.resolve("part-" + i));
        }
        context = TestPluginContext.of(FilesGate.ID).withTime(clock)
                .withConfig(Map.of("maxWait", "0", "stableFor", "0"));
        gate = new FilesGate(context);

        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(inputs)))
                .isExactlyInstanceOf(TaskException.class)
                .hasMessageContaining("8 of 8 inputs not ready")
                .hasMessageContaining(inputs.get(4).toString())
                .hasMessageNotContaining(inputs.get(5).toString())
                .hasMessageContaining("and 3 more");
    }

    @Test
    void skipHintSkipsTheGate() throws Exception {
        Path missing = dir.resolve("never.txt");

        gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(missing)).withHints(Map.of("files/skip", "true")));

        assertThat(clock.sleepCalls()).isZero();
        assertThat(waitedCount()).isZero();
    }

    @Test
    void configDefaultsApplyWhenNoHintIsSet() throws Exception {
        context = TestPluginContext.of(FilesGate.ID).withTime(clock)
                .withConfig(Map.of("maxWait", "0", "stableFor", "0"));
        gate = new FilesGate(context);
        Path present = write("present.txt", "x");
        Path missing = dir.resolve("missing.txt");

        gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(present)));
        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t2").withInputs(List.of(missing))))
                .isExactlyInstanceOf(TaskException.class)
                .hasMessageContaining("missing: " + missing)
                .hasMessageContaining("after 0ms");
        assertThat(clock.sleepCalls()).isZero();
        assertThat(timeoutCount()).isEqualTo(1);
    }

    @Test
    void hintsOverrideConfigDefaults() throws Exception {
        context = TestPluginContext.of(FilesGate.ID).withTime(clock)
                .withConfig(Map.of("stableFor", "10s", "pollInterval", "5s"));
        gate = new FilesGate(context);
        Path input = write("in.txt", "x");
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(input))
                .withHints(Map.of("files/stableFor", "1s", "files/pollInterval", "1s")));

        clock.awaitNextSleeps(1);
        clock.advance(Duration.ofSeconds(1));

        run.awaitPassed();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void badHintAtPrepareFailsTheTaskNamingTheKey() {
        TestTaskHandle task = TestTaskHandle.of("t1").withInputs(List.of(dir.resolve("x")))
                .withHints(Map.of("files/pollInterval", "often"));

        assertThatThrownBy(() -> gate.prepare(task))
                .isExactlyInstanceOf(TaskException.class)
                .hasMessageContaining("'files/pollInterval' = 'often'");
    }

    @Test
    void interruptEndsTheWaitPromptly() throws Exception {
        GateRun run = start(TestTaskHandle.of("t1").withInputs(List.of(dir.resolve("never.txt"))));
        clock.awaitNextSleeps(1);

        run.thread().interrupt();

        assertThat(run.awaitFailure()).isInstanceOf(InterruptedException.class);
        assertThat(clock.elapsed()).isZero();
    }

    @Test
    void interruptArrivingWhileCheckingManyInputsStopsBeforeTheRest() throws Exception {
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            inputs.add(dir.resolve("chunk-" + i));
        }
        AtomicInteger probes = new AtomicInteger();
        InputProbe interruptingProbe = path -> {
            probes.incrementAndGet();
            Thread.currentThread().interrupt(); // as if the task were cancelled during this look
            return InputProbe.FILE_SYSTEM.probe(path);
        };
        gate = new FilesGate(context, interruptingProbe);

        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(inputs)))
                .isInstanceOf(InterruptedException.class);
        assertThat(probes.get()).isEqualTo(1);
    }

    @Test
    void interruptedBeforeTheFirstLookThrowsWithoutLooking() {
        AtomicInteger probes = new AtomicInteger();
        gate = new FilesGate(context, path -> {
            probes.incrementAndGet();
            return InputProbe.FILE_SYSTEM.probe(path);
        });

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(dir.resolve("a")))))
                    .isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted(); // leave the test thread clean whatever happened
        }
        assertThat(probes.get()).isZero();
    }

    @Test
    void manyConcurrentTasksOnOneInstanceEachPassWhenTheirOwnInputIsReady() throws Exception {
        int tasks = 40;
        List<GateRun> started = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            Path input = dir.resolve("input-" + i);
            started.add(start(TestTaskHandle.of("t" + i).withInputs(List.of(input))));
        }
        clock.awaitNextSleeps(tasks); // t=0: every input missing

        for (int i = 0; i < tasks; i += 2) {
            write("input-" + i, "data " + i);
        }
        step(tasks); // t=1s: even inputs first seen
        step(tasks); // t=2s: even inputs unchanged for 1s
        clock.advance(POLL); // t=3s: even inputs pass, odd ones sleep on
        // Passed first: an even task's thread not yet out of its sleep would count as an odd one asleep.
        for (int i = 0; i < tasks; i += 2) {
            started.get(i).awaitPassed();
        }
        clock.awaitNextSleeps(tasks / 2);
        for (int i = 1; i < tasks; i += 2) {
            assertThat(started.get(i).isDone()).as("task t%d, input still missing", i).isFalse();
        }

        for (int i = 1; i < tasks; i += 2) {
            write("input-" + i, "data " + i);
        }
        step(tasks / 2); // t=4s
        step(tasks / 2); // t=5s
        clock.advance(POLL); // t=6s
        for (int i = 1; i < tasks; i += 2) {
            started.get(i).awaitPassed();
        }
        assertThat(waitedCount()).isEqualTo(tasks);
    }

    @Test
    void accessDeniedWhileExaminingAnInputIsPermanent() {
        Path input = dir.resolve("locked/data.txt");
        gate = new FilesGate(context, path -> {
            throw new AccessDeniedException(path.toString());
        });

        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(input))))
                .isExactlyInstanceOf(TaskException.class)
                .hasMessageContaining("input " + input)
                .hasMessageContaining("permission denied");
    }

    @Test
    void inputThatExistsButIsUnreadableIsPermanent() {
        Path input = dir.resolve("secret.txt");
        gate = new FilesGate(context, path -> Optional.of(
                new InputState(InputState.Kind.FILE, 10, FileTime.fromMillis(0), false)));

        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(input))))
                .isExactlyInstanceOf(TaskException.class)
                .hasMessageContaining("input " + input)
                .hasMessageContaining("cannot read it");
    }

    @Test
    void realUnreadableFileIsPermanent() throws Exception {
        Path input = write("secret.txt", "x");
        Files.setPosixFilePermissions(input, Set.of());
        assumeFalse(Files.isReadable(input),
                "this user (root?) reads files whatever their permissions");

        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(input))))
                .isExactlyInstanceOf(TaskException.class)
                .hasMessageContaining("cannot read it");
    }

    @Test
    void otherIoErrorIsRetryable() {
        IOException stale = new IOException("Stale file handle");
        gate = new FilesGate(context, path -> {
            throw stale;
        });
        Path input = dir.resolve("nfs/data.txt");

        assertThatThrownBy(() -> gate.prepare(TestTaskHandle.of("t1").withInputs(List.of(input))))
                .isExactlyInstanceOf(RetryableTaskException.class)
                .hasMessageContaining("input " + input)
                .hasMessageContaining("Stale file handle")
                .hasCause(stale);
    }

    private GateRun start(TestTaskHandle task) {
        GateRun run = GateRun.start(gate, task);
        runs.add(run);
        return run;
    }

    /** Advances one poll interval and waits until the single waiting gate sleeps again. */
    private void step() throws Exception {
        step(1);
    }

    private void step(int waitingGates) throws Exception {
        clock.advance(POLL);
        clock.awaitNextSleeps(waitingGates);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void append(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardOpenOption.APPEND);
    }

    private double waitedCount() {
        return context.metrics().counterTotal(FilesGate.METRIC_TASKS_WAITED);
    }

    private double timeoutCount() {
        return context.metrics().counterTotal(FilesGate.METRIC_TIMEOUTS);
    }
}
