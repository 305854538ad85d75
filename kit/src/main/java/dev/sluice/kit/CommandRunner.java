package dev.sluice.kit;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs one external command to its end or its timeout: the way a plugin starts programs (nvidia-smi,
 * sbatch, apptainer pull), kept behind an interface so that its tests can answer in the program's place.
 *
 * <p>{@link #processes()} runs real processes. Each one
 * <ul>
 *   <li>has its stdin closed ({@code /dev/null}), so a command that waits for input ends at once;</li>
 *   <li>has its stdout and stderr drained on virtual threads of their own, so a chatty command never
 *       blocks on a full pipe;</li>
 *   <li>is killed with SIGKILL, together with every process it started, when it runs past its timeout
 *       (then the result is {@linkplain Result#timedOut() timed out}, with what it wrote until then) or
 *       when the calling thread is interrupted (then {@link InterruptedException} is thrown).</li>
 * </ul>
 * Output is read as UTF-8 text, line by line; each line ends with {@code \n} in the result. What a
 * command wrote is waited for up to 5 s after it ended (1 s after it was killed): a process it left
 * behind that holds its output open cuts the result short there.
 *
 * <p>A fake implements {@link #run(Command)} alone, for example
 * {@code CommandRunner fake = command -> Result.ok("GPU 0\n");}
 */
@FunctionalInterface
public interface CommandRunner {

    /**
     * What to run, and how.
     *
     * @param argv           the program and its arguments
     * @param timeout        how long it may run before it (and what it started) is killed
     * @param environment    variables added to (or replacing those of) sluice's own environment
     * @param mergeStderr    whether stderr goes into stdout, in the order written ({@link Result#stderr()} is
     *                       then empty)
     * @param keepLastLines  how many lines of output the result keeps, the last ones; 0 keeps all
     * @param lines          handed each line of stdout (merged with stderr when {@code mergeStderr}) as it is
     *                       read, on the reader's thread; {@code null} for none
     */
    record Command(List<String> argv, Duration timeout, Map<String, String> environment, boolean mergeStderr,
            int keepLastLines, Consumer<String> lines) {
        public Command {
            argv = List.copyOf(argv);
            Objects.requireNonNull(timeout, "timeout");
            environment = Map.copyOf(environment);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("a command needs a program");
            }
            if (keepLastLines < 0) {
                throw new IllegalArgumentException("keepLastLines must not be negative: " + keepLastLines);
            }
        }

        /** {@code argv}, run with stdin closed, both outputs kept in full, for at most {@code timeout}. */
        public static Command of(List<String> argv, Duration timeout) {
            return new Command(argv, timeout, Map.of(), false, 0, null);
        }

        /** This command with {@code variables} added to its environment (later ones win). */
        public Command withEnvironment(Map<String, String> variables) {
            Map<String, String> all = new HashMap<>(environment);
            all.putAll(variables);
            return new Command(argv, timeout, all, mergeStderr, keepLastLines, lines);
        }

        /** This command with stderr merged into stdout. */
        public Command mergingStderr() {
            return new Command(argv, timeout, environment, true, keepLastLines, lines);
        }

        /** This command keeping only the last {@code n} lines of each output in its result. */
        public Command keepingLastLines(int n) {
            return new Command(argv, timeout, environment, mergeStderr, n, lines);
        }

        /** This command handing each line of stdout (of the merged output, when merged) to {@code consumer}. */
        public Command streamingLines(Consumer<String> consumer) {
            return new Command(argv, timeout, environment, mergeStderr, keepLastLines, consumer);
        }
    }

    /**
     * What a command did.
     *
     * @param exitCode its exit status, or -1 when it timed out
     * @param timedOut whether it ran past its timeout and was killed
     * @param stdout   its standard output (with stderr, when merged), or its last lines when so asked
     * @param stderr   its standard error; empty when merged
     */
    record Result(int exitCode, boolean timedOut, String stdout, String stderr) {
        public Result {
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }

        /** A command that ended well and wrote {@code stdout}; for fakes. */
        public static Result ok(String stdout) {
            return new Result(0, false, stdout, "");
        }

        /** A command that ended with {@code exitCode}; for fakes. */
        public static Result failed(int exitCode, String stdout, String stderr) {
            return new Result(exitCode, false, stdout, stderr);
        }

        /** A command killed at its timeout before it wrote anything; for fakes. */
        public static Result timeout() {
            return new Result(-1, true, "", "");
        }

        /** Whether it ended by itself with status 0. */
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** The lines of {@link #stdout()}. */
        public List<String> outputLines() {
            return stdout.lines().toList();
        }

        /** What it said, stderr then stdout, on one line and cut to 300 characters: for messages about a failure. */
        public String said() {
            String text = (stderr.strip() + "\n" + stdout.strip()).strip();
            text = text.replaceAll("\\s*\\n\\s*", "; ");
            return text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }

        /** Its own words: stderr, else stdout when stderr is blank, on one line (not cut short). */
        public String message() {
            String text = stderr.isBlank() ? stdout : stderr;
            return text.strip().replaceAll("\\s*\\n\\s*", "; ");
        }
    }

    /**
     * Runs {@code command}.
     *
     * @throws IOException          when the program cannot be started, e.g. it is not installed
     * @throws InterruptedException when the calling thread was interrupted; the command has been killed
     */
    Result run(Command command) throws IOException, InterruptedException;

    /** Runs {@code argv} with {@link Command#of(List, Duration)}'s defaults. */
    default Result run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        return run(Command.of(argv, timeout));
    }

    /** Runs real processes with sluice's environment. */
    static CommandRunner processes() {
        return ProcessRunner::run;
    }

    /**
     * Runs real processes with sluice's environment plus {@code extraEnvironment} (e.g. a test's stand-in
     * PATH), which wins over a command's own {@link Command#environment()} for the same name.
     */
    static CommandRunner processes(Map<String, String> extraEnvironment) {
        Map<String, String> extra = Map.copyOf(extraEnvironment);
        return command -> ProcessRunner.run(command.withEnvironment(extra));
    }
}
