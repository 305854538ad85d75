package dev.sluice.plugins.apptainer;

import dev.sluice.spi.TaskException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code apptainer} program that pulls and runs images: the operator's {@code apptainer} setting, else
 * the first {@code apptainer} on sluice's {@code PATH}. Its absolute path goes into every wrapped
 * command, so that a Slurm batch script runs the same program whatever the node's {@code PATH} is.
 */
final class ApptainerProgram {
    private final Optional<Path> configured;
    private final String searchPath;
    private volatile Path found;

    /**
     * @param configured the operator's {@code apptainer} setting
     * @param searchPath the {@code PATH} to search when there is none
     */
    ApptainerProgram(Optional<Path> configured, String searchPath) {
        this.configured = configured;
        this.searchPath = searchPath == null ? "" : searchPath;
    }

    /** The program; looked up once, then remembered. */
    Path require() throws TaskException {
        Path p = found;
        if (p == null) {
            Optional<String> problem = problem();
            if (problem.isPresent()) {
                throw new TaskException(problem.get());
            }
            p = found;
        }
        return p;
    }

    /** Why there is no usable program, or empty when there is one (which is then remembered). */
    Optional<String> problem() {
        if (found != null) {
            return Optional.empty();
        }
        if (configured.isPresent()) {
            Path p = configured.get();
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                return Optional.of("the apptainer program " + p + " (plugins.apptainer." + ApptainerSettings.PROGRAM
                        + ") does not exist or is not executable; install Apptainer there or fix the setting");
            }
            found = p;
            return Optional.empty();
        }
        for (String dir : searchPath.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "apptainer");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                found = candidate.toAbsolutePath();
                return Optional.empty();
            }
        }
        return Optional.of("apptainer was not found on the PATH (" + searchPath + "); install Apptainer "
                + "(https://apptainer.org/docs/admin/main/installation.html) or set plugins.apptainer."
                + ApptainerSettings.PROGRAM + " to the program's absolute path");
    }
}
