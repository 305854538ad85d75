package dev.sluice.plugins.docker;

/**
 * A request the engine did not carry out. The message is what the engine said, in words a user can
 * read ({@link Daemon#describe}); the kind is what the executor decides on.
 */
final class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    enum Kind {
        /** The engine does not know the container or exec. */
        NOT_FOUND,
        /** The request does not fit the container's state (not running, being removed). */
        CONFLICT,
        /** The engine did not answer at all. */
        UNREACHABLE,
        /** Anything else the engine refused or failed. */
        FAILED
    }

    private final Kind kind;
    /** What the engine answered before it was put into words, for hints that look for keywords. */
    private final String raw;

    EngineException(Kind kind, String message) {
        this(kind, message, message, null);
    }

    EngineException(Kind kind, String message, String raw, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.raw = raw == null ? message : raw;
    }

    Kind kind() {
        return kind;
    }

    boolean is(Kind k) {
        return kind == k;
    }

    String raw() {
        return raw;
    }
}
