package dev.sluice.host.plugins;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds small, real plugin zips for tests of what the bundled plugins cannot show (a plugin built
 * for another host version, one that fails to start, every kind of wrong plugin): Java sources are
 * compiled with the JDK's compiler, PF4J's annotation processor writes the extension index, and the
 * result is zipped in the same layout the build produces.
 */
public final class PluginFixtures {
    private PluginFixtures() {
    }

    /**
     * Writes {@code <dir>/<id>.zip}.
     *
     * @param sources fully qualified class name to Java source
     */
    static Path pluginZip(Path dir, String id, String requires, String pluginClass, Map<String, String> sources)
            throws IOException {
        return plugin(id).requires(requires).pluginClass(pluginClass).sources(sources).zipInto(dir);
    }

    /** A plugin of this id, version 1.0.0, for any host from 0.1.0, to describe further. */
    public static Builder plugin(String id) {
        return new Builder(id);
    }

    /** A gate's source: class {@code fx.<className>} whose {@code id()} is {@code gateId}. */
    public static String gateSource(String className, String gateId) {
        return """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class %s implements TaskReadinessGate {
                    public String id() { return "%s"; }
                    public void prepare(TaskHandle task) { }
                }
                """.formatted(className, gateId);
    }

    /** A plugin zip being described; {@link #zipInto} writes it. */
    public static final class Builder {
        private final String id;
        private String version = "1.0.0";
        private String requires = ">=0.1.0";
        private String pluginClass;
        private final Map<String, String> sources = new LinkedHashMap<>();
        private boolean annotationProcessing = true;
        private final Map<String, List<String>> libJars = new LinkedHashMap<>();
        private String zipName;
        private String dependencies;

        private Builder(String id) {
            this.id = id;
            this.zipName = id + ".zip";
        }

        public Builder version(String v) {
            this.version = v;
            return this;
        }

        public Builder requires(String r) {
            this.requires = r;
            return this;
        }

        public Builder pluginClass(String c) {
            this.pluginClass = c;
            return this;
        }

        /** @param classSources fully qualified class name to Java source */
        public Builder sources(Map<String, String> classSources) {
            this.sources.putAll(classSources);
            return this;
        }

        public Builder source(String className, String source) {
            this.sources.put(className, source);
            return this;
        }

        /** Compiled without PF4J's annotation processor: no extension index, as a build without it makes. */
        public Builder withoutAnnotationProcessing() {
            this.annotationProcessing = false;
            return this;
        }

        /**
         * Bundles {@code lib/<jarName>} holding these classes of the test's own class path, e.g. the SPI's
         * {@code dev.sluice.spi.TaskReadinessGate}, as a plugin that bundles what the host provides does.
         */
        public Builder libJar(String jarName, String... classNames) {
            this.libJars.put(jarName, List.of(classNames));
            return this;
        }

        /** plugin.dependencies, as PF4J reads it: {@code other@>=1.0.0, optional?}. */
        public Builder dependencies(String d) {
            this.dependencies = d;
            return this;
        }

        public Builder zipName(String name) {
            this.zipName = name;
            return this;
        }

        /** Writes the zip into {@code dir} and returns it. */
        public Path zipInto(Path dir) throws IOException {
            Files.createDirectories(dir);
            // Outside dir: a plugins directory holds plugins only.
            Path work = Files.createTempDirectory("fixture-" + id);
            Path src = work.resolve("src");
            Path classes = work.resolve("classes");
            Files.createDirectories(classes);
            List<String> args = new ArrayList<>(List.of(annotationProcessing ? "-proc:full" : "-proc:none", "-d",
                    classes.toString(), "-classpath", System.getProperty("java.class.path"), "--release", "21",
                    "-nowarn"));
            for (Map.Entry<String, String> e : sources.entrySet()) {
                Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                args.add(file.toString());
            }
            if (!sources.isEmpty()) {
                JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
                StringWriter errors = new StringWriter();
                int rc = javac.run(null, OutputStream.nullOutputStream(), new java.io.PrintStream(new OutputStream() {
                    @Override
                    public void write(int b) {
                        errors.write(b);
                    }
                }, true, StandardCharsets.UTF_8), args.toArray(String[]::new));
                if (rc != 0) {
                    throw new IllegalStateException("fixture plugin " + id + " did not compile:\n" + errors);
                }
            }
            StringBuilder props = new StringBuilder()
                    .append("plugin.id=").append(id).append('\n')
                    .append("plugin.version=").append(version).append('\n')
                    .append("plugin.requires=").append(requires).append('\n')
                    .append("plugin.provider=tests\n")
                    .append("plugin.description=fixture ").append(id).append('\n');
            if (dependencies != null) {
                props.append("plugin.dependencies=").append(dependencies).append('\n');
            }
            if (pluginClass != null) {
                props.append("plugin.class=").append(pluginClass).append('\n');
            }
            Path zip = dir.resolve(zipName);
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
                for (Map.Entry<String, List<String>> jar : libJars.entrySet()) {
                    out.putNextEntry(new ZipEntry("lib/" + jar.getKey()));
                    out.write(jarOf(jar.getValue()));
                    out.closeEntry();
                }
            }
            try (Stream<Path> files = Files.walk(work)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
            return zip;
        }
    }

    /** A jar of these classes, read from the test's class path. */
    private static byte[] jarOf(List<String> classNames) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream jar = new ZipOutputStream(bytes)) {
            for (String name : classNames) {
                String entry = name.replace('.', '/') + ".class";
                try (InputStream in = PluginFixtures.class.getClassLoader().getResourceAsStream(entry)) {
                    if (in == null) {
                        throw new IllegalStateException(entry + " is not on the test's class path");
                    }
                    jar.putNextEntry(new ZipEntry(entry));
                    in.transferTo(jar);
                    jar.closeEntry();
                }
            }
        }
        return bytes.toByteArray();
    }
}
