package dev.sluice.host.plugins;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds small, real plugin zips for tests of what the bundled plugins cannot show (a plugin built
 * for another host version, one that fails to start): Java sources are compiled with the JDK's
 * compiler, PF4J's annotation processor writes the extension index, and the result is zipped in the
 * same layout the build produces.
 */
final class PluginFixtures {
    private PluginFixtures() {
    }

    /**
     * Writes {@code <dir>/<id>.zip}.
     *
     * @param sources fully qualified class name to Java source
     */
    static Path pluginZip(Path dir, String id, String requires, String pluginClass, Map<String, String> sources)
            throws IOException {
        Path work = Files.createTempDirectory(dir, "fixture-" + id);
        Path src = work.resolve("src");
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("-proc:full", "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), "--release", "21", "-nowarn"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        OutputStream sink = OutputStream.nullOutputStream();
        int rc = javac.run(null, sink, new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                errors.write(b);
            }
        }, true, StandardCharsets.UTF_8), args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("fixture plugin " + id + " did not compile:\n" + errors);
        }
        StringBuilder props = new StringBuilder()
                .append("plugin.id=").append(id).append('\n')
                .append("plugin.version=1.0.0\n")
                .append("plugin.requires=").append(requires).append('\n')
                .append("plugin.provider=tests\n")
                .append("plugin.description=fixture ").append(id).append('\n');
        if (pluginClass != null) {
            props.append("plugin.class=").append(pluginClass).append('\n');
        }
        Path zip = dir.resolve(id + ".zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("plugin.properties"));
            out.write(props.toString().getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(new ZipEntry("classes/" + classes.relativize(f).toString().replace('\\', '/')));
                    out.write(Files.readAllBytes(f));
                    out.closeEntry();
                }
            }
        }
        return zip;
    }
}
