package dev.sluice.plugins.gpu;

import dev.sluice.spi.PluginContext;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Where the gate, the wrapper and the health monitor find their common {@link DevicePool}: one per
 * {@link PluginContext}, which the host hands to every extension of this plugin alike. A new host (a
 * new plugin manager, as in tests that load the zip) has a new context, hence a new pool; an entry goes
 * with its context. Unit tests do not come here: they build a pool with fakes and hand it to the
 * extensions.
 */
final class SharedPools {
    // Weak keys: a host that is gone takes its pool with it. PluginContext implementations are records
    // or plain objects whose equals is identity or value; either way one host's extensions share one.
    private static final Map<PluginContext, GpuRuntime> RUNTIMES = new WeakHashMap<>();

    private SharedPools() {
    }

    /** The runtime of the host {@code context} belongs to, created with the real seams on first use. */
    static GpuRuntime of(PluginContext context) {
        synchronized (RUNTIMES) {
            return RUNTIMES.computeIfAbsent(context, key -> GpuRuntime.create(context));
        }
    }
}
