package dev.sluice.plugins.apptainer;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What went wrong, in words for a message users read. Never the exception's class name: users are told
 * what happened and what to do, not how Java calls it. (The file system's exceptions need this most:
 * an {@link AccessDeniedException} says only the path, which alone reads as no reason at all.)
 */
final class Problems {
    private Problems() {
    }

    /** The failure in words: its message, with the kind of file system problem spelled out; never empty. */
    static String describe(Throwable e) {
        if (e instanceof FileSystemException f && f.getReason() == null && f.getFile() != null) {
            String what = e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "no such file or directory"
                    : e instanceof FileAlreadyExistsException ? "already exists"
                    : e instanceof NotDirectoryException ? "not a directory"
                    : "cannot be used";
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + what;
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "an unexpected error that gave no details" : message.strip();
    }
}
