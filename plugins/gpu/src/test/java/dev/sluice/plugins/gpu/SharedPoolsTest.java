package dev.sluice.plugins.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.testing.TestPluginContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The host hands every extension of the plugin the same context; through it the three share one pool. */
class SharedPoolsTest {

    @Test
    void extensionsGivenOneContextShareAPoolAndAnotherHostsContextGetsItsOwn() {
        TestPluginContext host = TestPluginContext.of(GpuGate.ID).withConfig(Map.of("kernelLog", "off"));
        TestPluginContext otherHost = TestPluginContext.of(GpuGate.ID);

        GpuRuntime shared = SharedPools.of(host);

        assertThat(SharedPools.of(host)).isSameAs(shared);
        assertThat(SharedPools.of(otherHost)).isNotSameAs(shared);
        assertThat(shared.settings().kernelLog()).isEmpty();
        // The public constructors go through the same registry.
        new GpuGate(host);
        new GpuWrapper(host);
        new GpuHealthMonitor(host);
        assertThat(SharedPools.of(host).pool()).isSameAs(shared.pool());
    }
}
