package dev.sluice.spi;

import java.nio.file.Path;

/**
 * The files of one task attempt in its work directory. Executors write the task's standard output
 * and error to {@link #stdout()} and {@link #stderr()} and its exit status, as decimal text, to
 * {@link #exitCode()} once it ends.
 *
 * @param workDir  the task's work directory
 * @param script   the script the task runs, when it was written as a {@code script}
 * @param stdout   {@code .command.out}
 * @param stderr   {@code .command.err}
 * @param exitCode {@code .exitcode}
 */
public record TaskFiles(Path workDir, Path script, Path stdout, Path stderr, Path exitCode) {

    /** The standard layout of a work directory. */
    public static TaskFiles in(Path workDir) {
        return new TaskFiles(workDir, workDir.resolve(".command.sh"), workDir.resolve(".command.out"),
                workDir.resolve(".command.err"), workDir.resolve(".exitcode"));
    }
}
