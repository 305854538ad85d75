package dev.sluice.kit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds programs the way {@code execvp} does, so that a missing program is reported before launch
 * with a message the user can act on instead of as an exit status 127 buried in {@code .command.err}.
 * In the kit because the host (the local executor, the environment action runner) and plugins that run
 * tools of their own (a batch scheduler's commands) all need the same lookup and the same words.
 */
public final class ProgramLocator {

    private ProgramLocator() {
    }

    /**
     * Where a program name leads.
     *
     * @param program   the name or path as written in argv[0]
     * @param path      the PATH to search when the name has no {@code /}
     * @param pathOwner whose PATH it is, for the error message (e.g. "the host's")
     * @param workDir   where relative paths and empty or relative PATH entries are resolved
     */
    public record Lookup(String program, String path, String pathOwner, Path workDir) {

        /** The executable file, or empty when there is none. */
        public Optional<Path> find() {
            if (program.isEmpty()) {
                return Optional.empty();
            }
            if (program.indexOf('/') >= 0) {
                Path file = resolve(workDir, program);
                return file != null && isExecutableFile(file) ? Optional.of(file) : Optional.empty();
            }
            for (String dir : path.split(File.pathSeparator, -1)) {
                // An empty entry means the current directory, which for a task is its work dir.
                Path base = dir.isEmpty() ? workDir : resolve(workDir, dir);
                Path candidate = base == null ? null : resolve(base, program);
                if (candidate != null && isExecutableFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
            return Optional.empty();
        }

        /** Why {@link #find} came back empty and how to fix it. */
        public String problem() {
            if (program.isEmpty()) {
                return "the command's program name (argv[0]) is empty; give a program name or path";
            }
            if (program.indexOf('/') < 0) {
                return "command '" + program + "' was not found on " + pathOwner + " PATH (" + path
                        + "); install it, add its directory to " + pathOwner + " PATH, or give the program's"
                        + " full path";
            }
            Path file = resolve(workDir, program);
            if (file != null) {
                // Only for the message; the checks above go through the path as the kernel would.
                file = file.normalize();
            }
            if (file == null || !Files.exists(file)) {
                return "command '" + program + "' does not exist (looked for " + (file == null ? program : file)
                        + (program.startsWith("/") ? "" : ", relative to the work directory " + workDir)
                        + "); check the path, or give a bare name to look up on the PATH";
            }
            if (Files.isDirectory(file)) {
                return "command '" + program + "' is a directory (" + file + "), not a program; name the"
                        + " program inside it";
            }
            return "command '" + program + "' (" + file + ") is not executable; make it executable"
                    + " (chmod +x " + file + ") or run it through its interpreter, e.g. sh " + program;
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

    /** Looks a program up on the host's PATH, for the tools the executor itself runs. */
    public static Optional<Path> onHostPath(String program, Path... fallbacks) {
        String hostPath = System.getenv("PATH");
        Optional<Path> found = new Lookup(program, hostPath == null ? "" : hostPath, "the host's",
                Path.of("/")).find();
        if (found.isPresent()) {
            return found;
        }
        for (Path fallback : fallbacks) {
            if (Files.isRegularFile(fallback) && Files.isExecutable(fallback)) {
                return Optional.of(fallback);
            }
        }
        return Optional.empty();
    }
}
