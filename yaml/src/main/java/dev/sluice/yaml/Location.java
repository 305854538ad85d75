package dev.sluice.yaml;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A place in a pipeline or config file, for error messages.
 *
 * @param file   the file as it was given to the loader
 * @param line   1-based line, or 0 when the place is the file as a whole
 * @param column 1-based column, or 0 when the place is the file as a whole
 * @param alias  for a value that an alias repeats, the alias: the value is written at line and
 *               column, and used where the alias is; {@code null} otherwise
 */
public record Location(Path file, int line, int column, Alias alias) {

    /** A YAML alias ({@code *name}) and where it is written. */
    public record Alias(String name, Location at) {
        public Alias {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(at, "at");
        }
    }

    public Location {
        Objects.requireNonNull(file, "file");
    }

    public Location(Path file, int line, int column) {
        this(file, line, column, null);
    }

    /**
     * This place, used through {@code alias}. Only the outermost alias is kept: it is where the
     * field path of a problem leads.
     */
    public Location through(Alias alias) {
        return new Location(file, line, column, alias);
    }

    /** The file as a whole, without a line. */
    public static Location ofFile(Path file) {
        return new Location(file, 0, 0);
    }

    /**
     * {@code file:line:column}, or just the file when there is no line; for a value repeated by an
     * alias, also where the alias is: {@code t.yaml:12:15 (through the alias *hook at line 30:22)}.
     */
    @Override
    public String toString() {
        String place = line <= 0 ? file.toString() : file + ":" + line + ":" + column;
        return alias == null ? place : place + " (through the alias *" + alias.name() + " at line "
                + alias.at().line() + ":" + alias.at().column() + ")";
    }
}
