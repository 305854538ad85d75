package dev.sluice.host.plugins;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pf4j.PluginDescriptor;
import org.pf4j.VersionManager;

/**
 * What can be wrong with a plugin before any of its code runs, each said as a sentence about the plugin's
 * zip (or directory) that ends with the fix: PF4J alone would drop such a plugin or its extensions with a
 * log line, or fail with a parser's message that names no plugin.
 */
final class PluginChecks {
    /** Where PF4J's annotation processor lists a plugin's extensions; without it a plugin adds nothing. */
    static final String EXTENSION_INDEX = "META-INF/extensions.idx";

    /** What each shared package is, for people: the three things a plugin must not bundle. */
    private static final List<String[]> HOST_PROVIDED = List.of(
            new String[] {"dev/sluice/spi/", "the sluice SPI"},
            new String[] {"org/pf4j/", "PF4J"},
            new String[] {"org/slf4j/", "slf4j-api"});

    private PluginChecks() {
    }

    /** "its zip PATH", or "its directory PATH" for a plugin installed without its zip. */
    static String its(Path place) {
        return (place.getFileName().toString().endsWith(".zip") ? "its zip " : "its directory ") + place;
    }

    /**
     * What is wrong with a plugin's descriptor ({@code plugin.properties}), or {@code null}: an id, a
     * semantic version, and a {@code plugin.requires} that is a version range.
     */
    static String descriptorProblem(PluginDescriptor d, Path place, VersionManager versions, String systemVersion) {
        String rebuild = " in the plugin's plugin.properties (its build sets it) and rebuild the zip";
        if (d.getPluginId() == null || d.getPluginId().isBlank()) {
            return its(place) + " has no plugin.id; set one" + rebuild;
        }
        String version = d.getVersion();
        if (version == null || version.isBlank()) {
            return its(place) + " has no plugin.version; set one such as '1.0.0'" + rebuild;
        }
        try {
            versions.compareVersions(version, version);
        } catch (RuntimeException e) {
            return its(place) + " has plugin.version '" + version + "', which is not a semantic version"
                    + " (MAJOR.MINOR.PATCH); write e.g. '" + semverLike(version) + "'" + rebuild;
        }
        String requires = d.getRequires() == null ? "" : d.getRequires().trim();
        // As PF4J reads it: a bare version means that version or later.
        String range = requires.matches("^\\d+\\.\\d+\\.\\d+$") ? ">=" + requires : requires;
        try {
            versions.checkVersionConstraint(systemVersion, range);
        } catch (RuntimeException e) {
            return its(place) + " has plugin.requires '" + requires + "', which is not a range of sluice versions;"
                    + " write e.g. '>=" + systemVersion + "' or '>=" + systemVersion + " & <" + nextMajor(systemVersion)
                    + "'" + rebuild;
        }
        return null;
    }

    /**
     * What is wrong with what a plugin's directory holds, or {@code null}: classes the host provides
     * bundled in {@code classes/} or {@code lib/} (the plugin's own copy would hide its extensions from the
     * host, which sees them as implementing another interface), or no extension index.
     *
     * @param host the host's class loader: a bundled class is wrong when the host has it too
     */
    static String contentProblem(Path pluginDir, Path place, ClassLoader host) throws IOException {
        String fix = "; declare it <scope>provided</scope> (the plugin parent POM does, and its enforcer rule refuses"
                + " a build that bundles it) and rebuild the zip";
        Path classes = pluginDir.resolve("classes");
        // An index that names no class (PF4J writes its header even when no class is marked @Extension, and
        // sluice-kit's jar carries one) adds nothing either.
        Path ownIndex = classes.resolve(EXTENSION_INDEX);
        boolean indexed = Files.isRegularFile(ownIndex) && namesAClass(Files.readString(ownIndex));
        if (Files.isDirectory(classes)) {
            for (String[] provided : HOST_PROVIDED) {
                Path pkg = classes.resolve(provided[0]);
                if (Files.isDirectory(pkg)) {
                    String bundled = firstHostClass(pkg, classes, host);
                    if (bundled != null) {
                        return its(place) + " bundles " + provided[1] + " (classes/" + bundled + "), which the host"
                                + " provides: the plugin's own copy hides its extensions from the host" + fix;
                    }
                }
            }
        }
        Path lib = pluginDir.resolve("lib");
        if (Files.isDirectory(lib)) {
            List<Path> jars = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(lib, "*.jar")) {
                entries.forEach(jars::add);
            }
            jars.sort(null);
            for (Path jar : jars) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    Enumeration<? extends ZipEntry> entries = zip.entries();
                    while (entries.hasMoreElements()) {
                        String name = entries.nextElement().getName();
                        if (name.equals(EXTENSION_INDEX) && !indexed) {
                            try (java.io.InputStream in = zip.getInputStream(zip.getEntry(name))) {
                                indexed = namesAClass(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                            }
                        }
                        String[] provided = provided(name);
                        if (provided != null && name.endsWith(".class") && host.getResource(name) != null) {
                            return its(place) + " bundles " + provided[1] + " (lib/" + jar.getFileName() + " has "
                                    + name + "), which the host provides: the plugin's own copy hides its extensions"
                                    + " from the host" + fix;
                        }
                    }
                }
            }
        }
        if (!indexed) {
            return its(place) + " has no extension index naming a class (classes/" + EXTENSION_INDEX + "), so it adds"
                    + " nothing: no class is marked @Extension, or it was built without annotation processing. Mark"
                    + " each extension class @Extension and build with PF4J's annotation processor on (javac"
                    + " -proc:full, as the plugin parent POM does)";
        }
        return null;
    }

    /** Whether an extension index lists a class: a line that is neither blank nor a comment. */
    static boolean namesAClass(String index) {
        return index.lines().map(String::strip).anyMatch(l -> !l.isEmpty() && !l.startsWith("#"));
    }

    /** The class the host provides that {@code pkg} holds, relative to {@code classes}, or {@code null}. */
    private static String firstHostClass(Path pkg, Path classes, ClassLoader host) throws IOException {
        Predicate<String> hostHas = name -> name.endsWith(".class") && host.getResource(name) != null;
        try (Stream<Path> files = Files.walk(pkg)) {
            return files.filter(Files::isRegularFile).map(f -> classes.relativize(f).toString().replace('\\', '/'))
                    .filter(hostHas).sorted().findFirst().orElse(null);
        }
    }

    private static String[] provided(String entry) {
        for (String[] provided : HOST_PROVIDED) {
            if (entry.startsWith(provided[0])) {
                return provided;
            }
        }
        return null;
    }

    private static String semverLike(String version) {
        String[] parts = version.split("\\.");
        if (version.matches("\\d+(\\.\\d+)?")) {
            return parts.length == 1 ? version + ".0.0" : version + ".0";
        }
        return "1.0.0";
    }

    private static String nextMajor(String version) {
        try {
            return (Integer.parseInt(version.substring(0, version.indexOf('.'))) + 1) + ".0.0";
        } catch (RuntimeException e) {
            return "1.0.0";
        }
    }
}
