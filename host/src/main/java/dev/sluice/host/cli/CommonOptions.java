package dev.sluice.host.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that read pipelines and plugins. */
final class CommonOptions {
    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "Where plugin zips are installed (default: $SLUICE_PLUGINS_DIR, else the "
                    + "distribution's plugins/ folder).")
    Path pluginsDir;

    @Option(names = {"-v", "--verbose"}, description = "More log output; twice for debug.")
    boolean[] verbose = new boolean[0];

    Path pluginsDir() {
        if (pluginsDir != null) {
            return pluginsDir;
        }
        String env = System.getenv("SLUICE_PLUGINS_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String home = System.getProperty("sluice.home");
        return home != null ? Path.of(home, "plugins") : Path.of("plugins");
    }
}
