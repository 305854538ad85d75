package dev.sluice.host.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.host.pipeline.PluginRequirement;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.PluginClassLoader;

/**
 * Plugin loading from real zips: the bundled {@code files} plugin as the build packaged it into the
 * distribution, and small plugins compiled by the test for the cases a good plugin cannot show.
 */
class PluginHostIT {
    @TempDir
    Path dir;

    private static Path distPlugins() {
        String dist = System.getProperty("sluice.dist");
        assertThat(dist).as("system property sluice.dist (set by failsafe)").isNotNull();
        return Path.of(dist, "plugins");
    }

    /** A copy of the distribution's plugins, since PF4J unpacks zips beside them. */
    private Path bundledPlugins() throws IOException {
        Path copy = Files.createDirectories(dir.resolve("plugins"));
        try (Stream<Path> zips = Files.list(distPlugins())) {
            for (Path zip : zips.filter(p -> p.toString().endsWith(".zip")).toList()) {
                Files.copy(zip, copy.resolve(zip.getFileName()));
            }
        }
        return copy;
    }

    private static PluginHost host(Path plugins) {
        return host(plugins, Map.of());
    }

    private static PluginHost host(Path plugins, Map<String, Map<String, String>> config) {
        return new PluginHost(plugins, "0.1.0", id -> Settings.of(config.getOrDefault(id, Map.of()), id),
                TimeSource.system(), id -> PluginMetrics.none());
    }

    private static PluginRequirement req(String id, String version) {
        return new PluginRequirement(id, version, null);
    }

    @Test
    void filesPluginLoadsFromItsZipAndContributesItsGate() throws Exception {
        try (PluginHost host = host(bundledPlugins())) {
            assertThat(host.available()).extracting(PluginInfo::id).contains("files");
            assertThat(host.available()).filteredOn(p -> p.id().equals("files")).first()
                    .satisfies(p -> assertThat(p.problem()).isNull());
            host.enable(List.of(req("files", ">=0.1.0")));
            List<TaskReadinessGate> gates = host.gates();
            assertThat(gates).extracting(TaskReadinessGate::id).containsExactly("files");
            assertThat(gates.get(0).getClass().getClassLoader()).isInstanceOf(PluginClassLoader.class);
            assertThat(host.pluginOf(gates.get(0))).isEqualTo("files");
        }
    }

    @Test
    void pluginsSeeTheSpiButNotTheHostsLibraries() throws Exception {
        try (PluginHost host = host(bundledPlugins())) {
            host.enable(List.of(req("files", null)));
            ClassLoader loader = host.gates().get(0).getClass().getClassLoader();
            assertThat(loader.loadClass(TaskHandle.class.getName())).isSameAs(TaskHandle.class);
            assertThat(loader.loadClass("org.slf4j.Logger")).isSameAs(org.slf4j.Logger.class);
            assertThatThrownBy(() -> loader.loadClass("com.google.common.collect.ImmutableList"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> loader.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> loader.loadClass(PluginHost.class.getName()))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void pluginsNotNamedByThePipelineAreNotStarted() throws Exception {
        try (PluginHost host = host(bundledPlugins())) {
            host.enable(List.of());
            assertThat(host.gates()).isEmpty();
        }
    }

    @Test
    void missingPluginNamesTheDirectoryAndWhatIsInstalled() throws Exception {
        Path plugins = bundledPlugins();
        try (PluginHost host = host(plugins)) {
            assertThatThrownBy(() -> host.enable(List.of(req("dockr", null))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessageContaining("plugin 'dockr' is not installed in " + plugins)
                    .hasMessageContaining("installed: apptainer, docker, files, gpu, slurm");
        }
    }

    @Test
    void versionOutsideThePipelinesConstraintIsRefused() throws Exception {
        try (PluginHost host = host(bundledPlugins())) {
            assertThatThrownBy(() -> host.enable(List.of(req("files", ">=9.0.0"))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessageContaining("plugin 'files' is version 0.1.0, the pipeline asks for '>=9.0.0'");
            assertThat(host.gates()).as("nothing started").isEmpty();
        }
    }

    @Test
    void pluginBuiltForAnotherHostVersionIsRefusedWithBothVersions() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("other"));
        PluginFixtures.pluginZip(plugins, "future", ">=99.0.0", null, Map.of("fx.FutureGate", GATE_SOURCE
                .replace("GATE_CLASS", "FutureGate").replace("GATE_ID", "future")));
        try (PluginHost host = host(plugins)) {
            assertThat(host.available()).singleElement().satisfies(p -> assertThat(p.problem())
                    .contains("requires sluice >=99.0.0 and this is 0.1.0"));
            assertThatThrownBy(() -> host.enable(List.of(req("future", null))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessageContaining("plugin 'future' 1.0.0 cannot be used: its zip " + plugins.resolve("future.zip")
                            + " requires sluice >=99.0.0");
        }
    }

    @Test
    void pluginWhoseStartThrowsIsAClearError() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("broken"));
        PluginFixtures.pluginZip(plugins, "broken", ">=0.1.0", "fx.BrokenPlugin", Map.of("fx.BrokenPlugin", """
                package fx;
                public class BrokenPlugin extends org.pf4j.Plugin {
                    @Override public void start() {
                        throw new IllegalStateException("licence server unreachable");
                    }
                }
                """, "fx.BrokenGate", PluginFixtures.gateSource("BrokenGate", "broken")));
        try (PluginHost host = host(plugins)) {
            assertThatThrownBy(() -> host.enable(List.of(req("broken", null))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessageContaining("plugin 'broken' (" + plugins.resolve("broken.zip") + ") failed to start")
                    .hasMessageContaining("licence server unreachable");
        }
    }

    @Test
    void extensionsGetTheirPluginsContextAndConfig() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("ctx"));
        PluginFixtures.pluginZip(plugins, "greeter", ">=0.1.0", null, Map.of("fx.GreeterGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class GreeterGate implements TaskReadinessGate {
                    private final String id;
                    public GreeterGate(PluginContext context) {
                        this.id = context.pluginId() + "-" + context.config().string("flavour", "plain");
                    }
                    public String id() { return id; }
                    public void prepare(TaskHandle task) { }
                }
                """));
        try (PluginHost host = host(plugins, Map.of("greeter", Map.of("flavour", "mint")))) {
            host.enable(List.of(req("greeter", null)));
            List<TaskReadinessGate> gates = host.gates();
            assertThat(gates).extracting(TaskReadinessGate::id).containsExactly("greeter-mint");
            assertThat(host.gates().get(0)).as("one instance per extension").isSameAs(gates.get(0));
        }
    }

    @Test
    void extensionFailingInItsConstructorNamesTheClassAndCause() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("ctor"));
        PluginFixtures.pluginZip(plugins, "ctor", ">=0.1.0", null, Map.of("fx.CtorGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class CtorGate implements TaskReadinessGate {
                    public CtorGate() { throw new IllegalArgumentException("no token configured"); }
                    public String id() { return "ctor"; }
                    public void prepare(TaskHandle task) { }
                }
                """));
        try (PluginHost host = host(plugins)) {
            host.enable(List.of(req("ctor", null)));
            assertThatThrownBy(host::gates)
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'ctor' (" + plugins.resolve("ctor.zip") + "): extension fx.CtorGate failed in its"
                            + " constructor: no token configured");
        }
    }

    @Test
    void aZipThatCannotBeExtractedIsListedAsUnusableAndRefusedByIdWithoutAStaleCopyStandingIn() throws Exception {
        Path plugins = bundledPlugins();
        Path files = plugins.resolve(distZip("files").getFileName());
        // The files plugin's own entries, and one that climbs out: the id is the real plugin's.
        Path evil = plugins.resolve("files-evil.zip");
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(files.toFile());
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(evil))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                in.getInputStream(e).transferTo(out);
                out.closeEntry();
            }
            out.putNextEntry(new java.util.zip.ZipEntry("../../escape.txt"));
            out.closeEntry();
        }
        Files.delete(files);
        try (PluginHost host = host(plugins)) {
            assertThat(host.available()).filteredOn(p -> p.id().equals("files")).singleElement().satisfies(p ->
                    assertThat(p.problem()).isEqualTo("its zip " + evil + " cannot be extracted: its entry"
                            + " '../../escape.txt' would be written outside the plugin's directory; replace the zip"
                            + " with one built by the plugin's own build"));
            assertThatThrownBy(() -> host.enable(List.of(req("files", null)))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'files' cannot be used: its zip " + evil + " cannot be extracted: its entry"
                            + " '../../escape.txt' would be written outside the plugin's directory; replace the zip"
                            + " with one built by the plugin's own build");
        }
        assertThat(dir.resolve("escape.txt")).doesNotExist();
        assertThat(plugins.resolve("files-evil")).doesNotExist();
    }

    private static Path distZip(String id) throws IOException {
        try (Stream<Path> zips = Files.list(distPlugins())) {
            return zips.filter(p -> p.getFileName().toString().matches("sluice-plugin-" + id + "-.*\\.zip")).findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void aPinnedSha256MustBeThatOfTheZipThePluginWasExtractedFrom() throws Exception {
        Path plugins = bundledPlugins();
        String sha = PluginZips.sha256(distZip("files"));
        try (PluginHost host = host(plugins)) {
            host.enable(List.of(new PluginRequirement("files", null, null, sha.toUpperCase(java.util.Locale.ROOT))));
            assertThat(host.gates()).extracting(TaskReadinessGate::id).containsExactly("files");
        }
        String other = (sha.charAt(0) == '0' ? "1" : "0") + sha.substring(1);
        try (PluginHost host = host(plugins)) {
            assertThatThrownBy(() -> host.enable(List.of(new PluginRequirement("files", null, null, other))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessageContaining("plugin 'files': its zip ")
                    .hasMessageContaining(" has sha256 " + sha + ", the pipeline pins " + other
                            + "; install the zip the pipeline was written for");
        }
        // Installed as a directory alone: nothing to check the pin against.
        try (Stream<Path> zips = Files.list(plugins)) {
            for (Path zip : zips.filter(p -> p.toString().endsWith(".zip")).toList()) {
                Files.delete(zip);
                // Without the marker it is a directory installed by hand, not one sluice extracted from a zip
                // since removed (which is no longer installed).
                Files.delete(PluginZips.dirOf(zip).resolve(PluginZips.MARKER));
            }
        }
        try (PluginHost host = host(plugins)) {
            assertThatThrownBy(() -> host.enable(List.of(new PluginRequirement("files", null, null, sha))))
                    .isInstanceOf(PluginLoadException.class)
                    .hasMessageContaining("the pipeline pins its zip's sha256, but it is installed as the directory")
                    .hasMessageContaining("install the zip itself");
        }
    }

    @Test
    void onlyThePluginsTheOperatorAllowsCanBeEnabled() throws Exception {
        Path plugins = bundledPlugins();
        try (PluginHost host = host(plugins)) {
            host.allowOnly(List.of("docker", "gpu"), "site.yaml:3:1");
            assertThatThrownBy(() -> host.enable(List.of(req("files", null)))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'files' is not among the plugins the operator allows (docker, gpu, in"
                            + " site.yaml:3:1); ask the operator to add it there, or leave it out");
        }
        try (PluginHost host = host(plugins)) {
            host.allowOnly(List.of("files"), "site.yaml:3:1");
            host.enable(List.of(req("files", null)));
            assertThat(host.gates()).hasSize(1);
        }
    }

    private static String problemOf(PluginHost host, String id) {
        return host.available().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow().problem();
    }

    /** Regression: a cycle refused every plugin that declares plugin.dependencies, met ones too. */
    @Test
    void aDependencyCycleRefusesThePluginsOnItAndTheirDependentsOnly() throws Exception {
        Path plugins = bundledPlugins();
        Path a = PluginFixtures.plugin("a").dependencies("b").source("fx.AGate", PluginFixtures.gateSource("AGate", "a"))
                .zipInto(plugins);
        Path b = PluginFixtures.plugin("b").dependencies("a").source("fx.BGate", PluginFixtures.gateSource("BGate", "b"))
                .zipInto(plugins);
        Path self = PluginFixtures.plugin("self").dependencies("self, files").source("fx.SelfGate",
                PluginFixtures.gateSource("SelfGate", "self")).zipInto(plugins);
        Path onA = PluginFixtures.plugin("ona").dependencies("a").source("fx.OnAGate",
                PluginFixtures.gateSource("OnAGate", "ona")).zipInto(plugins);
        PluginFixtures.plugin("bystander").dependencies("files@>=0.1.0, b?").source("fx.BystanderGate",
                PluginFixtures.gateSource("BystanderGate", "bystander")).zipInto(plugins);
        try (PluginHost host = host(plugins)) {
            assertThat(problemOf(host, "a")).isEqualTo("its zip " + a + " has plugin.dependencies that form a cycle:"
                    + " a -> b -> a; remove one of these dependencies");
            assertThat(problemOf(host, "b")).isEqualTo("its zip " + b + " has plugin.dependencies that form a cycle:"
                    + " b -> a -> b; remove one of these dependencies");
            assertThat(problemOf(host, "self")).isEqualTo("its zip " + self + " has plugin.dependencies that form a"
                    + " cycle: self -> self; remove one of these dependencies");
            assertThat(problemOf(host, "ona")).isEqualTo("its zip " + onA + " names plugin 'a' in its"
                    + " plugin.dependencies, and plugin 'a' cannot be used (sluice plugins list shows why); fix it, or"
                    + " mark the dependency optional ('a?')");
            assertThat(problemOf(host, "bystander")).isNull();
            host.enable(List.of(req("bystander", null)));
            assertThat(host.gates()).extracting(TaskReadinessGate::id).containsExactly("bystander");
        }
    }

    @Test
    void aDependencysVersionConstraintThatDoesNotParseIsTheDependentsOwnError() throws Exception {
        Path plugins = bundledPlugins();
        Path zip = PluginFixtures.plugin("fussy").dependencies("files@banana").source("fx.FussyGate",
                PluginFixtures.gateSource("FussyGate", "fussy")).zipInto(plugins);
        try (PluginHost host = host(plugins)) {
            assertThatThrownBy(() -> host.enable(List.of(req("fussy", null)))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'fussy' cannot be used: its zip " + zip + " has 'files@banana' in its"
                            + " plugin.dependencies: the version constraint 'banana' does not parse; write e.g."
                            + " 'files@>=1.0.0'");
            host.enable(List.of(req("files", null)));
            assertThat(host.gates()).extracting(TaskReadinessGate::id).containsExactly("files");
        }
    }

    /**
     * PF4J starts a plugin's dependencies with it: they are checked as the pipeline's own plugins are, naming
     * the plugin that needs them; their extensions stay out of the pipeline.
     */
    @Test
    void aPluginsDependenciesMustBeAllowedAndUsableAndTheirExtensionsStayOut() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("deps"));
        PluginFixtures.plugin("a").dependencies("b").source("fx.AGate", PluginFixtures.gateSource("AGate", "a"))
                .zipInto(plugins);
        PluginFixtures.plugin("b").dependencies("c").source("fx.BGate", PluginFixtures.gateSource("BGate", "b"))
                .zipInto(plugins);
        Path c = PluginFixtures.plugin("c").source("fx.CGate", PluginFixtures.gateSource("CGate", "c"))
                .libJar("slf4j-api-2.0.17.jar", "org.slf4j.Logger").zipInto(plugins);
        PluginFixtures.plugin("d").source("fx.DGate", PluginFixtures.gateSource("DGate", "d")).zipInto(plugins);
        PluginFixtures.plugin("e").dependencies("d").source("fx.EGate", PluginFixtures.gateSource("EGate", "e"))
                .zipInto(plugins);
        try (PluginHost host = host(plugins)) {
            host.allowOnly(List.of("a", "b", "c", "e"), "site.yaml:3:1");
            assertThatThrownBy(() -> host.enable(List.of(req("e", null)))).isInstanceOf(PluginLoadException.class)
                    .hasMessage("plugin 'e' needs plugin 'd' (plugin.dependencies), which the operator does not allow"
                            + " (a, b, c, e, in site.yaml:3:1); ask the operator to add it there, or leave the plugin"
                            + " that needs it out");
            assertThatThrownBy(() -> host.enable(List.of(req("a", null)))).isInstanceOf(PluginLoadException.class)
                    .hasMessageStartingWith("plugin 'a' needs plugin 'c' (plugin.dependencies, through b), which"
                            + " cannot be used: its zip " + c + " bundles slf4j-api");
            assertThat(host.gates()).as("nothing started").isEmpty();
        }
        try (PluginHost host = host(plugins)) {
            host.allowOnly(List.of("d", "e"), "site.yaml:3:1");
            host.enable(List.of(req("e", null)));
            assertThat(host.gates()).as("d runs for e, but its gate is not the pipeline's")
                    .extracting(TaskReadinessGate::id).containsExactly("e");
            assertThat(host.available()).filteredOn(p -> p.id().equals("d")).singleElement()
                    .satisfies(p -> assertThat(p.state()).isEqualTo("STARTED"));
        }
    }

    /** An optional dependency that is installed but not allowed is left out; the plugin starts without it. */
    @Test
    void anOptionalDependencyTheOperatorDoesNotAllowIsNotStarted() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("optional"));
        PluginFixtures.plugin("a").dependencies("b?").source("fx.AGate", PluginFixtures.gateSource("AGate", "a"))
                .zipInto(plugins);
        PluginFixtures.plugin("b").source("fx.BGate", PluginFixtures.gateSource("BGate", "b")).zipInto(plugins);
        try (PluginHost host = host(plugins)) {
            host.allowOnly(List.of("a"), "site.yaml:3:1");
            host.enable(List.of(req("a", null)));
            assertThat(host.gates()).extracting(TaskReadinessGate::id).containsExactly("a");
            assertThat(host.available()).filteredOn(p -> p.id().equals("b")).singleElement()
                    .satisfies(p -> assertThat(p.state()).isEqualTo("RESOLVED"));
        }
        try (PluginHost host = host(plugins)) {
            host.allowOnly(List.of("a", "b"), "site.yaml:3:1");
            host.enable(List.of(req("a", null)));
            assertThat(host.available()).filteredOn(p -> p.id().equals("b")).singleElement()
                    .satisfies(p -> assertThat(p.state()).as("allowed: PF4J starts it with a").isEqualTo("STARTED"));
        }
    }

    private static final String GATE_SOURCE = """
            package fx;
            import dev.sluice.spi.*;
            @org.pf4j.Extension
            public class GATE_CLASS implements TaskReadinessGate {
                public String id() { return "GATE_ID"; }
                public void prepare(TaskHandle task) { }
            }
            """;
}
