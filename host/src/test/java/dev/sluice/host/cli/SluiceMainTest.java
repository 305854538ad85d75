package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** Which subcommands a command line is built with, and that help reads the same either way. */
class SluiceMainTest {

    @Test
    void eachSubcommandIsListedUnderTheNameItsSpecGives() {
        assertThat(SluiceMain.SUBCOMMANDS).isNotEmpty();
        for (Map.Entry<String, Supplier<Object>> e : SluiceMain.SUBCOMMANDS.entrySet()) {
            Object command = e.getValue().get();
            String name = command instanceof CommandSpec spec ? spec.name()
                    : command.getClass().getAnnotation(Command.class).name();
            assertThat(name).as(e.getKey()).isEqualTo(e.getKey());
        }
    }

    @Test
    void aCallNamingASubcommandGetsThatOneOnlyAndAnyOtherGetsThemAll() {
        assertThat(SluiceMain.commandLine("run", "pipeline.yaml").getSubcommands()).containsOnlyKeys("run");
        assertThat(SluiceMain.commandLine("plugins", "list").getSubcommands()).containsOnlyKeys("plugins");
        for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"help", "run"}, {"rnu"}, {"-x", "run"}}) {
            assertThat(SluiceMain.commandLine(args).getSubcommands().keySet()).as(String.join(" ", args))
                    .containsExactlyElementsOf(SluiceMain.SUBCOMMANDS.keySet());
        }
    }

    @Test
    void helpListsEverySubcommandAndASubcommandsHelpIsItsOwn() {
        String help = output(SluiceMain.commandLine("--help"), "--help");
        List<String> commands = help.lines().dropWhile(l -> !l.equals("Commands:")).skip(1)
                .takeWhile(l -> !l.isBlank()).filter(l -> l.startsWith("  ") && !l.startsWith("   "))
                .map(l -> l.strip().split("\\s+")[0]).toList();
        assertThat(commands).containsExactlyElementsOf(SluiceMain.SUBCOMMANDS.keySet());
        String run = output(SluiceMain.commandLine("run", "--help"), "run", "--help");
        assertThat(run).contains("Usage: sluice run").doesNotContain("validate");
        // A mistyped subcommand is told apart from the real ones, as before.
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceMain.commandLine("rnu");
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("rnu")).isEqualTo(2);
        assertThat(err.toString()).contains("rnu").contains("run");
    }

    @Test
    void flagsAreReadAloneOrWithAValueAndVerbosityCountsItsRepeats() {
        CommandLine cli = SluiceMain.commandLine("run");
        cli.parseArgs("run", "--quiet=true", "--resume", "--no-trace=false", "-vv", "-v", "pipeline.yaml");
        CommandSpec run = cli.getSubcommands().get("run").getCommandSpec();
        assertThat((Boolean) run.findOption("--quiet").getValue()).isTrue();
        assertThat((Boolean) run.findOption("--resume").getValue()).isTrue();
        assertThat((Boolean) run.findOption("--no-trace").getValue()).isFalse();
        assertThat((Boolean) run.findOption("--no-events").getValue()).isFalse();
        assertThat((boolean[]) run.findOption("--verbose").getValue()).hasSize(3);
    }

    private static String output(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }
}
