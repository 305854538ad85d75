package dev.sluice.plugins.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * PF4J loads the plugin laid out as in its zip (plugin.properties at the root, classes/ beside it)
 * without a {@code plugin.class}, and finds its three extensions through the index the annotation
 * processor wrote.
 */
class PluginLoadingTest {

    @Test
    void pluginStartsAndIndexesTheGateTheWrapperAndTheHealthMonitor(@TempDir Path pluginsRoot) throws Exception {
        Path pluginDir = Files.createDirectory(pluginsRoot.resolve("gpu"));
        Files.writeString(pluginDir.resolve("plugin.properties"), """
                plugin.id=gpu
                plugin.version=0.1.0
                plugin.provider=sluice
                """);
        copyTree(compiledClasses(), pluginDir.resolve("classes"));

        PluginManager plugins = new DefaultPluginManager(pluginsRoot);
        try {
            plugins.loadPlugins();
            plugins.startPlugins();

            PluginWrapper gpu = plugins.getPlugin("gpu");
            assertThat(gpu).isNotNull();
            assertThat(gpu.getPluginState()).isEqualTo(PluginState.STARTED);
            assertThat(plugins.getExtensionClassNames("gpu")).containsExactlyInAnyOrder(GpuGate.class.getName(),
                    GpuWrapper.class.getName(), GpuHealthMonitor.class.getName());
        } finally {
            plugins.unloadPlugins();
        }
    }

    private static Path compiledClasses() throws Exception {
        return Path.of(GpuGate.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            paths.forEach(path -> {
                try {
                    Files.copy(path, to.resolve(from.relativize(path).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
