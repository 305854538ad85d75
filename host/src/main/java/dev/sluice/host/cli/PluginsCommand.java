package dev.sluice.host.cli;

import dev.sluice.host.plugins.PluginHost;
import dev.sluice.host.plugins.PluginInfo;
import dev.sluice.host.run.ExitCodes;
import dev.sluice.host.run.HostVersion;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TimeSource;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sluice plugins list}. */
@Command(name = "plugins", mixinStandardHelpOptions = true, description = "Inspect installed plugins.",
        subcommands = PluginsCommand.ListCommand.class)
final class PluginsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the plugins in the plugins directories, with their version, state and place; an "
                    + "unusable one with why and the fix.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        CommonOptions common = new CommonOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SluiceMain.configureLogging(common.verbose.length, false);
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
}
