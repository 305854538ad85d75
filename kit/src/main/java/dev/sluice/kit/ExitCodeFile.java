package dev.sluice.kit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads a task's {@code .exitcode}, a file the task itself can write: at most {@value #MAX_BYTES} bytes
 * are read, so a task that fills it cannot make its host read gigabytes, and anything but a whole
 * number (after blanks) is no exit code. Only a regular file is opened: a pipe would block the host.
 */
public final class ExitCodeFile {
    /** "-2147483648" and a line break fit with room to spare. */
    static final int MAX_BYTES = 32;

    private ExitCodeFile() {
    }

    /** The exit code in {@code file}, or empty when it is missing, unreadable, too long or not a number. */
    public static Optional<Integer> read(Path file) {
        // A pipe put there by the task would block the open; a link could lead anywhere.
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (bytes.length > MAX_BYTES) {
            return Optional.empty();
        }
        String text = new String(bytes, StandardCharsets.US_ASCII).strip();
        try {
            return text.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code file} says 0. */
    public static boolean isZero(Path file) {
        return read(file).filter(code -> code == 0).isPresent();
    }
}
