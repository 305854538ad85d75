package dev.sluice.plugins.apptainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The stand-in {@code apptainer} of src/test/resources/fake-apptainer, installed as an executable file
 * named {@code apptainer} in a directory of the test's own (resources lose their execute bit on copy).
 */
final class StandIn {
    private StandIn() {
    }

    /** Installs it under {@code dir} and returns the program's path. */
    static Path install(Path dir) {
        try (InputStream in = StandIn.class.getResourceAsStream("/fake-apptainer")) {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path program = bin.resolve("apptainer");
            Files.write(program, in.readAllBytes());
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines the stand-in logged (FAKE_APPTAINER_LOG) that start with {@code prefix}. */
    static List<String> logged(Path log, String prefix) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).toList()
                    : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A small file with the SIF magic, as Apptainer's own SIF files start. */
    static Path fakeSif(Path file) {
        try {
            byte[] head = "#!/usr/bin/env run-singularity\n\0SIF_MAGIC\0 test image\n".getBytes();
            Files.createDirectories(file.getParent());
            return Files.write(file, head);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
