package dev.sluice.host.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line's model made in code. Read from annotations, picocli's model cost every start
 * about 30 ms of reflection (annotation proxies and the accessors the JDK generates for them) and the
 * compiler's time for the JDK's class-file library that generated them; built from calls it costs
 * neither (docs/adr/2026-11-22-local-launch-cost.md, 2026-12-05 stop 33).
 */
final class CommandSpecs {
    /** The key picocli keeps the standard help options under ({@code CommandSpec.mixinStandardHelpOptions()}). */
    private static final String STANDARD_HELP_OPTIONS = "mixinStandardHelpOptions";

    private CommandSpecs() {
    }

    /**
     * A command named {@code name} that runs {@code command} (a {@code Runnable} or a {@code Callable}),
     * described by {@code description} (a paragraph per string), with -h/--help and -V/--version.
     */
    static CommandSpec command(Object command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.name(name);
        spec.usageMessage().description(description);
        spec.versionProvider(new SluiceMain.Version());
        CommandSpec help = CommandSpec.create();
        help.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        help.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        spec.addMixin(STANDARD_HELP_OPTIONS, help);
        return spec;
    }

    /**
     * A boolean option: true when given alone; {@code --flag=true} and {@code --flag=false} are read too, as
     * picocli reads a boolean field (its arity is left to picocli for that).
     */
    static OptionSpec flag(String description, String... names) {
        return OptionSpec.builder(names).type(boolean.class).initialValue(false).description(description).build();
    }

    /** Whether a {@link #flag} was given. */
    static boolean isSet(OptionSpec flag) {
        return Boolean.TRUE.equals(flag.getValue());
    }

    /**
     * Readies a command line made of these specs: converters of its own for the value types picocli
     * would otherwise convert through reflection (a file name to a {@link Path}); call it after every
     * subcommand is added, since picocli hands a converter only to the commands it has by then.
     */
    static CommandLine ready(CommandLine cli) {
        cli.registerConverter(Path.class, Path::of);
        return cli;
    }

    /**
     * Tells picocli, before its first command line is made, not to look up the converters it finds
     * through reflection (for {@code java.sql}, {@code java.time} and {@link Path}; none but the last is used
     * here, and {@link #ready} gives it one of its own), nor Groovy's closures (a miss that opened
     * every jar of the distribution, 13 ms of every start).
     */
    static void withoutReflection() {
        System.setProperty("picocli.converters.excludes", ".*");
        System.setProperty("picocli.disable.closures", "true");
    }
}
