package dev.sluice.yaml;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A place in a pipeline or config file, for error messages.
 *
 * @param file   the file as it was given to the loader
 * @param line   1-based line, or 0 when the place is the file as a whole
 * @param column 1-based column, or 0 when the place is the file as a whole
 */
public record Location(Path file, int line, int column) {

    public Location {
        Objects.requireNonNull(file, "file");
    }

    /** The file as a whole, without a line. */
    public static Location ofFile(Path file) {
        return new Location(file, 0, 0);
    }

    /** {@code file:line:column}, or just the file when there is no line. */
    @Override
    public String toString() {
        return line <= 0 ? file.toString() : file + ":" + line + ":" + column;
    }
}
