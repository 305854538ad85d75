package dev.sluice.yaml.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The property tests' own directory: jqwik runs a property's tries outside JUnit's {@code @TempDir},
 * so each test makes one before its container and removes it, whole, after.
 */
public final class ScratchDir {
    private ScratchDir() {
    }

    /** Removes {@code root} and everything under it. */
    public static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
