package dev.sluice.host.env.action;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The programs the runner needs ({@code setsid} for a process group per action, {@code kill} to signal
 * a whole group, since the JDK signals single processes only) and the {@code execvp}-style lookup that
 * reports a missing action program before launch rather than as exit status 127.
 */
final class SystemPrograms {
    private static final Path DEV_NULL = Path.of("/dev/null");

    private final Path setsid;
    private final Path kill;

    private SystemPrograms(Path setsid, Path kill) {
        this.setsid = setsid;
        this.kill = kill;
    }

    /** Finds {@code setsid} and {@code kill} on the host. */
    static SystemPrograms find() throws ActionException {
        String hostPath = hostPath();
        Path setsid = onPath("setsid", hostPath, Path.of("/"))
                .or(() -> firstExecutable(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")))
                .orElseThrow(() -> new ActionException("running actions needs the 'setsid' program (util-linux)"
                        + " to give each action its own process group, and it is not on the host's PATH ("
                        + hostPath + ") nor in /usr/bin or /bin; install util-linux"));
        // /bin/kill first: procps' and util-linux's both take "-- -pgid".
        Path kill = firstExecutable(Path.of("/bin/kill"), Path.of("/usr/bin/kill"))
                .or(() -> onPath("kill", hostPath, Path.of("/")))
                .orElseThrow(() -> new ActionException("running actions needs a 'kill' program to signal process"
                        + " groups, and there is none in /bin, /usr/bin or on the host's PATH (" + hostPath
                        + "); install procps or util-linux"));
        return new SystemPrograms(setsid, kill);
    }

    Path setsid() {
        return setsid;
    }

    /**
     * Sends a signal to a process group and waits for {@code kill} (milliseconds). A group that is gone
     * makes {@code kill} exit non-zero; that is expected and ignored.
     *
     * @param signal a name as {@code kill -s} takes it: TERM, KILL
     */
    void signalGroup(String signal, long processGroup) throws IOException, InterruptedException {
        // The negative id addresses the group rather than the single process.
        Process process = new ProcessBuilder(List.of(kill.toString(), "-s", signal, "--", "-" + processGroup))
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        process.waitFor();
    }

    /**
     * Why the action's program cannot be run, or empty when it can be found.
     *
     * @param path    the PATH the action will see, or null for none
     * @param workDir where relative paths resolve
     */
    static Optional<String> programProblem(String program, String path, Path workDir) {
        if (program.indexOf('/') < 0) {
            if (onPath(program, path == null ? "" : path, workDir).isPresent()) {
                return Optional.empty();
            }
            return Optional.of("command '" + program + "' was not found on the action's PATH (" + path
                    + "); install it, add its directory to PATH, or give the program's full path");
        }
        Path file = resolve(workDir, program);
        if (file != null && isExecutableFile(file)) {
            return Optional.empty();
        }
        if (file == null || !Files.exists(file)) {
            return Optional.of("command '" + program + "' does not exist (looked for "
                    + (file == null ? program : file.normalize()) + "); check the path");
        }
        if (Files.isDirectory(file)) {
            return Optional.of("command '" + program + "' is a directory, not a program; name the program inside it");
        }
        return Optional.of("command '" + program + "' (" + file.normalize() + ") is not executable; make it"
                + " executable (chmod +x) or run it through its interpreter, e.g. sh " + program);
    }

    private static Optional<Path> onPath(String program, String path, Path workDir) {
        for (String dir : path.split(File.pathSeparator, -1)) {
            // An empty PATH entry means the current directory, as for execvp.
            Path base = dir.isEmpty() ? workDir : resolve(workDir, dir);
            Path candidate = base == null ? null : resolve(base, program);
            if (candidate != null && isExecutableFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> firstExecutable(Path... candidates) {
        for (Path candidate : candidates) {
            if (isExecutableFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String hostPath() {
        String path = System.getenv("PATH");
        return path == null ? "" : path;
    }

    private static Path resolve(Path base, String name) {
        try {
            return base.resolve(name);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static boolean isExecutableFile(Path file) {
        return Files.isRegularFile(file) && Files.isExecutable(file);
    }
}
