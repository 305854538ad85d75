package dev.sluice.host.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Options shared by the commands that read pipelines and plugins. */
final class CommonOptions {
    private final OptionSpec pluginsDir = OptionSpec.builder("--plugins-dir").type(List.class)
            .auxiliaryTypes(Path.class).paramLabel("DIR")
            .description("Also load the plugins installed in DIR, beside the bundled ones; repeatable. The "
                    + "bundled plugins are those of $SLUICE_PLUGINS_DIR, else of the distribution's plugins/ folder.")
            .build();

    private final OptionSpec noBundledPlugins = CommandSpecs.flag("Leave out the bundled plugins: only those in the "
            + "--plugins-dir directories are loaded (e.g. to try a plugin of the same id as a bundled one).",
            "--no-bundled-plugins");

    private final OptionSpec verbose = OptionSpec.builder("-v", "--verbose").type(boolean[].class).arity("0")
            .description("More log output; twice for debug.").build();

    /** Adds these options to {@code command}. */
    void addTo(CommandSpec command) {
        command.addOption(pluginsDir);
        command.addOption(noBundledPlugins);
        command.addOption(verbose);
    }

    /** How often -v was given: 0 warnings, 1 info, 2 or more debug. */
    int verbosity() {
        boolean[] given = verbose.getValue();
        return given == null ? 0 : given.length;
    }

    private List<Path> pluginsDirsGiven() {
        List<Path> given = pluginsDir.getValue();
        return given == null ? List.of() : given;
    }

    /** The bundled plugins directory: $SLUICE_PLUGINS_DIR, else the distribution's plugins/. */
    static Path bundledPluginsDir() {
        String env = System.getenv("SLUICE_PLUGINS_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String home = System.getProperty("sluice.home");
        return home != null ? Path.of(home, "plugins") : Path.of("plugins");
    }

    /** Where plugins are looked for: the bundled directory unless left out, then each --plugins-dir. */
    List<Path> pluginsDirs() {
        List<Path> dirs = new ArrayList<>();
        if (!CommandSpecs.isSet(noBundledPlugins)) {
            dirs.add(bundledPluginsDir());
        }
        for (Path dir : pluginsDirsGiven()) {
            // The bundled directory named again (as --plugins-dir replaced it before), however written, is one
            // place, not a second copy of every plugin.
            if (dirs.stream().noneMatch(d -> samePlace(d, dir))) {
                dirs.add(dir);
            }
        }
        return dirs;
    }

    /**
     * What is wrong with the plugin options, or {@code null}: a --plugins-dir that is not a directory is a
     * typo more often than an empty place, and a command left with no plugins directory at all says so.
     */
    String pluginsDirsProblem() {
        for (Path dir : pluginsDirsGiven()) {
            if (!Files.isDirectory(dir)) {
                return "--plugins-dir " + dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                        + "; give the directory that holds the plugin zips";
            }
        }
        if (CommandSpecs.isSet(noBundledPlugins) && pluginsDirsGiven().isEmpty()) {
            return "--no-bundled-plugins leaves out the bundled plugins and no --plugins-dir names others; add"
                    + " --plugins-dir DIR, or drop --no-bundled-plugins";
        }
        return null;
    }

    private static boolean samePlace(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
