package dev.sluice.yaml;

import java.util.Comparator;
import java.util.Objects;

/**
 * One thing wrong with a pipeline or config file.
 *
 * @param location where, or {@code null} when there is no place in a file (e.g. the file is missing)
 * @param field    the dotted path of the field, e.g. {@code processes.align.resources.memory}, or
 *                 {@code ""} for the file as a whole
 * @param message  what is wrong and how to fix it
 */
public record Problem(Location location, String field, String message) {

    /** By file, then line, then column; problems without a place first. */
    public static final Comparator<Problem> BY_LOCATION = Comparator.comparing(
            Problem::location,
            Comparator.nullsFirst(Comparator.comparing((Location l) -> l.file().toString())
                    .thenComparingInt(Location::line)
                    .thenComparingInt(Location::column)));

    public Problem {
        field = field == null ? "" : field;
        Objects.requireNonNull(message, "message");
    }

    /** {@code file:line:col: field: message}, leaving out the parts that are absent. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (location != null) {
            sb.append(location).append(": ");
        }
        if (!field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(message).toString();
    }
}
