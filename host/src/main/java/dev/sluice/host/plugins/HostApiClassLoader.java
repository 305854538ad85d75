package dev.sluice.host.plugins;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The parent of every plugin class loader: the JDK's platform classes plus, from the host, only the
 * SPI, PF4J and slf4j. A plugin therefore cannot link against the host's Jackson, Guava or any other
 * internal, and brings its own copies of what it uses in its {@code lib/}.
 */
final class HostApiClassLoader extends ClassLoader {
    /** Packages the host shares with plugins. */
    static final List<String> SHARED_PACKAGES = List.of("dev.sluice.spi.", "org.pf4j.", "org.slf4j.");

    /** The fix for a class a plugin needs and does not have; said wherever such a failure reaches people. */
    static final String BUNDLE_HINT = dev.sluice.gate.PluginFaults.BUNDLE_HINT;

    private final ClassLoader host;

    static {
        registerAsParallelCapable();
    }

    HostApiClassLoader(ClassLoader host) {
        super("sluice-host-api", ClassLoader.getPlatformClassLoader());
        this.host = host;
    }

    static boolean isShared(String name) {
        for (String prefix : SHARED_PACKAGES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (isShared(name)) {
            return host.loadClass(name);
        }
        throw new ClassNotFoundException(name + " (" + BUNDLE_HINT + ")");
    }

    @Override
    protected URL findResource(String name) {
        return isShared(name.replace('/', '.')) ? host.getResource(name) : null;
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
        return isShared(name.replace('/', '.')) ? host.getResources(name) : Collections.emptyEnumeration();
    }
}
