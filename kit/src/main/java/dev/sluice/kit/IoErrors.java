package dev.sluice.kit;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What a failed file operation means, in words for people: the JDK's file errors carry the path as
 * their message and the cause in their type, which users must never see.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** E.g. {@code permission denied: /data/out}; the message alone for other errors. */
    public static String describe(IOException e) {
        String what = switch (e) {
            case AccessDeniedException x -> "permission denied";
            case NoSuchFileException x -> "no such file or directory";
            case FileAlreadyExistsException x -> "a file is in the way";
            case NotDirectoryException x -> "not a directory";
            case DirectoryNotEmptyException x -> "the directory is not empty";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> null;
        };
        if (e instanceof FileSystemException fs && what != null) {
            return fs.getFile() == null ? what : what + ": " + fs.getFile();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "an input/output error" : message;
    }
}
