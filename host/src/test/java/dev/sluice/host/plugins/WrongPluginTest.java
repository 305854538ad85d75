package dev.sluice.host.plugins;

import static dev.sluice.host.plugins.PluginFixtures.gateSource;
import static dev.sluice.host.plugins.PluginFixtures.plugin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.host.pipeline.PluginRequirement;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of wrong plugin is listed as unusable with why and the fix, naming its zip, and refused when a
 * pipeline enables it, while the plugins beside it stay usable.
 */
class WrongPluginTest {
    @TempDir
    Path dir;

    private static PluginHost host(Path... dirs) {
        return new PluginHost(List.of(dirs), "0.1.0", id -> Settings.of(java.util.Map.of(), id), TimeSource.system(),
                id -> PluginMetrics.none());
    }

    private static List<PluginRequirement> enabling(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> new PluginRequirement(id, null, null)).toList();
    }

    private static String problemOf(PluginHost host, String id) {
        return host.available().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow().problem();
    }

    /** A good plugin beside the wrong one, to show that it stays usable. */
    private Path good(Path plugins) throws Exception {
        return plugin("good").source("fx.GoodGate", gateSource("GoodGate", "good")).zipInto(plugins);
    }

    @Test
    void aPluginThatBundlesTheSpiPf4jOrSlf4jIsRefusedNamingTheJarAndTheFix() throws Exception {
        record Case(String jar, String className, String what) {
        }
        for (Case c : List.of(new Case("sluice-spi-0.1.0.jar", "dev.sluice.spi.TaskReadinessGate", "the sluice SPI"),
                new Case("pf4j-3.15.0.jar", "org.pf4j.Extension", "PF4J"),
                new Case("slf4j-api-2.0.17.jar", "org.slf4j.Logger", "slf4j-api"))) {
            Path plugins = dir.resolve(c.jar());
            Path zip = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                    .libJar(c.jar(), c.className()).zipInto(plugins);
            good(plugins);
            String expected = "its zip " + zip + " bundles " + c.what() + " (lib/" + c.jar() + " has "
                    + c.className().replace('.', '/') + ".class), which the host provides: the plugin's own copy hides"
                    + " its extensions from the host; declare it <scope>provided</scope> (the plugin parent POM does,"
                    + " and its enforcer rule refuses a build that bundles it) and rebuild the zip";
            try (PluginHost host = host(plugins)) {
                assertThat(problemOf(host, "quota")).isEqualTo(expected);
                assertThat(problemOf(host, "good")).isNull();
                assertThatThrownBy(() -> host.enable(enabling("quota"))).isInstanceOf(PluginLoadException.class)
                        .hasMessage("plugin 'quota' 1.0.0 cannot be used: " + expected);
                host.enable(enabling("good"));
                assertThat(host.gates()).extracting(g -> g.id()).containsExactly("good");
            }
        }
    }

    @Test
    void aPluginBuiltWithoutAnnotationProcessingIsRefusedForItsMissingIndex() throws Exception {
        Path zip = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .withoutAnnotationProcessing().zipInto(dir);
        try (PluginHost host = host(dir)) {
            assertThat(problemOf(host, "quota")).isEqualTo("its zip " + zip + " has no extension index naming a"
                    + " class (classes/META-INF/extensions.idx), so it adds nothing: no class is marked @Extension, or it"
                    + " was built without annotation processing. Mark each extension class @Extension and build with"
                    + " PF4J's annotation processor on (javac -proc:full, as the plugin parent POM does)");
            assertThatThrownBy(() -> host.enable(enabling("quota"))).isInstanceOf(PluginLoadException.class)
                    .hasMessageStartingWith("plugin 'quota' 1.0.0 cannot be used: its zip " + zip
                            + " has no extension index");
        }
    }

    @Test
    void aPluginWhoseIndexNamesNoClassIsRefusedToo() throws Exception {
        // Annotation processing on, but the class is not marked @Extension: PF4J still writes an index,
        // with nothing in it.
        Path zip = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota").replace("@org.pf4j.Extension", ""))
                .zipInto(dir);
        try (PluginHost host = host(dir)) {
            assertThat(problemOf(host, "quota")).startsWith("its zip " + zip + " has no extension index naming a class");
        }
        assertThat(PluginChecks.namesAClass("# Generated by PF4J\n\n")).isFalse();
        assertThat(PluginChecks.namesAClass("# Generated by PF4J\nfx.QuotaGate\n")).isTrue();
    }

    @Test
    void aMalformedRequiresIsRefusedWithoutBreakingTheOtherPlugins() throws Exception {
        Path zip = plugin("quota").requires("banana").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .zipInto(dir);
        good(dir);
        String expected = "its zip " + zip + " has plugin.requires 'banana', which is not a range of sluice versions;"
                + " write e.g. '>=0.1.0' or '>=0.1.0 & <1.0.0' in the plugin's plugin.properties (its build sets it)"
                + " and rebuild the zip";
        try (PluginHost host = host(dir)) {
            assertThat(problemOf(host, "quota")).isEqualTo(expected);
            assertThat(problemOf(host, "good")).isNull();
            assertThatThrownBy(() -> host.enable(enabling("quota"))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'quota' cannot be used: " + expected);
            host.enable(enabling("good"));
        }
    }

    @Test
    void aVersionThatIsNotSemanticIsRefusedBeforeAnyConstraintIsBlamed() throws Exception {
        Path zip = plugin("quota").version("1.0").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .zipInto(dir);
        String expected = "its zip " + zip + " has plugin.version '1.0', which is not a semantic version"
                + " (MAJOR.MINOR.PATCH); write e.g. '1.0.0' in the plugin's plugin.properties (its build sets it) and"
                + " rebuild the zip";
        try (PluginHost host = host(dir)) {
            assertThat(problemOf(host, "quota")).isEqualTo(expected);
            assertThatThrownBy(() -> host.enable(List.of(new PluginRequirement("quota", ">=1.0.0", null))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'quota' cannot be used: " + expected);
        }
    }

    @Test
    void twoGatesOfOneIdAreRefusedNamingBothClassesAndPlugins() throws Exception {
        Path one = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota")).zipInto(dir);
        Path two = plugin("quota2").source("fy.QuotaGate", gateSource("QuotaGate", "quota").replace("package fx",
                "package fy")).zipInto(dir);
        try (PluginHost host = host(dir)) {
            host.enable(enabling("quota", "quota2"));
            assertThatThrownBy(host::gates).isInstanceOf(PluginLoadException.class)
                    .hasMessage("two readiness gates have the id 'quota': fx.QuotaGate of plugin 'quota' (" + one
                            + "), and fy.QuotaGate of plugin 'quota2' (" + two + "); an id must be unique, since it"
                            + " names the extension's hints: change one's id(), or leave one of the plugins out of the"
                            + " pipeline");
        }
        Path single = dir.resolve("single");
        Path both = plugin("pair").source("fx.A", gateSource("A", "quota")).source("fx.B", gateSource("B", "quota"))
                .zipInto(single);
        try (PluginHost host = host(single)) {
            host.enable(enabling("pair"));
            assertThatThrownBy(host::gates).isInstanceOf(PluginLoadException.class)
                    .hasMessage("two readiness gates have the id 'quota': fx.A of plugin 'pair' (" + both + "), and"
                            + " fx.B of plugin 'pair' (" + both + "); an id must be unique, since it names the"
                            + " extension's hints: change one's id()");
        }
    }

    @Test
    void aMissingClassKeepsTheHintToBundleItInLib() throws Exception {
        Path inConstructor = plugin("guava").source("fx.GuavaGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class GuavaGate implements TaskReadinessGate {
                    private final String id = com.google.common.base.Strings.nullToEmpty("guava");
                    public String id() { return id; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(dir);
        String hint = "plugins see only the SPI, PF4J and slf4j of the host; bundle the library that has it in the"
                + " plugin's lib/ (a runtime dependency of the plugin's build)";
        try (PluginHost host = host(dir)) {
            host.enable(enabling("guava"));
            assertThatThrownBy(host::gates).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'guava' (" + inConstructor + "): cannot create extension fx.GuavaGate: class"
                            + " com.google.common.base.Strings is missing: " + hint);
        }
        // A class the extension's own class needs to load at all: PF4J would drop the extension with a log line.
        Path other = dir.resolve("super");
        Path asSuper = plugin("idle").source("fx.IdleGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class IdleGate extends com.google.common.base.Ticker implements TaskReadinessGate {
                    public long read() { return 0; }
                    public String id() { return "idle"; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(other);
        try (PluginHost host = host(other)) {
            assertThatThrownBy(() -> host.enable(enabling("idle"))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'idle' 1.0.0 cannot be used: its extension fx.IdleGate (in " + asSuper + ")"
                            + " cannot be loaded: class com.google.common.base.Ticker is missing: " + hint);
        }
    }

    @Test
    void aPluginInstalledInTwoDirectoriesIsRefusedNamingBoth() throws Exception {
        Path first = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .zipInto(dir.resolve("bundled"));
        Path second = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .zipName("quota-1.0.0.zip").zipInto(dir.resolve("mine"));
        good(dir.resolve("mine"));
        try (PluginHost host = host(dir.resolve("bundled"), dir.resolve("mine"))) {
            String expected = "it is installed in more than one place: " + first + " and " + second + "; a plugin"
                    + " id may be installed in one place only: remove all but one (--no-bundled-plugins leaves out the"
                    + " bundled plugins)";
            assertThat(host.available()).filteredOn(p -> p.id().equals("quota")).extracting(PluginInfo::problem)
                    .containsExactly(expected, expected);
            assertThatThrownBy(() -> host.enable(enabling("quota"))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'quota' cannot be used: " + expected);
            host.enable(enabling("good"));
        }
    }

    @Test
    void aFolderWithoutADescriptorIsNotAPlugin() throws Exception {
        Files.createDirectories(dir.resolve("notes"));
        good(dir);
        try (PluginHost host = host(dir)) {
            assertThat(host.available()).extracting(PluginInfo::id).containsExactly("good");
        }
    }
}
