package dev.sluice.host.config;

import static dev.sluice.host.pipeline.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.host.pipeline.ErrorStrategy;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import dev.sluice.host.pipeline.ProcessSettings;
import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.host.pipeline.TestFiles;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path file;

    @Test
    void loadsEveryKeyOfTheExampleConfig() throws Exception {
        Path file = TestFiles.example("config.yaml");

        OperatorConfig config = ConfigLoader.load(file);

        assertThat(config.file()).isEqualTo(file);
        ExecutorSettings local = config.executors().get("local");
        assertThat(local.name()).isEqualTo("local");
        assertThat(local.queueSize()).isEqualTo(8);
        assertThat(local.submitRateLimit()).isEqualTo(RateLimit.parse("100/s"));
        assertThat(local.pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(local.raw()).containsExactly(Map.entry("queueSize", "8"), Map.entry("submitRateLimit", "100/s"),
                Map.entry("pollInterval", "1s"), Map.entry("cpus", "4"), Map.entry("memory", "8GB"));
        assertThat(local.settings().size("memory", 0)).isEqualTo(8L << 30);

        assertThat(config.defaults()).isEqualTo(ProcessSettings.builder().errorStrategy(ErrorStrategy.FINISH)
                .memoryBytes(1L << 30).build());
        assertThat(config.withLabel()).containsOnlyKeys("big");
        assertThat(config.withLabel().get("big")).isEqualTo(ProcessSettings.builder().cpus(8)
                .hint("files/maxWait", "1h").build());
        assertThat(config.withName().get("align")).isEqualTo(ProcessSettings.builder().executor("local").maxRetries(5)
                .pollInterval(Duration.ofSeconds(5)).build());
        assertThat(config.plugins()).isEqualTo(Map.of("files", Map.of("pollInterval", "2s")));
        assertThat(config.pluginSettings("files").duration("pollInterval")).contains(Duration.ofSeconds(2));
        assertThat(config.pluginSettings("other").keys()).isEmpty();
        assertThat(config.locations()).containsEntry("process.withName.align", new Location(file, 9, 5))
                .containsEntry("process.withLabel.big", new Location(file, 7, 5))
                .containsEntry("executors.local", new Location(file, 3, 3));
    }

    @Test
    void anEmptyFileIsAnEmptyConfig() throws Exception {
        Path file = write(dir, "c.yaml", "# nothing configured\n");

        OperatorConfig config = ConfigLoader.load(file);

        assertThat(config.file()).isEqualTo(file);
        assertThat(config.defaults()).isEqualTo(ProcessSettings.NONE);
        assertThat(config.withLabel()).isEmpty();
        assertThat(config.withName()).isEmpty();
        assertThat(config.executors()).isEmpty();
        assertThat(config.plugins()).isEmpty();
    }

    @Test
    void emptySectionsAreEmpty() throws Exception {
        Path file = write(dir, "c.yaml", """
                executors:
                process:
                  defaults:
                  withLabel:
                plugins:
                """);

        OperatorConfig config = ConfigLoader.load(file);

        assertThat(config.defaults()).isEqualTo(ProcessSettings.NONE);
        assertThat(config.executors()).isEmpty();
    }

    @Test
    void executorsKeepKeysTheHostDoesNotKnowForTheExecutor() throws Exception {
        Path file = write(dir, "c.yaml", "executors: {slurm: {queue: long, account: lab42}}\n");

        ExecutorSettings slurm = ConfigLoader.load(file).executors().get("slurm");

        assertThat(slurm.queueSize()).isNull();
        assertThat(slurm.raw()).containsExactly(Map.entry("queue", "long"), Map.entry("account", "lab42"));
        assertThat(slurm.settings().string("account")).contains("lab42");
        assertThat(slurm.adoptLeftovers()).as("leftovers left to the default").isNull();
        assertThat(ConfigLoader.load(write(dir, "d.yaml", "executors: {slurm: {leftovers: end}}\n")).executors()
                .get("slurm").adoptLeftovers()).isFalse();
    }

    private InvalidInputException failure(String yaml) {
        file = write(dir, "config.yaml", yaml);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> ConfigLoader.load(file));
        assertThat(e).as("loading should fail:\n" + yaml).isNotNull();
        return e;
    }

    private Problem onlyProblem(String yaml) {
        List<Problem> problems = failure(yaml).problems();
        assertThat(problems).as(problems.toString()).hasSize(1);
        return problems.get(0);
    }

    @Test
    void allowedPluginsIsReadAndASectionForAPluginOutsideItIsRefusedAtItsLine() throws Exception {
        Path ok = write(dir, "ok.yaml", "allowedPlugins: [files, docker]\nplugins: {files: {}}\n");
        assertThat(ConfigLoader.load(ok).allowedPlugins()).containsExactly("docker", "files");
        assertThat(ConfigLoader.load(write(dir, "none.yaml", "plugins: {files: {}}\n")).allowedPlugins())
                .as("not set: any installed plugin").isNull();

        Problem p = onlyProblem("allowedPlugins: [docker]\nplugins:\n  files: {}\n");
        assertThat(p.location()).isEqualTo(new Location(file, 3, 3));
        assertThat(p.field()).isEqualTo("plugins.files");
        assertThat(p.message()).isEqualTo("plugin 'files' has settings here but is not in allowedPlugins (docker);"
                + " add it there or remove its section");
    }

    @Test
    void malformedYaml() {
        Problem p = onlyProblem("process:\n  defaults: {cpus: 2\nplugins: {}\n");

        assertThat(p.location().file()).isEqualTo(file);
        assertThat(p.location().line()).isEqualTo(3);
        assertThat(p.message()).startsWith("malformed YAML: while parsing a flow mapping");
    }

    @Test
    void unknownTopLevelSectionSuggestsTheClosest() {
        Problem p = onlyProblem("executor: {local: {queueSize: 2}}\n");

        assertThat(p.location()).isEqualTo(new Location(file, 1, 1));
        assertThat(p.field()).isEqualTo("executor");
        assertThat(p.message()).isEqualTo("unknown field 'executor'; did you mean 'executors'?");
    }

    @Test
    void unknownFieldInASelectorSuggestsTheClosest() {
        Problem p = onlyProblem("""
                process:
                  withName:
                    align: {maxRetry: 3}
                """);

        assertThat(p.location()).isEqualTo(new Location(file, 3, 13));
        assertThat(p.field()).isEqualTo("process.withName.align.maxRetry");
        assertThat(p.message()).isEqualTo("unknown field 'maxRetry'; did you mean 'maxRetries'?");
    }

    @Test
    void pipelineOnlyFieldsInTheConfigSayWhereTheyBelong() {
        Problem p = onlyProblem("process: {withName: {align: {command: [x]}}}\n");

        assertThat(p.field()).isEqualTo("process.withName.align.command");
        assertThat(p.message()).startsWith("unknown field 'command'; command is set in the pipeline file");
    }

    @Test
    void settingsStraightUnderProcessPointToDefaults() {
        Problem p = onlyProblem("process: {errorStrategy: retry}\n");

        assertThat(p.field()).isEqualTo("process.errorStrategy");
        assertThat(p.message()).contains("go under process.defaults");
    }

    @Test
    void duplicateKeys() {
        Problem p = onlyProblem("""
                process:
                  withName:
                    align: {cpus: 1}
                    align: {cpus: 2}
                """);

        assertThat(p.field()).isEqualTo("process.withName.align");
        assertThat(p.location()).isEqualTo(new Location(file, 4, 5));
        assertThat(p.message()).isEqualTo("duplicate key 'align', already set at line 3:5; remove one of them");
    }

    @Test
    void wrongTypes() {
        List<Problem> problems = failure("""
                executors: [local]
                process:
                  withLabel:
                    big: 8
                plugins:
                  files: {paths: {a: b}}
                """).problems();

        assertThat(problems).extracting(Problem::field)
                .containsExactly("executors", "process.withLabel.big", "plugins.files.paths");
        assertThat(problems.get(0).message()).startsWith("expected a map of executor names").endsWith("got a list");
        assertThat(problems.get(1).message()).startsWith("expected a map of process settings")
                .endsWith("got the text '8'");
        assertThat(problems.get(2).message()).startsWith("expected a text value or a list of them");
    }

    @Test
    void listsInPluginAndExecutorSettingsAreReadBackAsLists() throws Exception {
        Path file = write(dir, "lists.yaml", """
                executors:
                  docker: {cpus: 4}
                plugins:
                  docker: {allowedImages: ["lab/*", "busybox:1.*"], network: none}
                """);
        OperatorConfig config = ConfigLoader.load(file);
        Settings docker = Settings.of(config.plugins().get("docker"), "plugins.docker");
        assertThat(docker.list("allowedImages")).containsExactly("lab/*", "busybox:1.*");
        assertThat(docker.list("network")).containsExactly("none");
        assertThat(docker.list("missing")).isEmpty();
    }

    @Test
    void badValuesInSelectorsAndExecutors() {
        List<Problem> problems = failure("""
                executors:
                  local: {queueSize: 0, submitRateLimit: fast, pollInterval: soon, leftovers: keep}
                process:
                  defaults: {errorStrategy: panic, maxRetries: -2}
                  withLabel:
                    big: {resources: {memory: huge, time: forever}, hints: {maxWait: 1h}}
                """).problems();

        assertThat(problems).extracting(Problem::field).containsExactly(
                "executors.local.queueSize", "executors.local.submitRateLimit", "executors.local.pollInterval",
                "executors.local.leftovers", "process.defaults.errorStrategy", "process.defaults.maxRetries",
                "process.withLabel.big.resources.memory", "process.withLabel.big.resources.time",
                "process.withLabel.big.hints.maxWait");
        assertThat(problems).extracting(Problem::message).containsExactly(
                "0 is too small; write a whole number of at least 1",
                "'fast' is not a rate; write <count>/<period>, e.g. 10/s, 100/1m, 5/30s, 1000/1h",
                "'soon' is not a duration; write e.g. 500ms, 30s, 5m, 1h30m, 2d",
                "'keep' is not a way to treat leftovers; write adopt or end (what --resume does with the tasks a"
                        + " killed host left running)",
                "'panic' is not an error strategy; write one of terminate, finish, ignore, retry",
                "-2 is too small; write a whole number of at least 0",
                "'huge' is not a size; write e.g. 512MB, 2GB, 1.5 GiB, or a number of bytes",
                "'forever' is not a duration; write e.g. 500ms, 30s, 5m, 1h30m, 2d",
                "hint key 'maxWait' has no plugin namespace; write <plugin>/<name>, e.g. files/maxWait");
        assertThat(problems.get(0).location()).isEqualTo(new Location(file, 2, 22));
    }

    @Test
    void badSelectorNames() {
        List<Problem> problems = failure("process: {withName: {\"a b\": {queueSize: 1}}, withLabel: {\"x y\": {queueSize: 1}}}\n")
                .problems();

        assertThat(problems).extracting(Problem::field)
                .containsExactly("process.withName.a b", "process.withLabel.x y");
        assertThat(problems.get(0).message()).isEqualTo("'a b' is not a valid process name; use letters, digits,"
                + " '_' and '-'");
        // A label may hold '.', as the pipeline's labels do (PipelineLoader.LABEL).
        assertThat(problems.get(1).message()).isEqualTo("'x y' is not a valid label; use letters, digits, '_', '-'"
                + " and '.'");
    }

    @Test
    void aMissingFile() {
        Path missing = dir.resolve("sluice.yaml");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> ConfigLoader.load(missing));

        assertThat(e.getMessage()).isEqualTo("no such file: " + missing + "; check the config file's path");
    }

    @Test
    void aRelativeMissingFileAlsoShowsWhereItWasLookedFor() {
        Path missing = Path.of("no-such-dir-for-sluice-tests/sluice.yaml");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> ConfigLoader.load(missing));

        assertThat(e.getMessage()).isEqualTo("no such file: " + missing + " (" + missing.toAbsolutePath()
                + "); check the config file's path");
    }
}
