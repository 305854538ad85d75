package dev.sluice.openjd.model;

import dev.sluice.openjd.format.FormatString;
import dev.sluice.yaml.Location;
import java.util.Objects;
import java.util.Optional;

/**
 * An OpenJD embedded file ({@code type: TEXT}) of an environment's script, written into the session
 * directory before the environment's actions run; actions refer to it as {@code Env.File.<name>}.
 *
 * @param name     the name actions refer to, an identifier
 * @param data     the text, a format string
 * @param filename the file name to write it as, if written; otherwise the runtime picks one
 * @param runnable whether the file is made executable
 * @param location where the file is declared
 */
public record EmbeddedFileDef(String name, FormatString data, Optional<String> filename, boolean runnable,
        Location location) {

    public EmbeddedFileDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(location, "location");
    }
}
