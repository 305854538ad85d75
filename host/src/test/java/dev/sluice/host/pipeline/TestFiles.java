package dev.sluice.host.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the YAML of a test to a file, and finds the example files under test resources. */
public final class TestFiles {
    private TestFiles() {
    }

    /** Writes {@code text} to {@code dir/name} and returns the path. */
    public static Path write(Path dir, String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file under {@code src/test/resources/pipelines}. */
    public static Path example(String name) {
        try {
            return Path.of(TestFiles.class.getResource("/pipelines/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
