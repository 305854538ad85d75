package dev.sluice.host.monitor;

import dev.sluice.spi.ExecutorException;
import dev.sluice.spi.TaskException;

/** Runs a call into a plugin's extension with the plugin's class loader as context class loader. */
final class PluginCalls {
    private PluginCalls() {
    }

    static <T, E extends Exception> T call(Object extension, ThrowingSupplier<T, E> body) throws E {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(extension.getClass().getClassLoader());
        try {
            return body.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * What a plugin's unexpected exception says, for people: its message, never its Java class (the
     * log has the whole exception for the plugin's author).
     */
    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? "an unexpected error in a plugin (the log has the details)"
                : message;
    }

    /**
     * What to log with a plugin's failure: nothing for the failures a plugin declares (their message
     * says it all, and a poll that fails every second must not fill the log with stack traces), the
     * exception itself for anything else, a fault whose stack trace the plugin's author needs. As the
     * last argument of a log call: slf4j logs a {@code null} there as nothing.
     */
    static Throwable fault(Throwable e) {
        return e instanceof ExecutorException || e instanceof TaskException ? null : e;
    }

    @FunctionalInterface
    interface ThrowingSupplier<T, E extends Exception> {
        T get() throws E;
    }
}
