package dev.sluice.host.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;

/**
 * A small plugin zip for an end-to-end run, compiled by the test from Java sources (PF4J's annotation
 * processor writes the extension index) and zipped as the build packs plugins. The same recipe as the
 * plugin-loading tests' fixtures, which are private to their package.
 */
final class FixturePlugin {
    private FixturePlugin() {
    }

    /** Writes {@code <plugins>/<id>.zip} from {@code sources} (class name to source). */
    static Path zip(Path plugins, String id, Map<String, String> sources) throws IOException {
        Path work = Files.createTempDirectory(plugins.getParent(), "fixture-" + id);
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-proc:full", "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), "--release", "21", "-nowarn"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = work.resolve("src").resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
            args.add(file.toString());
        }
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        if (ToolProvider.getSystemJavaCompiler().run(null, null, new PrintStream(errors, true, StandardCharsets.UTF_8),
                args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("fixture plugin " + id + " did not compile:\n" + errors);
        }
        Files.createDirectories(plugins);
        Path zip = plugins.resolve(id + ".zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                Stream<Path> files = Files.walk(classes)) {
            out.putNextEntry(new ZipEntry("plugin.properties"));
            out.write(("plugin.id=" + id + "\nplugin.version=1.0.0\nplugin.requires=>=0.1.0\nplugin.provider=tests\n"
                    + "plugin.description=fixture " + id + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new ZipEntry("classes/" + classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return zip;
    }
}
