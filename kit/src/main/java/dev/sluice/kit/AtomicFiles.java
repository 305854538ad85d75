package dev.sluice.kit;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Files written whole or not at all, for readers that poll them (a task's exit code, cancel_info.json). */
public final class AtomicFiles {
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    /**
     * Writes {@code text} to a temporary file beside {@code target} and moves it into place, atomically
     * where the file system allows, so that a reader never sees half of it. Kept to a handful of system
     * calls: the host writes one of these for every attempt.
     */
    public static void write(Path target, String text, Charset charset) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            Files.write(temp, text.getBytes(charset), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            // The file in place is readable like any other, whatever the umask made of the new one.
            try {
                Files.setPosixFilePermissions(temp, READABLE);
            } catch (UnsupportedOperationException notPosix) {
                // A file system without POSIX permissions keeps its own.
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Writes {@code text} to {@code target} whole, unless a file is already there: a file someone else
     * wrote meanwhile (a task writing its own exit code) always wins. Returns whether this call wrote it.
     */
    public static boolean writeIfAbsent(Path target, String text, Charset charset) throws IOException {
        if (Files.exists(target)) {
            return false;
        }
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.write(temp, text.getBytes(charset), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.setPosixFilePermissions(temp, READABLE);
            } catch (UnsupportedOperationException notPosix) {
                // A file system without POSIX permissions keeps its own.
            }
            try {
                // A link, unlike a rename, fails when the target exists: checking and writing are one step.
                Files.createLink(target, temp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | FileSystemException noLinks) {
                if (Files.exists(target)) {
                    return false;
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
