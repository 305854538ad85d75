package dev.sluice.host.plugins;

import dev.sluice.spi.PluginContext;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.pf4j.ExtensionFactory;

/**
 * Creates each extension once (gates, executors and monitors are shared across tasks) and hands it
 * its plugin's {@link PluginContext} when it has a constructor taking one.
 */
final class ContextExtensionFactory implements ExtensionFactory {

    /**
     * Not a PF4J {@code PluginRuntimeException} on purpose: PF4J logs and drops those, and a plugin
     * whose extension cannot be created must stop the run with a clear error instead.
     */
    static final class ExtensionCreationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ExtensionCreationException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();
    private final Function<Class<?>, PluginContext> contexts;

    ContextExtensionFactory(Function<Class<?>, PluginContext> contexts) {
        this.contexts = contexts;
    }

    @Override
    public <T> T create(Class<T> extensionClass) {
        return extensionClass.cast(instances.computeIfAbsent(extensionClass, this::instantiate));
    }

    private Object instantiate(Class<?> type) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(type.getClassLoader());
        try {
            try {
                Constructor<?> withContext = type.getConstructor(PluginContext.class);
                return withContext.newInstance(contexts.apply(type));
            } catch (NoSuchMethodException e) {
                return type.getConstructor().newInstance();
            }
        } catch (NoSuchMethodException e) {
            throw new ExtensionCreationException("extension " + type.getName()
                    + " needs a public constructor taking a PluginContext, or a public no-argument one", e);
        } catch (InvocationTargetException e) {
            throw new ExtensionCreationException("extension " + type.getName() + " failed in its constructor: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new ExtensionCreationException("cannot create extension " + type.getName() + ": " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
