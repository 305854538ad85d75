package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.events.EventLog;
import dev.sluice.host.events.LineFile;
import dev.sluice.host.task.TaskState;
import dev.sluice.host.trace.TraceWriter;
import dev.sluice.spi.testing.FakeTimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace and the event log write in batches ({@link LineFile}) on the loop's clock: a turn's lines
 * wait for the interval, the loop's end writes them at once, and under a sink every turn writes.
 */
class OutputBatchingTest {
    @TempDir
    Path dir;

    private final FakeTimeSource time = new FakeTimeSource();

    private static TaskProgress task(String id) {
        return new TaskProgress(id, new TaskSpec("p", "p (" + id + ")", 0, Map.of(), List.of("true"), null, Map.of(),
                Map.of(), dev.sluice.spi.Resources.DEFAULT, List.of(), "key-" + id), null);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }

    /** A sink that counts from 0 and keeps the numbers it hears of, running {@code then} after each turn. */
    private static EventLog.Sink sink(List<Long> heard, Runnable then) {
        return new EventLog.Sink() {
            @Override
            public long lastSeq() {
                return 0;
            }

            @Override
            public void written(List<EventLog.Line> turn) {
                turn.forEach(l -> heard.add(l.seq()));
                then.run();
            }
        };
    }

    @Test
    void theTraceHasItsHeaderAtOnceAndRowsInBatchesAndAllOfThemWhenTheLoopEnds() throws Exception {
        Path file = dir.resolve("trace.tsv");
        try (TraceWriter trace = new TraceWriter(file, List.of("task_id", "status"), time)) {
            assertThat(lines(file)).containsExactly("task_id\tstatus");

            trace.attemptFinished(task("1"), TaskState.SUCCEEDED);
            trace.tick();
            assertThat(lines(file)).as("the header was written a moment ago").hasSize(1);
            time.advance(LineFile.BATCH_INTERVAL);
            trace.tick();
            assertThat(lines(file)).containsExactly("task_id\tstatus", "1\tSUCCEEDED");

            trace.attemptFinished(task("2"), TaskState.FAILED);
            trace.tick();
            assertThat(lines(file)).hasSize(2);
            trace.loopEnded();
            assertThat(lines(file)).as("every task ended: written before the executors shut down")
                    .containsExactly("task_id\tstatus", "1\tSUCCEEDED", "2\tFAILED");
        }
    }

    @Test
    void aTraceThatCannotBeWrittenSaysSoWhenItIsMade() {
        // /dev/full opens and refuses every write: a full disk. The run reports it before it starts.
        assumeTrue(Files.exists(Path.of("/dev/full")), "a Linux /dev/full");
        assertThatThrownBy(() -> new TraceWriter(Path.of("/dev/full"), List.of(), time))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    }

    @Test
    void theEventLogWritesInBatchesAndAllOfItWhenTheLoopEnds() throws Exception {
        Path file = dir.resolve("events.jsonl");
        try (EventLog log = new EventLog(file, "run", "p", time)) {
            log.runStarted(List.of());
            log.tick();
            assertThat(lines(file)).as("the first turn writes at once").hasSize(1);
            // Any event will do; a second run_started is the one that needs no process behind it.
            log.runStarted(List.of());
            log.tick();
            assertThat(lines(file)).hasSize(1);
            log.loopEnded();
            assertThat(lines(file)).hasSize(2);
        }
    }

    @Test
    void underASinkEveryTurnIsWrittenBeforeTheSinkHearsOfIt() throws Exception {
        Path file = dir.resolve("events.jsonl");
        List<Long> heard = new ArrayList<>();
        List<Integer> linesInFileWhenHeard = new ArrayList<>();
        EventLog.Sink sink = sink(heard, () -> {
            try {
                linesInFileWhenHeard.add(lines(file).size());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        try (EventLog log = new EventLog(file, "run", "p", time).sink(sink)) {
            for (int turn = 1; turn <= 3; turn++) {
                log.runStarted(List.of());
                log.tick(); // the clock never moves
                assertThat(lines(file)).hasSize(turn);
            }
        }
        assertThat(heard).containsExactly(1L, 2L, 3L);
        assertThat(linesInFileWhenHeard).containsExactly(1, 2, 3);
    }

    @Test
    void aSinkNeverHearsOfLinesThatDidNotReachTheFile() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/full")), "a Linux /dev/full");
        List<Long> heard = new ArrayList<>();
        EventLog.Sink sink = sink(heard, () -> { });
        EventLog log = new EventLog(Path.of("/dev/full"), "run", "p", time).sink(sink);
        log.runStarted(List.of());
        assertThatThrownBy(log::tick).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("cannot write the event log /dev/full");
        // The run leaves the log out and closes it at its end: still nothing for the sink.
        log.close();
        assertThat(heard).as("a number sent must be in the file, or a restart would send it again").isEmpty();
    }
}
