package dev.sluice.host.plugins;

import dev.sluice.spi.PluginContext;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.pf4j.ExtensionFactory;
import org.pf4j.PluginRuntimeException;

/**
 * Creates each extension once (gates, executors and monitors are shared across tasks) and hands it
 * its plugin's {@link PluginContext} when it has a constructor taking one.
 */
final class ContextExtensionFactory implements ExtensionFactory {
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
            throw new PluginRuntimeException("extension " + type.getName()
                    + " needs a public constructor taking a PluginContext, or a public no-argument one");
        } catch (InvocationTargetException e) {
            throw new PluginRuntimeException(e.getCause(), "extension {} failed in its constructor: {}",
                    type.getName(), String.valueOf(e.getCause()));
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new PluginRuntimeException(e, "cannot create extension {}: {}", type.getName(), e.toString());
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
