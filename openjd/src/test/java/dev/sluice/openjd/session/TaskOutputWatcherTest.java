package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.openjd.action.SessionSecrets;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.testing.FakeTimeSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stdout protocol read from a task's output file while the task writes it. The watcher polls on a
 * fake clock that counts its sleeps, so each {@link #poll()} is exactly one read of the file.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TaskOutputWatcherTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path workDir;

    private final PollClock clock = new PollClock();
    private final SessionSecrets secrets = new SessionSecrets();
    private final List<String> statuses = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private Path out;
    private TaskOutputWatcher watcher;

    /** A fake clock that counts how often the watcher went to sleep, i.e. how many reads it finished. */
    private static final class PollClock implements TimeSource {
        final FakeTimeSource fake = new FakeTimeSource();
        final AtomicInteger sleeps = new AtomicInteger();

        @Override
        public Instant now() {
            return fake.now();
        }

        @Override
        public long nanoTime() {
            return fake.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            synchronized (this) {
                sleeps.incrementAndGet();
                notifyAll();
            }
            fake.sleep(duration);
        }

        /** Waits (real time) until the watcher has gone to sleep {@code count} times. */
        synchronized void awaitSleeps(int count) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (sleeps.get() < count) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                assertThat(left).as("the watcher should have read the file").isPositive();
                wait(left);
            }
        }
    }

    @AfterEach
    void finishWatcher() {
        if (watcher != null) {
            watcher.finish();
        }
    }

    private TaskOutputWatcher startWatching() throws InterruptedException {
        out = workDir.resolve(".command.out");
        watcher = new TaskOutputWatcher(out, secrets, clock);
        watcher.start(statuses::add, failures::add);
        clock.awaitSleeps(1);
        return watcher;
    }

    /** Lets one poll period pass and waits until the watcher has read the file once more. */
    private void poll() throws Exception {
        int before = clock.sleeps.get();
        clock.fake.awaitSleepers(1, PATIENCE);
        clock.fake.advance(TaskOutputWatcher.POLL);
        clock.awaitSleeps(before + 1);
    }

    /** Appends to the output file as a task's redirected stdout would. */
    private void append(String text) throws IOException {
        append(text.getBytes(StandardCharsets.UTF_8));
    }

    private void append(byte[] bytes) throws IOException {
        Files.write(out, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void statusAndProgressReachTheSinkWhileTheTaskRuns() throws Exception {
        startWatching();
        append("loading\nopenjd_status: loading assets\n");
        poll();
        assertThat(statuses).containsExactly("loading assets");

        append("openjd_progress: 50\n");
        poll();
        assertThat(statuses).containsExactly("loading assets", "50% done");

        append("openjd_progress: 100\nopenjd_status: writing output\n");
        assertThat(watcher.finish()).isEmpty();
        assertThat(statuses).containsExactly("loading assets", "50% done", "100% done", "writing output");
        assertThat(failures).isEmpty();
        assertThat(watcher.protocolFailure()).isEmpty();
    }

    @Test
    void partialLineIsHeldUntilItsNewlineArrives() throws Exception {
        startWatching();
        append("openjd_status: half");
        poll();
        assertThat(statuses).as("a line without its newline is not read yet").isEmpty();

        append(" done\nopenjd_status: next\n");
        poll();
        assertThat(statuses).containsExactly("half done", "next");
    }

    @Test
    void lastLineWithoutNewlineIsReadWhenTheTaskEnds() throws Exception {
        startWatching();
        append("openjd_status: working\nopenjd_fail: out of memory");
        poll();
        assertThat(statuses).containsExactly("working");

        assertThat(watcher.finish()).contains("out of memory");
    }

    @Test
    void multiByteCharacterSplitAcrossTwoWritesIsDecodedWhole() throws Exception {
        startWatching();
        byte[] line = "openjd_status: café ok\n".getBytes(StandardCharsets.UTF_8);
        int split = "openjd_status: caf".length() + 1; // inside the two bytes of 'é'
        append(java.util.Arrays.copyOfRange(line, 0, split));
        poll();
        append(java.util.Arrays.copyOfRange(line, split, line.length));
        poll();

        assertThat(statuses).containsExactly("café ok");
    }

    @Test
    void crlfLineEndsAreNotPartOfTheMessage() throws Exception {
        startWatching();
        append("openjd_status: from windows\r\nopenjd_progress: 25\r\nopenjd_fail: it broke\r\n");
        poll();

        assertThat(statuses).containsExactly("from windows", "25% done");
        assertThat(watcher.finish()).contains("it broke");
        assertThat(failures).isEmpty();
    }

    @Test
    void failMessageOfTheTaskIsWhatFinishReturnsAndTheLastOneWins() throws Exception {
        startWatching();
        append("openjd_fail: first reason\n");
        poll();
        append("openjd_fail: final reason\n");

        assertThat(watcher.finish()).contains("final reason");
        assertThat(statuses).as("a fail message is not a status").isEmpty();
    }

    @Test
    void nearMissOfAnEnvironmentMessageIsAProtocolFailureNamingItsLine() throws Exception {
        startWatching();
        append("starting\nopenjd_status: ok so far\nopenjd_env FOO=bar\nopenjd_env: ALSO BAD\n");
        poll();

        assertThat(failures).as("only the first broken line is reported").hasSize(1);
        assertThat(failures.getFirst()).contains("line 3").contains(out.toString()).contains("openjd_env FOO=bar")
                .contains("openjd_env: NAME=VALUE");
        assertThat(statuses).containsExactly("ok so far");
        watcher.finish();
        assertThat(watcher.protocolFailure()).contains(failures.getFirst());
    }

    @Test
    void progressThatIsNotANumberIsAProtocolFailure() throws Exception {
        startWatching();
        append("openjd_progress: 10\nopenjd_progress: abc\n");
        poll();

        assertThat(statuses).containsExactly("10% done");
        assertThat(failures).singleElement().asString().contains("line 2").contains("openjd_progress: abc")
                .contains("0 to 100");
    }

    @Test
    void progressAboveOneHundredIsAProtocolFailure() throws Exception {
        startWatching();
        append("openjd_progress: 150\n");

        watcher.finish();
        assertThat(watcher.protocolFailure()).hasValueSatisfying(f -> assertThat(f).contains("line 1")
                .contains("openjd_progress: 150"));
        assertThat(statuses).isEmpty();
    }

    @Test
    void nearMissesOfStatusAreOrdinaryOutput() throws Exception {
        startWatching();
        append("OPENJD_STATUS: shouting\nopenjd_progress 50\nopenjd_status:no space\n");

        assertThat(watcher.finish()).isEmpty();
        assertThat(statuses).isEmpty();
        assertThat(watcher.protocolFailure()).isEmpty();
    }

    @Test
    void wellFormedEnvironmentMessagesFromATaskAreIgnored() throws Exception {
        startWatching();
        append("openjd_env: FOO=bar\nopenjd_unset_env: HOME\nopenjd_status: still fine\n");

        assertThat(watcher.finish()).isEmpty();
        assertThat(statuses).containsExactly("still fine");
        assertThat(watcher.protocolFailure()).isEmpty();
    }

    @Test
    void redactedValuesAreMaskedInStatusAndFailMessages() throws Exception {
        startWatching();
        append("openjd_redacted_env: TOKEN=hunter2-secret\nopenjd_status: logging in with hunter2-secret\n");
        poll();
        append("openjd_fail: hunter2-secret was refused\n");

        assertThat(watcher.finish()).contains(SessionSecrets.MASK + " was refused");
        assertThat(statuses).containsExactly("logging in with " + SessionSecrets.MASK);
        assertThat(secrets.redact("echo hunter2-secret")).as("the secret is the session's from now on")
                .isEqualTo("echo " + SessionSecrets.MASK);
    }

    @Test
    void secretsTheSessionAlreadyKnowsAreMasked() throws Exception {
        secrets.register("db-password-1");
        startWatching();
        append("openjd_status: connecting as admin:db-password-1\n");
        poll();

        assertThat(statuses).containsExactly("connecting as admin:" + SessionSecrets.MASK);
    }

    @Test
    void mistypedRedactedLineFailsWithoutShowingTheSecret() throws Exception {
        startWatching();
        append("openjd_redacted_env TOKEN=swordfish42\nopenjd_status: using swordfish42\n");
        poll();

        assertThat(failures).singleElement().asString().contains("line 1").doesNotContain("swordfish42")
                .contains(SessionSecrets.MASK);
        assertThat(statuses).containsExactly("using " + SessionSecrets.MASK);
    }

    @Test
    void missingFileIsFineAndIsReadOnceItAppears() throws Exception {
        startWatching();
        poll();
        assertThat(statuses).isEmpty();
        assertThat(failures).isEmpty();

        append("openjd_status: late start\n");
        poll();
        assertThat(statuses).containsExactly("late start");
    }

    @Test
    void fileThatNeverAppearsGivesNoMessageAndNoFailure() throws Exception {
        startWatching();
        poll();

        assertThat(watcher.finish()).isEmpty();
        assertThat(watcher.protocolFailure()).isEmpty();
        assertThat(statuses).isEmpty();
        assertThat(failures).isEmpty();
    }

    @Test
    void finishWithoutStartReadsTheWholeFileAndAfterFinishNothingMoreIsRead() throws Exception {
        out = workDir.resolve(".command.out");
        append("openjd_status: done quickly\nopenjd_fail: but wrong\n");
        watcher = new TaskOutputWatcher(out, secrets, clock);

        assertThat(watcher.finish()).contains("but wrong");

        append("openjd_fail: written after the end\n");
        watcher.start(statuses::add, failures::add);
        assertThat(watcher.finish()).contains("but wrong");
        assertThat(statuses).isEmpty();
        assertThat(clock.sleeps.get()).as("no reader was started after finish").isZero();
    }

    @Test
    void outputOfARealTaskProcessIsRead() throws Exception {
        out = workDir.resolve(".command.out");
        watcher = new TaskOutputWatcher(out, secrets, clock);
        watcher.start(statuses::add, failures::add);
        String script = "echo 'openjd_status: step 1'; sleep 0.05; printf 'openjd_progress: 50\\r\\n';"
                + " echo plain output; printf 'openjd_fail: exit 3 because'";
        Process task = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertThat(task.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        assertThat(watcher.finish()).contains("exit 3 because");
        assertThat(statuses).containsExactly("step 1", "50% done");
        assertThat(failures).isEmpty();
    }
}
