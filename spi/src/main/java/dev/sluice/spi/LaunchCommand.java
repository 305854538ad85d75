package dev.sluice.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run for a task: an argument vector, the environment variables set on top of the host's
 * and the working directory. Executors launch it; {@link TaskWrapper}s rewrite it (to run inside a
 * container, with a GPU). Arguments are passed as argv and never re-joined into a shell line.
 *
 * @param argv        the program and its arguments; not empty
 * @param environment variables to set
 * @param workDir     where to run it: usually the attempt's own work directory, but a wrapper may start
 *                    the command elsewhere (an environment's session directory), while the attempt's
 *                    files ({@link TaskFiles}) stay in its own
 */
public record LaunchCommand(List<String> argv, Map<String, String> environment, Path workDir) {

    public LaunchCommand {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
        Objects.requireNonNull(workDir, "workDir");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least a program name");
        }
    }

    /** The same command with another argv. */
    public LaunchCommand withArgv(List<String> newArgv) {
        return new LaunchCommand(newArgv, environment, workDir);
    }

    /** The same command with another environment. */
    public LaunchCommand withEnvironment(Map<String, String> newEnvironment) {
        return new LaunchCommand(argv, newEnvironment, workDir);
    }
}
