package dev.sluice.host.plugins;

/** A plugin the pipeline needs is missing, incompatible, or failed to start. The message says which and why. */
public class PluginLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    public PluginLoadException(String message) {
        super(message);
    }

    public PluginLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
