package dev.sluice.host.plugins;

import dev.sluice.gate.PluginFaults;
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
        private final String pluginId;

        ExtensionCreationException(String pluginId, String message, Throwable cause) {
            super(message, cause);
            this.pluginId = pluginId;
        }

        /** The plugin whose extension it was. */
        String pluginId() {
            return pluginId;
        }

        /** The operator's setting the extension refused, or {@code null} when it failed otherwise. */
        dev.sluice.spi.InvalidSettingException setting() {
            return getCause() instanceof dev.sluice.spi.InvalidSettingException s ? s : null;
        }
    }

    private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();
    private final Function<Class<?>, PluginContext> contexts;
    private final Function<String, String> names;

    /**
     * @param names how a message names a plugin, by id: its id and where it is installed
     */
    ContextExtensionFactory(Function<Class<?>, PluginContext> contexts, Function<String, String> names) {
        this.contexts = contexts;
        this.names = names;
    }

    @Override
    public <T> T create(Class<T> extensionClass) {
        return extensionClass.cast(instances.computeIfAbsent(extensionClass, this::instantiate));
    }

    private Object instantiate(Class<?> type) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(type.getClassLoader());
        PluginContext context = contexts.apply(type);
        String plugin = names.apply(context.pluginId()) + ": ";
        try {
            try {
                Constructor<?> withContext = type.getConstructor(PluginContext.class);
                return withContext.newInstance(context);
            } catch (NoSuchMethodException e) {
                return type.getConstructor().newInstance();
            }
        } catch (NoSuchMethodException e) {
            throw new ExtensionCreationException(context.pluginId(), plugin + "extension " + type.getName()
                    + " needs a public constructor taking a PluginContext, or a public no-argument one", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof dev.sluice.spi.InvalidSettingException s) {
                // The operator's settings, refused in the plugin's words: the host says where they are.
                throw new ExtensionCreationException(context.pluginId(), s.getMessage(), s);
            }
            // A class it uses is missing, or failed in its static initializer.
            String classProblem = PluginFaults.classProblem(cause);
            if (classProblem != null) {
                throw new ExtensionCreationException(context.pluginId(), plugin + "cannot create extension "
                        + type.getName() + ": " + classProblem, cause);
            }
            throw new ExtensionCreationException(context.pluginId(), plugin + "extension " + type.getName()
                    + " failed in its constructor: " + describe(cause), cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            // Also the extension's own class failing in its static initializer, which creating it runs.
            String classProblem = PluginFaults.classProblem(e);
            throw new ExtensionCreationException(context.pluginId(), plugin + "cannot create extension "
                    + type.getName() + ": " + (classProblem != null ? classProblem : describe(e)), e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * A failure in the plugin author's terms: the message, never the exception's class (its stack trace is
     * in the run's JSON log, and on the console at -vv).
     */
    private static String describe(Throwable e) {
        String said = PluginFaults.describe(e);
        return said != null ? said : "it threw without a message (the log has its stack trace)";
    }
}
