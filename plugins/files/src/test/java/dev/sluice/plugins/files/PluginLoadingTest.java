package dev.sluice.plugins.files;

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
 * without a {@code plugin.class}, and finds FilesGate through the extension index the annotation
 * processor wrote.
 */
class PluginLoadingTest {

    @Test
    void pluginWithoutPluginClassStartsAndIndexesFilesGate(@TempDir Path pluginsRoot) throws Exception {
        Path pluginDir = Files.createDirectory(pluginsRoot.resolve("files"));
        Files.writeString(pluginDir.resolve("plugin.properties"), """
                plugin.id=files
                plugin.version=0.1.0
                plugin.provider=sluice
                """);
        copyTree(compiledClasses(), pluginDir.resolve("classes"));

        PluginManager plugins = new DefaultPluginManager(pluginsRoot);
        try {
            plugins.loadPlugins();
            plugins.startPlugins();

            PluginWrapper files = plugins.getPlugin("files");
            assertThat(files).isNotNull();
            assertThat(files.getPluginState()).isEqualTo(PluginState.STARTED);
            assertThat(plugins.getExtensionClassNames("files")).containsExactly(FilesGate.class.getName());
        } finally {
            plugins.unloadPlugins();
        }
    }

    private static Path compiledClasses() throws Exception {
        return Path.of(FilesGate.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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
