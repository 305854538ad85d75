package dev.sluice.spi;

/**
 * A hint or configuration value could not be read as the type asked for. The message names the key,
 * where it came from, the bad value and how to write a good one.
 */
public class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public InvalidSettingException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key whose value was bad, e.g. {@code files/maxWait}. */
    public String key() {
        return key;
    }
}
