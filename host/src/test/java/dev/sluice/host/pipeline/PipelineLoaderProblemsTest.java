package dev.sluice.host.pipeline;

import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import dev.sluice.yaml.InvalidInputException;

import static dev.sluice.host.pipeline.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad pipeline input gives a problem with place, field and fix. */
class PipelineLoaderProblemsTest {
    @TempDir
    Path dir;

    private Path file;

    private InvalidInputException failure(String yaml) {
        file = write(dir, "p.yaml", yaml);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> PipelineLoader.load(file));
        assertThat(e).as("loading should fail:\n" + yaml).isNotNull();
        return e;
    }

    private Problem onlyProblem(String yaml) {
        List<Problem> problems = failure(yaml).problems();
        assertThat(problems).as(problems.toString()).hasSize(1);
        return problems.get(0);
    }

    private Location at(int line, int column) {
        return new Location(file, line, column);
    }

    @Test
    void malformedYamlIsReportedWhereTheParserFoundIt() {
        Problem p = onlyProblem("""
                processes:
                  a: {command: [x]
                  b: {command: [y]}
                """);

        assertThat(p.location()).isEqualTo(at(3, 3));
        assertThat(p.field()).isEmpty();
        assertThat(p.message()).startsWith("malformed YAML: while parsing a flow mapping")
                .contains("check the indentation").doesNotContain("in 'reader'");
    }

    @Test
    void tabIndentationIsReportedOnTheLineOfTheTab() {
        Problem p = onlyProblem("processes:\n\ta: {command: [x]}\n");

        assertThat(p.location()).isEqualTo(at(2, 1));
        assertThat(p.message()).contains("TAB");
    }

    /** Found by the property tests (issue 16): an empty key at the root named no field. */
    @Test
    void anEmptyKeyIsNamedAsAQuotedField() {
        Problem p = onlyProblem("processes: {a: {command: [echo]}}\n\"\": x\n");

        assertThat(p.location()).isEqualTo(at(2, 1));
        assertThat(p.field()).isEqualTo("\"\"");
        assertThat(p.message()).startsWith("unknown field ''");

        assertThat(onlyProblem("processes: {a: {command: [echo], \"\": 1}}\n").field()).isEqualTo("processes.a.\"\"");
    }

    @Test
    void unknownFieldSuggestsTheClosestKnownField() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    comand: [x]
                    script: echo
                """);

        assertThat(p.location()).isEqualTo(at(3, 5));
        assertThat(p.field()).isEqualTo("processes.a.comand");
        assertThat(p.message()).isEqualTo("unknown field 'comand'; did you mean 'command'?");
    }

    @Test
    void unknownFieldFarFromAnyKnownOneListsTheKnownFields() {
        Problem p = onlyProblem("""
                processes: {a: {command: [x]}}
                workflow: main
                """);

        assertThat(p.field()).isEqualTo("workflow");
        assertThat(p.message()).isEqualTo("unknown field 'workflow'; known fields: name, plugins, environments, processes");
    }

    @Test
    void unknownFieldMatchingInAnotherCaseSuggestsTheRightCase() {
        Problem p = onlyProblem("processes: {a: {command: [x], dependson: []}}\n");

        assertThat(p.message()).endsWith("did you mean 'dependsOn'?");
    }

    @Test
    void pollIntervalInAPipelinePointsToTheConfig() {
        Problem p = onlyProblem("processes: {a: {command: [x], pollInterval: 5s}}\n");

        assertThat(p.field()).isEqualTo("processes.a.pollInterval");
        assertThat(p.message()).contains("operator's setting").contains("process.withName.<process>");
    }

    @Test
    void duplicateKeysAreReportedWithThePlaceOfTheFirst() {
        Problem p = onlyProblem("""
                processes:
                  a: {command: [x]}
                  a: {command: [y]}
                """);

        assertThat(p.location()).isEqualTo(at(3, 3));
        assertThat(p.field()).isEqualTo("processes.a");
        assertThat(p.message()).isEqualTo("duplicate key 'a', already set at line 2:3; remove one of them");
    }

    @Test
    void duplicateKeysInsideAProcessAreReported() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    command: [x]
                    queueSize: 1
                    queueSize: 2
                """);

        assertThat(p.field()).isEqualTo("processes.a.queueSize");
        assertThat(p.location()).isEqualTo(at(5, 5));
    }

    @Test
    void wrongTypesSayWhatIsExpectedAndWhatWasFound() {
        List<Problem> problems = failure("""
                processes:
                  a:
                    command: [x]
                    labels: big
                    env: [A]
                    resources: {cpus: [2]}
                    dependsOn: {fetch: true}
                """).problems();

        assertThat(problems).extracting(Problem::field)
                .containsExactly("processes.a.labels", "processes.a.env", "processes.a.resources.cpus",
                        "processes.a.dependsOn");
        assertThat(problems.get(0).message()).isEqualTo("expected a list, e.g. [big], got the text 'big'");
        assertThat(problems.get(1).message()).startsWith("expected a map of values").endsWith("got a list");
        assertThat(problems.get(2).message()).isEqualTo("expected a whole number, e.g. 4, got a list");
        assertThat(problems.get(3).message()).isEqualTo("expected a list, e.g. [fetch], got a map");
    }

    @Test
    void aProcessThatIsNotAMapIsOneProblem() {
        Problem p = onlyProblem("processes: {a: [echo, hi]}\n");

        assertThat(p.field()).isEqualTo("processes.a");
        assertThat(p.message()).startsWith("expected a map of process fields").endsWith("got a list");
    }

    @Test
    void aProcessWithNeitherCommandNorScript() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    labels: [big]
                """);

        assertThat(p.location()).isEqualTo(at(2, 3));
        assertThat(p.field()).isEqualTo("processes.a");
        assertThat(p.message()).startsWith("has neither command nor script; add one");
    }

    @Test
    void anEmptyProcessHasNeitherCommandNorScript() {
        Problem p = onlyProblem("processes:\n  a:\n");

        assertThat(p.message()).startsWith("has neither command nor script");
    }

    @Test
    void aProcessWithBothCommandAndScript() {
        Problem p = onlyProblem("processes: {a: {command: [x], script: echo}}\n");

        assertThat(p.field()).isEqualTo("processes.a");
        assertThat(p.message()).startsWith("has both command and script; keep one");
    }

    @Test
    void anEmptyArgv() {
        Problem p = onlyProblem("processes: {a: {command: []}}\n");

        assertThat(p.field()).isEqualTo("processes.a.command");
        assertThat(p.message()).startsWith("the argument list is empty; write at least the program");
    }

    @Test
    void aCommandWrittenAsOneStringPointsToScript() {
        Problem p = onlyProblem("processes: {a: {command: echo hello}}\n");

        assertThat(p.message()).contains("command: [echo, hello]").contains("script:");
    }

    @Test
    void aBlankProgramName() {
        Problem p = onlyProblem("processes: {a: {command: [\"\", x]}}\n");

        assertThat(p.field()).isEqualTo("processes.a.command[0]");
    }

    @Test
    void anArgvElementThatIsNotAText() {
        Problem p = onlyProblem("processes: {a: {command: [echo, [x]]}}\n");

        assertThat(p.field()).isEqualTo("processes.a.command[1]");
        assertThat(p.message()).isEqualTo("expected a text value, got a list");
    }

    @Test
    void aBadProcessName() {
        Problem p = onlyProblem("processes: {\"align reads\": {command: [x]}}\n");

        assertThat(p.field()).isEqualTo("processes.align reads");
        assertThat(p.message()).isEqualTo("'align reads' is not a valid process name; use only letters, digits,"
                + " '_' and '-'");
    }

    @Test
    void dependsOnAnUnknownProcessSuggestsTheClosestName() {
        Problem p = onlyProblem("""
                processes:
                  fetch: {command: [x]}
                  align: {command: [x], dependsOn: [fetch, fecth]}
                """);

        assertThat(p.location()).isEqualTo(at(3, 44));
        assertThat(p.field()).isEqualTo("processes.align.dependsOn[1]");
        assertThat(p.message()).isEqualTo("no process is named 'fecth'; did you mean 'fetch'?");
    }

    @Test
    void dependsOnAnUnknownProcessListsTheProcessesWhenNoneIsClose() {
        Problem p = onlyProblem("""
                processes:
                  fetch: {command: [x]}
                  align: {command: [x], dependsOn: [download]}
                """);

        assertThat(p.message()).isEqualTo("no process is named 'download'; the processes are fetch, align");
    }

    @Test
    void aCycleIsNamedFromItsFirstDeclaredProcess() {
        Problem p = onlyProblem("""
                processes:
                  c: {command: [x], dependsOn: [a]}
                  a: {command: [x], dependsOn: [b]}
                  b: {command: [x], dependsOn: [c]}
                  d: {command: [x], dependsOn: [c]}
                """);

        assertThat(p.field()).isEqualTo("processes.c.dependsOn");
        assertThat(p.location()).isEqualTo(at(2, 32));
        assertThat(p.message()).isEqualTo("dependsOn forms a cycle: c -> a -> b -> c; remove one of these"
                + " dependencies");
    }

    @Test
    void aProcessDependingOnItselfIsACycle() {
        Problem p = onlyProblem("processes: {a: {command: [x], dependsOn: [a]}}\n");

        assertThat(p.message()).startsWith("dependsOn forms a cycle: a -> a;");
    }

    @Test
    void twoSeparateCyclesAreBothReported() {
        List<Problem> problems = failure("""
                processes:
                  a: {command: [x], dependsOn: [b]}
                  b: {command: [x], dependsOn: [a]}
                  c: {command: [x], dependsOn: [d]}
                  d: {command: [x], dependsOn: [c]}
                """).problems();

        assertThat(problems).extracting(Problem::message).containsExactly(
                "dependsOn forms a cycle: a -> b -> a; remove one of these dependencies",
                "dependsOn forms a cycle: c -> d -> c; remove one of these dependencies");
    }

    /** p5000 depends on nothing, every other pN on p(N+1), declared from p5000 down: 5,000 deep. */
    private static String chain(int n, boolean closed) {
        StringBuilder yaml = new StringBuilder("processes:\n");
        for (int i = n; i >= 1; i--) {
            String dep = i < n ? "p" + (i + 1) : closed ? "p1" : null;
            yaml.append("  p").append(i).append(": {command: [x]").append(dep == null ? "" : ", dependsOn: [" + dep + "]")
                    .append("}\n");
        }
        return yaml.toString();
    }

    @Test
    void aChainOfThousandsOfProcessesLoadsAndACycleOfThousandsIsNamed() throws Exception {
        file = write(dir, "chain.yaml", chain(5000, false));
        Pipeline pipeline = PipelineLoader.load(file);
        assertThat(pipeline.processOrder()).hasSize(5000).startsWith("p5000", "p4999").endsWith("p1");

        Problem p = onlyProblem(chain(5000, true));
        assertThat(p.message()).startsWith("dependsOn forms a cycle: p5000 -> p1 -> p2 -> ")
                .endsWith("-> p4999 -> p5000; remove one of these dependencies");
    }

    @Test
    void anEmptyEnvironmentIsAProblemNotACrash() {
        List<Problem> problems = failure("""
                processes:
                  a: {command: [x]}
                environments: {helper: }
                """).problems();
        assertThat(problems).isNotEmpty().allSatisfy(problem -> assertThat(problem.field()).startsWith(
                "environments.helper"));
    }

    @Test
    void aBadErrorStrategyListsTheValidOnes() {
        Problem p = onlyProblem("processes: {a: {command: [x], errorStrategy: retyr}}\n");

        assertThat(p.field()).isEqualTo("processes.a.errorStrategy");
        assertThat(p.message()).isEqualTo("'retyr' is not an error strategy; write one of terminate, finish,"
                + " ignore, retry");
    }

    @Test
    void errorStrategyIgnoresCase() throws Exception {
        Path f = write(dir, "ok.yaml", "processes: {a: {command: [x], errorStrategy: Ignore}}\n");

        assertThat(PipelineLoader.load(f).processes().get("a").settings().errorStrategy())
                .isEqualTo(ErrorStrategy.IGNORE);
    }

    @Test
    void aBadSizeShowsHowToWriteOne() {
        Problem p = onlyProblem("processes: {a: {command: [x], resources: {memory: 4 gigs}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.resources.memory");
        assertThat(p.location()).isEqualTo(at(1, 51));
        assertThat(p.message()).isEqualTo("'4 gigs' is not a size; write e.g. 512MB, 2GB, 1.5 GiB, or a number"
                + " of bytes");
    }

    @Test
    void aBadDurationShowsHowToWriteOne() {
        Problem p = onlyProblem("processes: {a: {command: [x], resources: {time: 1 hour}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.resources.time");
        assertThat(p.message()).isEqualTo("'1 hour' is not a duration; write e.g. 500ms, 30s, 5m, 1h30m, 2d");
    }

    @Test
    void aZeroTimeLimitIsRejected() {
        Problem p = onlyProblem("processes: {a: {command: [x], resources: {time: 0}}}\n");

        assertThat(p.message()).startsWith("must be longer than zero");
    }

    @Test
    void aBadRateShowsHowToWriteOne() {
        Problem p = onlyProblem("processes: {a: {command: [x], submitRateLimit: 10 per second}}\n");

        assertThat(p.field()).isEqualTo("processes.a.submitRateLimit");
        assertThat(p.message()).isEqualTo("'10 per second' is not a rate; write <count>/<period>, e.g. 10/s,"
                + " 100/1m, 5/30s, 1000/1h");
    }

    @Test
    void aNegativeMaxRetries() {
        Problem p = onlyProblem("processes: {a: {command: [x], errorStrategy: retry, maxRetries: -1}}\n");

        assertThat(p.field()).isEqualTo("processes.a.maxRetries");
        assertThat(p.message()).isEqualTo("-1 is too small; write a whole number of at least 0");
    }

    @Test
    void aNonNumericMaxRetries() {
        Problem p = onlyProblem("processes: {a: {command: [x], maxRetries: twice}}\n");

        assertThat(p.message()).isEqualTo("'twice' is not a whole number; write e.g. 4");
    }

    @Test
    void zeroCpusAndZeroQueueSizeAreTooSmall() {
        List<Problem> problems = failure("processes: {a: {command: [x], queueSize: 0, resources: {cpus: 0}}}\n")
                .problems();

        assertThat(problems).extracting(Problem::field)
                .containsExactly("processes.a.queueSize", "processes.a.resources.cpus");
        assertThat(problems).extracting(Problem::message).allMatch(m -> m.contains("at least 1"));
    }

    @Test
    void aBackoffWhoseMaxIsBelowItsInitial() {
        Problem p = onlyProblem("processes: {a: {command: [x], retryBackoff: {initial: 2m, max: 1m}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.retryBackoff.max");
        assertThat(p.message()).isEqualTo("max (1m) is less than initial (2m); raise max or lower initial");
    }

    @Test
    void aBackoffMultiplierBelowOne() {
        Problem p = onlyProblem("processes: {a: {command: [x], retryBackoff: {multiplier: 0.5}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.retryBackoff.multiplier");
        assertThat(p.message()).isEqualTo("0.5 is too small; write a number of at least 1");
    }

    @Test
    void aHintKeyWithoutANamespace() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    command: [x]
                    hints: {maxWait: 10m}
                """);

        assertThat(p.location()).isEqualTo(at(4, 13));
        assertThat(p.field()).isEqualTo("processes.a.hints.maxWait");
        assertThat(p.message()).isEqualTo("hint key 'maxWait' has no plugin namespace; write <plugin>/<name>,"
                + " e.g. files/maxWait");
    }

    @Test
    void aHintValueThatIsNotAText() {
        Problem p = onlyProblem("processes: {a: {command: [x], hints: {files/paths: [a, b]}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.hints.files/paths");
        assertThat(p.message()).startsWith("expected a text value");
    }

    @Test
    void aBadEnvironmentVariableName() {
        Problem p = onlyProblem("processes: {a: {command: [x], env: {1X: y}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.env.1X");
    }

    @Test
    void matrixValuesThatAreNotLists() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    command: [x]
                    matrix: {sample: a, ref: [hg38]}
                """);

        assertThat(p.location()).isEqualTo(at(4, 22));
        assertThat(p.field()).isEqualTo("processes.a.matrix.sample");
        assertThat(p.message()).isEqualTo("matrix values must be lists; write sample: [a, ...]");
    }

    @Test
    void anEmptyMatrixList() {
        Problem p = onlyProblem("processes: {a: {command: [x], matrix: {sample: []}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.matrix.sample");
        assertThat(p.message()).contains("would run no task");
    }

    @Test
    void aMatrixValueListedTwice() {
        Problem p = onlyProblem("processes: {a: {command: [x], matrix: {sample: [a, b, a]}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.matrix.sample[2]");
        assertThat(p.message()).isEqualTo("'a' is listed twice; each value once");
    }

    @Test
    void aMatrixOfMoreTasksThanAProcessMayHave() {
        Problem p = onlyProblem("processes: {a: {command: [x], matrix: {p: " + range(1000) + ", q: " + range(101)
                + "}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.matrix");
        assertThat(p.message()).startsWith("the matrix makes 101000 tasks, more than the 100000");
    }

    private static String range(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(i);
        }
        return sb.append(']').toString();
    }

    @Test
    void eachAndMatrixTogether() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    command: [x]
                    matrix: {sample: [a]}
                    each: [b]
                """);

        assertThat(p.location()).isEqualTo(at(5, 5));
        assertThat(p.field()).isEqualTo("processes.a.each");
        assertThat(p.message()).startsWith("matrix and each cannot be combined");
    }

    @Test
    void eachMixingMapsAndPlainValues() {
        Problem p = onlyProblem("processes: {a: {command: [x], each: [{sample: a}, b]}}\n");

        assertThat(p.field()).isEqualTo("processes.a.each[1]");
        assertThat(p.message()).startsWith("each mixes maps and plain values");
    }

    @Test
    void eachEntriesWithDifferentParams() {
        Problem p = onlyProblem("processes: {a: {command: [x], each: [{sample: a}, {sample: b, ref: r}]}}\n");

        assertThat(p.field()).isEqualTo("processes.a.each[1]");
        assertThat(p.message()).isEqualTo("this entry has params [sample, ref] but the first has [sample]; give"
                + " every entry the same params");
    }

    @Test
    void eachEntryListedTwice() {
        Problem p = onlyProblem("processes: {a: {command: [x], each: [a, b, a]}}\n");

        assertThat(p.field()).isEqualTo("processes.a.each[2]");
        assertThat(p.message()).isEqualTo("the same as entry 0; list each entry once");
    }

    @Test
    void aBadParamName() {
        Problem p = onlyProblem("processes: {a: {command: [x], matrix: {sample-id: [a]}}}\n");

        assertThat(p.field()).isEqualTo("processes.a.matrix.sample-id");
        assertThat(p.message()).startsWith("'sample-id' is not a valid param name");
    }

    @Test
    void aTemplateNamingAnUnknownParamNamesTheKnownParams() {
        Problem p = onlyProblem("""
                processes:
                  a:
                    script: echo {{ Task.Param.smaple }}
                    matrix: {sample: [a], ref: [r]}
                """);

        assertThat(p.location()).isEqualTo(at(3, 13));
        assertThat(p.field()).isEqualTo("processes.a.script");
        assertThat(p.message()).isEqualTo("{{ Task.Param.smaple }} names no param of process 'a'; its params are"
                + " sample, ref; did you mean 'sample'?");
    }

    @Test
    void templatesAreCheckedInArgvEnvHintsAndInputs() {
        List<Problem> problems = failure("""
                processes:
                  a:
                    command: [echo, "{{ Task.Param.x }}"]
                    env: {A: "{{Task.Param.y}}"}
                    hints: {files/glob: "{{ Task.Param.z }}"}
                    inputs: ["{{ Task.Param.w }}.fq"]
                """).problems();

        assertThat(problems).extracting(Problem::field).containsExactly("processes.a.command[1]",
                "processes.a.env.A", "processes.a.hints.files/glob", "processes.a.inputs[0]");
        assertThat(problems.get(0).message()).isEqualTo("{{ Task.Param.x }} names no param of process 'a'; the"
                + " process has no params: define them with matrix: or each:");
    }

    @Test
    void aPluginEntryWithoutId() {
        Problem p = onlyProblem("""
                plugins:
                  - version: ">=0.1.0"
                processes: {a: {command: [x]}}
                """);

        assertThat(p.location()).isEqualTo(at(2, 5));
        assertThat(p.field()).isEqualTo("plugins[0]");
        assertThat(p.message()).isEqualTo("the plugin entry has no id; write e.g. - id: files");
    }

    @Test
    void aBadPluginVersionConstraint() {
        Problem p = onlyProblem("""
                plugins: [{id: files, version: banana}]
                processes: {a: {command: [x]}}
                """);

        assertThat(p.field()).isEqualTo("plugins[0].version");
        assertThat(p.message()).startsWith("'banana' is not a version constraint; write e.g. >=0.1.0");
    }

    @Test
    void aPluginSha256ThatIsNotADigest() {
        Problem p = onlyProblem("""
                plugins: [{id: files, sha256: abc123}]
                processes: {a: {command: [x]}}
                """);

        assertThat(p.location()).isEqualTo(at(1, 31));
        assertThat(p.field()).isEqualTo("plugins[0].sha256");
        assertThat(p.message()).isEqualTo("'abc123' is not a SHA-256 digest; write the 64 hex digits of the plugin"
                + " zip's digest, as sha256sum prints them");
    }

    @Test
    void aPluginListedTwice() {
        Problem p = onlyProblem("""
                plugins: [{id: files}, {id: files}]
                processes: {a: {command: [x]}}
                """);

        assertThat(p.field()).isEqualTo("plugins[1].id");
        assertThat(p.message()).isEqualTo("plugin 'files' is already listed at line 1; list each plugin once");
    }

    @Test
    void aMissingFile() {
        Path missing = dir.resolve("nope.yaml");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> PipelineLoader.load(missing));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.location()).isNull();
            assertThat(p.message()).isEqualTo("no such file: " + missing + "; check the pipeline file's path");
        });
        assertThat(e.getMessage()).isEqualTo("no such file: " + missing + "; check the pipeline file's path");
    }

    @Test
    void aDirectoryInsteadOfAFile() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> PipelineLoader.load(dir));

        assertThat(e.getMessage()).isEqualTo("pipeline file " + dir + " is a directory; give the path of a YAML file");
    }

    @Test
    void anEmptyFile() {
        Problem p = onlyProblem("# nothing yet\n");

        assertThat(p.location()).isEqualTo(Location.ofFile(file));
        assertThat(p.message()).startsWith("the pipeline file is empty");
    }

    @Test
    void aFileWithoutProcesses() {
        Problem p = onlyProblem("name: x\n");

        assertThat(p.field()).isEqualTo("processes");
        assertThat(p.message()).startsWith("missing; a pipeline needs at least one process");
    }

    @Test
    void aRootThatIsNotAMap() {
        Problem p = onlyProblem("- a\n- b\n");

        assertThat(p.location()).isEqualTo(at(1, 1));
        assertThat(p.message()).startsWith("expected a map of pipeline fields");
    }

    @Test
    void aSecondYamlDocument() {
        Problem p = onlyProblem("processes: {a: {command: [x]}}\n---\nprocesses: {b: {command: [x]}}\n");

        assertThat(p.location()).isEqualTo(at(3, 1));
        assertThat(p.message()).startsWith("a second YAML document starts here");
    }

    @Test
    void yamlAliasesAreRejectedRatherThanReadAsTheAnchorName() {
        Problem p = onlyProblem("""
                processes:
                  a: {command: &cmd [x]}
                  b: {command: *cmd}
                """);

        assertThat(p.field()).isEqualTo("processes.b.command");
        assertThat(p.message()).isEqualTo("YAML aliases (*cmd) are not supported; write the value out in full");
    }

    @Test
    void allProblemsOfAFileAreReportedTogetherInFileOrder() {
        InvalidInputException e = failure("""
                processes:
                  fetch:
                    command: []
                  align:
                    script: echo
                    dependsOn: [fecth]
                    errorStrategy: sometimes
                    resources: {memory: lots}
                """);

        assertThat(e.problems()).extracting(Problem::field).containsExactly(
                "processes.fetch.command", "processes.align.dependsOn[0]", "processes.align.errorStrategy",
                "processes.align.resources.memory");
        String[] lines = e.getMessage().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo(file + ":3:14: processes.fetch.command: the argument list is empty;"
                + " write at least the program to run, e.g. command: [echo, hello]");
        assertThat(lines[1]).startsWith(file + ":6:17: processes.align.dependsOn[0]: no process is named");
        assertThat(lines[3]).startsWith(file + ":8:25: processes.align.resources.memory: 'lots' is not a size");
    }
}
