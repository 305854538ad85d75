package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kit.CommandRunner.Command;
import dev.sluice.kit.CommandRunner.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real small processes through {@link CommandRunner#processes()}. */
class CommandRunnerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final CommandRunner runner = CommandRunner.processes();

    @TempDir
    Path tmp;

    private static Command sh(String script, Duration timeout) {
        return Command.of(List.of("sh", "-c", script), timeout);
    }

    @Test
    void keepsStdoutAndStderrApartAndStdinIsClosed() throws Exception {
        Result r = runner.run(sh("echo out; echo err >&2; cat; echo after", TIMEOUT));
        assertThat(r.ok()).isTrue();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.stdout()).isEqualTo("out\nafter\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.outputLines()).containsExactly("out", "after");
    }

    @Test
    void reportsTheExitCodeAndWhatTheCommandSaid() throws Exception {
        Result r = runner.run(List.of("sh", "-c", "echo partial; echo 'first\n  second' >&2; exit 7"), TIMEOUT);
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.ok()).isFalse();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.message()).isEqualTo("first; second");
        assertThat(r.said()).isEqualTo("first; second; partial");
        assertThat(Result.failed(1, "only stdout\n", " ").message()).isEqualTo("only stdout");
        assertThat(Result.failed(1, "x".repeat(400), "").said()).hasSize(303).endsWith("...");
    }

    @Test
    void aProgramThatIsNotInstalledThrows() {
        assertThatThrownBy(() -> runner.run(List.of(tmp.resolve("no-such-program").toString()), TIMEOUT))
                .isInstanceOf(IOException.class);
    }

    @Test
    void aTimeoutKillsTheCommandAndWhatItStarted() throws Exception {
        Path pid = tmp.resolve("child.pid");
        long start = System.nanoTime();
        Result r = runner.run(sh("echo started; sleep 60 & echo $! > " + pid + "; wait", Duration.ofSeconds(1)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(r.timedOut()).isTrue();
        assertThat(r.ok()).isFalse();
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.stdout()).isEqualTo("started\n");
        assertThat(isGone(pid)).as("the command's child is killed too").isTrue();
    }

    @Test
    void anInterruptKillsTheCommandAndWhatItStartedAndIsRethrown() throws Exception {
        Path pid = tmp.resolve("child.pid");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                runner.run(sh("sleep 60 & echo $! > " + pid + "; wait", Duration.ofMinutes(5)));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waitFor(pid);
        caller.interrupt();
        caller.join(Duration.ofSeconds(10));
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(isGone(pid)).as("the command's child is killed").isTrue();
    }

    @Test
    void streamsMergedLinesAsTheyComeAndKeepsTheLastOnes() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Result r = runner.run(sh("for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2; exit 3", TIMEOUT)
                .mergingStderr().keepingLastLines(3).streamingLines(seen::add));
        assertThat(seen).containsExactly("line 1", "line 2", "line 3", "line 4", "line 5", "oops");
        assertThat(r.outputLines()).containsExactly("line 4", "line 5", "oops");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.exitCode()).isEqualTo(3);
    }

    @Test
    void aLineConsumerThatThrowsDoesNotStopTheDraining() throws Exception {
        // 20,000 lines overflow a pipe: had the reader stopped at the consumer's fault, the command would
        // block until its timeout.
        Result r = runner.run(sh("i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done; echo done",
                TIMEOUT).keepingLastLines(1).streamingLines(line -> {
                    throw new IllegalStateException("the caller's bug");
                }));
        assertThat(r.timedOut()).isFalse();
        assertThat(r.ok()).isTrue();
        assertThat(r.stdout()).isEqualTo("done\n");
    }

    @Test
    void addsEnvironmentVariablesToSluicesOwn() throws Exception {
        Result r = runner.run(sh("echo \"$SLUICE_KIT_TEST $ALSO ${PATH:+has-path}\"", TIMEOUT)
                .withEnvironment(Map.of("SLUICE_KIT_TEST", "one")).withEnvironment(Map.of("ALSO", "two")));
        assertThat(r.stdout()).isEqualTo("one two has-path\n");
        Result viaRunner = CommandRunner.processes(Map.of("SLUICE_KIT_TEST", "three"))
                .run(List.of("sh", "-c", "echo $SLUICE_KIT_TEST"), TIMEOUT);
        assertThat(viaRunner.stdout()).isEqualTo("three\n");
    }

    @Test
    void aFakeAnswersInThePlaceOfPrograms() throws Exception {
        List<Command> calls = new CopyOnWriteArrayList<>();
        CommandRunner fake = command -> {
            calls.add(command);
            return command.argv().get(0).equals("late") ? Result.timeout() : Result.ok("fine\n");
        };
        assertThat(fake.run(List.of("nvidia-smi", "-L"), TIMEOUT).stdout()).isEqualTo("fine\n");
        assertThat(fake.run(List.of("late"), TIMEOUT).timedOut()).isTrue();
        assertThat(calls).extracting(Command::argv).containsExactly(List.of("nvidia-smi", "-L"), List.of("late"));
        assertThatThrownBy(() -> Command.of(List.of(), TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void waitFor(Path file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.exists(file) && !Files.readString(file).isBlank())) {
            assertThat(System.nanoTime()).as("the command wrote " + file).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Whether the process whose pid is in {@code file} has ended (it may linger a moment as a zombie). */
    private static boolean isGone(Path file) throws Exception {
        waitFor(file);
        long pid = Long.parseLong(Files.readString(file).strip());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && !isZombie(pid);
            if (!alive) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }
}
