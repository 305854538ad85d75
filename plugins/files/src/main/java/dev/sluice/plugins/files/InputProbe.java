package dev.sluice.plugins.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Looks at one input path. The gate's only access to the file system, so that tests can inject the
 * I/O failures a real file system rarely produces on demand.
 */
@FunctionalInterface
interface InputProbe {

    /**
     * The state of {@code path}, following symbolic links; empty when nothing exists there (a
     * dangling link included).
     *
     * @throws IOException when the path could not be examined
     */
    Optional<InputState> probe(Path path) throws IOException;

    /** The probe over the real file system. */
    InputProbe FILE_SYSTEM = path -> {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        InputState.Kind kind = attributes.isRegularFile() ? InputState.Kind.FILE
                : attributes.isDirectory() ? InputState.Kind.DIRECTORY : InputState.Kind.OTHER;
        boolean readable = Files.isReadable(path);
        if (!readable && Files.notExists(path)) {
            // Deleted between the two calls: that is a missing input, not an unreadable one.
            return Optional.empty();
        }
        return Optional.of(new InputState(kind, attributes.size(), attributes.lastModifiedTime(), readable));
    };
}
