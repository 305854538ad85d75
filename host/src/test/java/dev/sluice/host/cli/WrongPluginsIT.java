package dev.sluice.host.cli;

import static dev.sluice.host.plugins.PluginFixtures.gateSource;
import static dev.sluice.host.plugins.PluginFixtures.plugin;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong plugins, as a plugin author meets them: {@code validate} and {@code run} of a pipeline that enables
 * one exit 3 before any task runs, naming the plugin, its zip and the fix, without a Java exception; the
 * plugins beside it stay usable, and {@code plugins list} shows each problem. Also the plugins directories:
 * {@code --plugins-dir} adds one beside the bundled plugins, {@code --no-bundled-plugins} leaves those out.
 */
class WrongPluginsIT {
    @TempDir
    Path dir;

    private static final String HINT = "plugins see only the SPI, PF4J and slf4j of the host; bundle the library"
            + " that has it in the plugin's lib/";

    /** A pipeline enabling {@code ids} whose one task would leave a marker; returns it. */
    private Path pipeline(String name, String... ids) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                plugins: [%s]
                processes:
                  a:
                    script: touch %s
                """.formatted(String.join(", ", java.util.Arrays.stream(ids).map(id -> "{id: " + id + "}").toList()),
                dir.resolve(name + ".ran")), StandardCharsets.UTF_8);
        return file;
    }

    /**
     * Validate and run refuse the pipeline with exit 3 and every expected part in the message; no task ran.
     */
    private void refused(Path plugins, Path pipeline, String... expected) throws Exception {
        for (String command : List.of("validate", "run")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, pipeline.toString(), "--plugins-dir",
                    plugins.toString()));
            if (command.equals("run")) {
                args.addAll(List.of("-w", dir.resolve("work").toString()));
            }
            SluiceProcess.Result r = SluiceProcess.run(dir, args.toArray(String[]::new));
            assertThat(r.exitCode()).as(command + ":\n" + r.all()).isEqualTo(3);
            assertThat(r.stderr()).as(command).contains("sluice: plugin problem, nothing was run:").contains(expected)
                    .doesNotContain("Exception").doesNotContain("Error:").doesNotContain("\tat ");
        }
        Path marker = Path.of(pipeline.toString().replace(".yaml", ".ran"));
        assertThat(marker).as("no task ran").doesNotExist();
    }

    @Test
    void aPluginBundlingTheSpiIsRefusedInsteadOfRunningWithoutItsGate() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .libJar("sluice-spi-0.1.0.jar", "dev.sluice.spi.TaskReadinessGate").zipInto(plugins);
        refused(plugins, pipeline("spi", "quota"), "plugin 'quota' 1.0.0 cannot be used: its zip " + zip
                + " bundles the sluice SPI (lib/sluice-spi-0.1.0.jar has dev/sluice/spi/TaskReadinessGate.class)",
                "declare it <scope>provided</scope>");
    }

    @Test
    void aPluginBundlingSlf4jIsRefused() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .libJar("slf4j-api-2.0.17.jar", "org.slf4j.Logger").zipInto(plugins);
        refused(plugins, pipeline("slf4j", "quota"), "plugin 'quota' 1.0.0 cannot be used: its zip " + zip
                + " bundles slf4j-api (lib/slf4j-api-2.0.17.jar has org/slf4j/Logger.class)",
                "declare it <scope>provided</scope>");
    }

    @Test
    void aPluginWithoutExtensionIndexIsRefused() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .withoutAnnotationProcessing().zipInto(plugins);
        refused(plugins, pipeline("noidx", "quota"), "plugin 'quota' 1.0.0 cannot be used: its zip " + zip
                + " has no extension index naming a class (classes/META-INF/extensions.idx), so it adds nothing",
                "build with PF4J's annotation processor on (javac -proc:full");
    }

    @Test
    void aMalformedRequiresIsRefusedAndBreaksNeitherOtherPipelinesNorTheList() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("quota").requires("banana").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .zipInto(plugins);
        refused(plugins, pipeline("banana", "quota"), "plugin 'quota' cannot be used: its zip " + zip
                + " has plugin.requires 'banana', which is not a range of sluice versions; write e.g. '>=0.1.0'");

        SluiceProcess.Result other = SluiceProcess.run(dir, "validate", pipeline("files", "files").toString(),
                "--plugins-dir", plugins.toString());
        assertThat(other.exitCode()).as(other.all()).isZero();
        assertThat(other.stdout()).contains("gates: files");

        SluiceProcess.Result list = SluiceProcess.run(dir, "plugins", "list", "--plugins-dir", plugins.toString());
        assertThat(list.exitCode()).as(list.all()).isZero();
        assertThat(list.stdout()).contains("quota").contains("unusable: its zip " + zip + " has plugin.requires"
                + " 'banana'").contains("files").contains("usable").contains("in " + zip);
    }

    @Test
    void aPluginWhoseDependencyIsMissingIsRefusedAloneAndItsDependentsWithIt() throws Exception {
        Path plugins = dir.resolve("p");
        Path needy = plugin("needy").dependencies("nothere").source("fx.NeedyGate", gateSource("NeedyGate", "needy"))
                .zipInto(plugins);
        Path fussy = plugin("fussy").dependencies("files@>=9.0.0").source("fx.FussyGate", gateSource("FussyGate", "fussy"))
                .zipInto(plugins);
        Path chained = plugin("chained").dependencies("needy").source("fx.ChainedGate",
                gateSource("ChainedGate", "chained")).zipInto(plugins);
        refused(plugins, pipeline("needy", "needy"), "plugin 'needy' cannot be used: its zip " + needy + " names plugin"
                + " 'nothere' in its plugin.dependencies, which is not installed; install it beside this one, or mark"
                + " the dependency optional ('nothere?')");
        refused(plugins, pipeline("fussy", "fussy"), "plugin 'fussy' cannot be used: its zip " + fussy + " needs plugin"
                + " 'files' >=9.0.0 (plugin.dependencies), and the one installed is 0.1.0; install a version that matches");
        // needy is installed: what it needs is what is missing.
        refused(plugins, pipeline("chained", "chained"), "plugin 'chained' cannot be used: its zip " + chained
                + " names plugin 'needy' in its plugin.dependencies, and plugin 'needy' cannot be used (sluice plugins"
                + " list shows why); fix it, or mark the dependency optional ('needy?')");

        // Pipelines that do not enable them, and the list, are unaffected (PF4J alone failed the whole load).
        SluiceProcess.Result other = SluiceProcess.run(dir, "validate", pipeline("files", "files").toString(),
                "--plugins-dir", plugins.toString());
        assertThat(other.exitCode()).as(other.all()).isZero();
        SluiceProcess.Result list = SluiceProcess.run(dir, "plugins", "list", "--plugins-dir", plugins.toString());
        assertThat(list.exitCode()).as(list.all()).isZero();
        assertThat(list.stdout()).contains("unusable: its zip " + needy + " names plugin 'nothere'");
    }

    @Test
    void anOptionalDependencyOnAMissingPluginLeavesThePluginUsable() throws Exception {
        Path plugins = dir.resolve("p");
        plugin("relaxed").dependencies("nothere?").source("fx.RelaxedGate", gateSource("RelaxedGate", "relaxed"))
                .zipInto(plugins);
        Path pipeline = pipeline("relaxed", "relaxed");
        SluiceProcess.Result run = SluiceProcess.run(dir, "run", pipeline.toString(), "--plugins-dir",
                plugins.toString(), "-w", dir.resolve("work").toString());
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(dir.resolve("relaxed.ran")).exists();
        SluiceProcess.Result list = SluiceProcess.run(dir, "plugins", "list", "--plugins-dir", plugins.toString());
        assertThat(list.stdout()).doesNotContain("unusable");
    }

    @Test
    void aVersionThatIsNotSemanticIsBlamedOnThePluginNotOnThePipeline() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("quota").version("1.0").source("fx.QuotaGate", gateSource("QuotaGate", "quota"))
                .zipInto(plugins);
        Path p = dir.resolve("semver.yaml");
        Files.writeString(p, """
                plugins: [{id: quota, version: ">=1.0.0"}]
                processes:
                  a: {script: touch %s}
                """.formatted(dir.resolve("semver.ran")));
        refused(plugins, p, "plugin 'quota' cannot be used: its zip " + zip + " has plugin.version '1.0', which is"
                + " not a semantic version (MAJOR.MINOR.PATCH); write e.g. '1.0.0'");
    }

    @Test
    void twoGatesOfOneIdAreRefusedByValidateToo() throws Exception {
        Path plugins = dir.resolve("p");
        Path one = plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota")).zipInto(plugins);
        Path two = plugin("quota2").source("fy.OtherGate", gateSource("OtherGate", "quota").replace("package fx",
                "package fy")).zipInto(plugins);
        refused(plugins, pipeline("dup", "quota", "quota2"), "two readiness gates have the id 'quota': fx.QuotaGate of"
                + " plugin 'quota' (" + one + "), and fy.OtherGate of plugin 'quota2' (" + two + ")",
                "change one's id(), or leave one of the plugins out of the pipeline");
    }

    @Test
    void aMissingClassSaysToBundleItInLib() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("guava").source("fx.GuavaGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class GuavaGate implements TaskReadinessGate {
                    private final String id = com.google.common.base.Strings.nullToEmpty("guava");
                    public String id() { return id; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(plugins);
        refused(plugins, pipeline("guava", "guava"), "plugin 'guava' (" + zip + "): cannot create extension"
                + " fx.GuavaGate: class com.google.common.base.Strings is missing: " + HINT);
    }

    /** Regression: "class Could is missing" for a class that is there, and whose static initializer failed. */
    @Test
    void aClassWhoseStaticInitializerFailedIsNamedWithWhatItThrew() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("init").source("fx.Tokens", """
                package fx;
                public class Tokens {
                    static final String FILE = load();
                    static String load() {
                        throw new IllegalStateException(new java.io.IOException("/etc/tokens unreadable"));
                    }
                }
                """).source("fx.InitGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class InitGate implements TaskReadinessGate {
                    private final String file = Tokens.FILE;
                    public String id() { return "init"; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(plugins);
        refused(plugins, pipeline("init", "init"), "plugin 'init' (" + zip + "): cannot create extension fx.InitGate:"
                + " class fx.Tokens failed in its static initializer: /etc/tokens unreadable");
    }

    @Test
    void aConstructorThatThrowsNamesThePluginAndItsZip() throws Exception {
        Path plugins = dir.resolve("p");
        Path zip = plugin("ctor").source("fx.CtorGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class CtorGate implements TaskReadinessGate {
                    public CtorGate() { throw new IllegalArgumentException("no token configured"); }
                    public String id() { return "ctor"; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(plugins);
        refused(plugins, pipeline("ctor", "ctor"), "plugin 'ctor' (" + zip + "): extension fx.CtorGate failed in its"
                + " constructor: no token configured");
    }

    @Test
    void aPluginFailuresStackTraceIsOnTheConsoleAtVv() throws Exception {
        Path plugins = dir.resolve("p");
        plugin("ctor").source("fx.CtorGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class CtorGate implements TaskReadinessGate {
                    public CtorGate() { throw new IllegalArgumentException("no token configured"); }
                    public String id() { return "ctor"; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(plugins);
        Path pipeline = pipeline("ctor", "ctor");
        SluiceProcess.Result quiet = SluiceProcess.run(dir, "run", pipeline.toString(), "--plugins-dir",
                plugins.toString(), "-w", dir.resolve("work").toString());
        assertThat(quiet.exitCode()).isEqualTo(3);
        assertThat(quiet.stderr().lines()).contains(VV_HINT);
        assertThat(quiet.stderr()).doesNotContain("\tat ");
        SluiceProcess.Result verbose = SluiceProcess.run(dir, "run", pipeline.toString(), "--plugins-dir",
                plugins.toString(), "-w", dir.resolve("work").toString(), "-vv");
        assertThat(verbose.exitCode()).as(verbose.all()).isEqualTo(3);
        assertThat(verbose.stderr()).contains("IllegalArgumentException: no token configured")
                .contains("at fx.CtorGate.<init>");
    }

    private static final String VV_HINT = "  (run again with -vv for the plugin's stack trace)";

    /** Regression: a plugin refused as it loaded (here: its extension class) has a stack trace too, at -vv. */
    @Test
    void aPluginRefusedAsItLoadedPointsToVvToo() throws Exception {
        Path plugins = dir.resolve("p");
        plugin("linkage").source("fx.LinkageGate", """
                package fx;
                import dev.sluice.spi.*;
                @org.pf4j.Extension
                public class LinkageGate implements TaskReadinessGate, com.google.common.base.Supplier<String> {
                    public String get() { return "linkage"; }
                    public String id() { return "linkage"; }
                    public void prepare(TaskHandle task) { }
                }
                """).zipInto(plugins);
        Path pipeline = pipeline("linkage", "linkage");
        SluiceProcess.Result quiet = SluiceProcess.run(dir, "run", pipeline.toString(), "--plugins-dir",
                plugins.toString(), "-w", dir.resolve("work").toString());
        assertThat(quiet.exitCode()).as(quiet.all()).isEqualTo(3);
        assertThat(quiet.stderr()).contains("its extension fx.LinkageGate (in ")
                .contains("cannot be loaded: class com.google.common.base.Supplier is missing: " + HINT);
        assertThat(quiet.stderr().lines()).contains(VV_HINT);
        SluiceProcess.Result verbose = SluiceProcess.run(dir, "run", pipeline.toString(), "--plugins-dir",
                plugins.toString(), "-w", dir.resolve("work").toString(), "-vv");
        assertThat(verbose.exitCode()).as(verbose.all()).isEqualTo(3);
        assertThat(verbose.stderr()).contains("NoClassDefFoundError: com/google/common/base/Supplier")
                .contains("\tat ").doesNotContain(VV_HINT);
    }

    @Test
    void pluginsDirAddsToTheBundledPluginsAndNoBundledPluginsLeavesThemOut() throws Exception {
        Path plugins = dir.resolve("mine");
        plugin("quota").source("fx.QuotaGate", gateSource("QuotaGate", "quota")).zipInto(plugins);
        Path both = pipeline("both", "files", "quota");
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", both.toString(), "--plugins-dir",
                plugins.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("gates: files, quota");

        SluiceProcess.Result only = SluiceProcess.run(dir, "validate", both.toString(), "--no-bundled-plugins",
                "--plugins-dir", plugins.toString());
        assertThat(only.exitCode()).as(only.all()).isEqualTo(3);
        assertThat(only.stderr()).contains("plugin 'files' is not installed in " + plugins + " (installed: quota)");

        SluiceProcess.Result none = SluiceProcess.run(dir, "plugins", "list", "--no-bundled-plugins");
        assertThat(none.exitCode()).as(none.all()).isEqualTo(2);
        assertThat(none.stderr()).contains("--no-bundled-plugins leaves out the bundled plugins and no --plugins-dir"
                + " names others");

        SluiceProcess.Result help = SluiceProcess.run(dir, "run", "--help");
        assertThat(help.stdout()).contains("Also load the plugins installed in DIR")
                .contains("--no-bundled-plugins");

        SluiceProcess.Result typo = SluiceProcess.run(dir, "validate", both.toString(), "--plugins-dir",
                dir.resolve("nope").toString());
        assertThat(typo.exitCode()).as(typo.all()).isEqualTo(2);
        assertThat(typo.stderr()).contains("--plugins-dir " + dir.resolve("nope") + ": no such directory");
    }

    @Test
    void aPluginOfABundledIdInTheUsersDirectoryIsRefusedNamingBothPlaces() throws Exception {
        Path plugins = dir.resolve("mine");
        Path mine = plugin("files").source("fx.MyFilesGate", gateSource("MyFilesGate", "files")).zipInto(plugins);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", pipeline("twice", "files").toString(),
                "--plugins-dir", plugins.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        assertThat(r.stderr()).contains("plugin 'files' cannot be used: it is installed in more than one place: "
                + SluiceProcess.dist().resolve("plugins")).contains(" and " + mine + "; a plugin id may be installed"
                + " in one place only: remove all but one (--no-bundled-plugins leaves out the bundled plugins)");

        SluiceProcess.Result alone = SluiceProcess.run(dir, "validate", pipeline("alone", "files").toString(),
                "--no-bundled-plugins", "--plugins-dir", plugins.toString());
        assertThat(alone.exitCode()).as(alone.all()).isZero();
    }
}
