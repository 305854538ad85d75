package dev.sluice.host.cli;

import dev.sluice.host.plugins.PluginHost;
import dev.sluice.host.plugins.PluginInfo;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.HostVersion;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code sluice plugins list} and {@code sluice plugins new}. */
final class PluginsCommand implements Runnable {
    final CommandSpec spec = CommandSpecs.command(this, "plugins",
            "Inspect installed plugins, or start a new plugin project.");

    PluginsCommand() {
        spec.addSubcommand("list", new CommandLine(new ListCommand().spec));
        spec.addSubcommand("new", new CommandLine(new NewCommand().spec));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class ListCommand implements Callable<Integer> {
        final CommandSpec spec = CommandSpecs.command(this, "list", "List the plugins in the plugins directories, with"
                + " their version, state and place; an unusable one with why and the fix.");

        private final CommonOptions common = new CommonOptions();

        ListCommand() {
            common.addTo(spec);
        }

        @Override
        public Integer call() {
            SluiceMain.configureLogging(common.verbosity(), false);
            PrintWriter out = spec.commandLine().getOut();
            String optionsProblem = common.pluginsDirsProblem();
            if (optionsProblem != null) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("sluice: " + optionsProblem);
                err.flush();
                return ExitCodes.INVALID_INPUT;
            }
            List<java.nio.file.Path> dirs = common.pluginsDirs();
            try (PluginHost host = new PluginHost(dirs, HostVersion.systemVersion(),
                    id -> Settings.of(Map.of(), "no config"), TimeSource.system(), id -> PluginMetrics.none())) {
                List<PluginInfo> plugins = host.available();
                out.println("Plugins in " + String.join(", ", dirs.stream()
                        .map(d -> d.toAbsolutePath().normalize().toString()).toList()) + ":");
                if (plugins.isEmpty()) {
                    out.println("  (none)");
                }
                for (PluginInfo p : plugins) {
                    String state = p.problem() == null ? "usable" : "unusable: " + p.problem();
                    out.printf("  %-12s %-10s requires %-10s %s%n", p.id(), p.version(),
                            p.requires().isBlank() ? "*" : p.requires(), state);
                    if (p.description() != null && !p.description().isBlank()) {
                        out.println("    " + p.description());
                    }
                    out.println("    in " + p.path());
                }
                out.flush();
                return ExitCodes.OK;
            }
        }
    }

    static final class NewCommand implements Callable<Integer> {
        final CommandSpec spec = CommandSpecs.command(this, "new", "Create a plugin project in a new directory: a pom"
                + " whose parent is sluice-plugin-parent, one extension of the chosen type with its unit tests, a test"
                + " that runs a pipeline through the built zip in a real sluice, an example pipeline and a README.",
                "Build it with `mvn verify` after `./build install` in the sluice checkout has put the plugin kit into"
                        + " the local Maven repository.");

        private final PositionalParamSpec id = PositionalParamSpec.builder().index("0").required(true)
                .type(String.class).paramLabel("ID")
                .description("The plugin's id, which pipelines enable it by: lower-case letters, digits and '-'.")
                .build();

        private final OptionSpec type = OptionSpec.builder("--type").type(String.class).required(true)
                .paramLabel("TYPE").description("What the plugin adds: gate, executor, wrapper or monitor.").build();

        private final OptionSpec dir = OptionSpec.builder("--dir").type(Path.class).paramLabel("DIR")
                .description("Where to create the project (default: ./sluice-plugin-ID). Must not exist or be"
                        + " empty.").build();

        private final OptionSpec packageName = OptionSpec.builder("--package").type(String.class)
                .paramLabel("PACKAGE").description("The Java package (default: org.example.sluice.ID without dashes).")
                .build();

        private final OptionSpec groupId = OptionSpec.builder("--group-id").type(String.class).paramLabel("GROUP")
                .defaultValue("org.example").description("The Maven group id (default: ${DEFAULT-VALUE}).").build();

        private final OptionSpec description = OptionSpec.builder("--description").type(String.class)
                .paramLabel("TEXT").description("One line on what the plugin does (default: the template's).").build();

        NewCommand() {
            spec.addPositional(id);
            for (OptionSpec option : List.of(type, dir, packageName, groupId, description)) {
                spec.addOption(option);
            }
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String id = this.id.getValue();
            String type = this.type.getValue();
            Path dir = this.dir.getValue();
            String packageName = this.packageName.getValue();
            String groupId = this.groupId.getValue();
            String description = this.description.getValue();
            PluginProject.Kind kind = null;
            for (PluginProject.Kind k : PluginProject.Kind.values()) {
                if (k.word().equals(type)) {
                    kind = k;
                }
            }
            List<String> problems = new java.util.ArrayList<>(PluginProject.problems(id, packageName, groupId));
            if (kind == null) {
                problems.add("--type '" + type + "': write gate, executor, wrapper or monitor");
            }
            Path target = dir != null ? dir : Path.of("sluice-plugin-" + id);
            if (Files.exists(target) && !isEmptyDirectory(target)) {
                problems.add(target.toAbsolutePath().normalize() + " already exists and is not empty; pass --dir with"
                        + " a new directory");
            }
            if (!problems.isEmpty()) {
                problems.forEach(p -> err.println("sluice plugins new: " + p));
                err.flush();
                return ExitCodes.INVALID_INPUT;
            }
            String pkg = packageName != null ? packageName : PluginProject.defaultPackage(id);
            PluginProject project = new PluginProject(id, kind, pkg, groupId,
                    description != null ? description : kind.description, HostVersion.version());
            try {
                List<Path> files = project.writeTo(target);
                Path shown = target.toAbsolutePath().normalize();
                out.println("Created the " + kind.word() + " plugin '" + id + "' in " + shown + ":");
                for (Path f : files) {
                    out.println("  " + shown.relativize(f.toAbsolutePath().normalize()));
                }
                out.println("Next: cd " + shown + " && mvn verify   (needs the plugin kit: ./build install in sluice)");
                out.flush();
                return ExitCodes.OK;
            } catch (IOException e) {
                err.println("sluice plugins new: could not write the project in " + target + ": "
                        + dev.sluice.kit.IoErrors.describe(e));
                err.flush();
                return ExitCodes.INVALID_INPUT;
            }
        }

        private static boolean isEmptyDirectory(Path path) {
            try (java.util.stream.Stream<Path> entries = Files.list(path)) {
                return entries.findAny().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }
    }
}
