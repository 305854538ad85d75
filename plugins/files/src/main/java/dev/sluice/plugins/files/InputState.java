package dev.sluice.plugins.files;

import java.nio.file.attribute.FileTime;

/**
 * What one look at an existing input path found.
 *
 * @param kind     a regular file, a directory, or something else (a named pipe, a device)
 * @param size     the size in bytes; only meaningful for a regular file
 * @param modified the last-modified time
 * @param readable whether this process may read it
 */
record InputState(Kind kind, long size, FileTime modified, boolean readable) {

    /** The kinds of path the gate tells apart: only regular files have to stop growing. */
    enum Kind {
        FILE, DIRECTORY, OTHER
    }

    /** Whether {@code other} shows no write since this state: same size and modification time. */
    boolean sameContentAs(InputState other) {
        return size == other.size && modified.equals(other.modified);
    }
}
