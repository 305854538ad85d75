package dev.sluice.spi;

import java.util.Objects;

/** The result of one health probe: healthy, or unhealthy with a message for the user. */
public final class Health {
    private static final Health OK = new Health(true, "");

    private final boolean healthy;
    private final String message;

    private Health(boolean healthy, String message) {
        this.healthy = healthy;
        this.message = Objects.requireNonNull(message, "message");
    }

    /** The probe passed. */
    public static Health ok() {
        return OK;
    }

    /** The probe passed, with a status message to show. */
    public static Health ok(String status) {
        return new Health(true, status);
    }

    /** The probe failed; {@code message} says what is wrong, e.g. "container abc exited (137)". */
    public static Health unhealthy(String message) {
        return new Health(false, message);
    }

    public boolean isHealthy() {
        return healthy;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return healthy ? "healthy" + (message.isEmpty() ? "" : ": " + message) : "unhealthy: " + message;
    }
}
