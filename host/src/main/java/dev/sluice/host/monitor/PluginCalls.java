package dev.sluice.host.monitor;

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

    @FunctionalInterface
    interface ThrowingSupplier<T, E extends Exception> {
        T get() throws E;
    }
}
