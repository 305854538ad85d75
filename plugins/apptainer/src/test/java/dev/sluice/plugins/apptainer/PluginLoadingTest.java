package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.ImageAllowList;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * PF4J loads the plugin laid out as in its zip (plugin.properties at the root, classes/ beside it, the kit
 * as a jar in lib/), finds its three extensions through the index the annotation processor wrote, and
 * loads the kit's classes from the plugin's own lib/.
 */
class PluginLoadingTest {

    @Test
    void pluginStartsAndIndexesItsExtensions(@TempDir Path pluginsRoot) throws Exception {
        Path pluginDir = Files.createDirectory(pluginsRoot.resolve("apptainer"));
        Files.writeString(pluginDir.resolve("plugin.properties"), """
                plugin.id=apptainer
                plugin.version=0.1.0
                plugin.provider=sluice
                """);
        copyTree(location(ApptainerGate.class), pluginDir.resolve("classes"));
        jar(location(ImageAllowList.class), Files.createDirectories(pluginDir.resolve("lib")).resolve("sluice-kit.jar"));

        PluginManager plugins = new DefaultPluginManager(pluginsRoot);
        try {
            plugins.loadPlugins();
            plugins.startPlugins();
            PluginWrapper plugin = plugins.getPlugin("apptainer");
            assertThat(plugin).isNotNull();
            assertThat(plugin.getPluginState()).isEqualTo(PluginState.STARTED);
            assertThat(plugins.getExtensionClassNames("apptainer")).containsExactlyInAnyOrder(
                    ApptainerGate.class.getName(), ApptainerWrapper.class.getName(), ApptainerMonitor.class.getName());
            Class<?> kit = plugin.getPluginClassLoader().loadClass(ImageAllowList.class.getName());
            assertThat(kit.getName()).isEqualTo(ImageAllowList.class.getName());
        } finally {
            plugins.unloadPlugins();
        }
    }

    private static Path location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
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

    /** The kit as a jar: as the installed artifact when it is one, else made from the reactor's classes. */
    private static void jar(Path kit, Path target) throws IOException {
        if (Files.isRegularFile(kit)) {
            Files.copy(kit, target);
            return;
        }
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out);
                Stream<Path> files = Files.walk(kit)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                jar.putNextEntry(new JarEntry(kit.relativize(f).toString()));
                Files.copy(f, jar);
                jar.closeEntry();
            }
        }
    }
}
