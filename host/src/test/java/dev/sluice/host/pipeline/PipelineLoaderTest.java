package dev.sluice.host.pipeline;

import dev.sluice.yaml.Location;

import static dev.sluice.host.pipeline.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineLoaderTest {
    @TempDir
    Path dir;

    @Test
    void loadsEveryFieldOfTheExamplePipeline() throws Exception {
        Path file = TestFiles.example("hello.yaml");

        Pipeline pipeline = PipelineLoader.load(file);

        assertThat(pipeline.file()).isEqualTo(file);
        assertThat(pipeline.name()).isEqualTo("hello");
        assertThat(pipeline.plugins()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("files");
            assertThat(p.version()).isEqualTo(">=0.1.0");
            assertThat(p.location()).isEqualTo(new Location(file, 3, 5));
        });
        assertThat(pipeline.processes()).containsOnlyKeys("fetch", "align");
        assertThat(pipeline.processes().keySet()).containsExactly("fetch", "align");

        ProcessDef fetch = pipeline.processes().get("fetch");
        assertThat(fetch.location()).isEqualTo(new Location(file, 6, 3));
        assertThat(fetch.argv()).containsExactly("curl", "-o", "out.txt", "https://x/{{ Task.Param.sample }}");
        assertThat(fetch.script()).isNull();
        assertThat(fetch.fanOut()).hasSize(6);
        assertThat(fetch.settings()).isEqualTo(ProcessSettings.NONE);

        ProcessDef align = pipeline.processes().get("align");
        assertThat(align.argv()).isNull();
        assertThat(align.script()).isEqualTo("echo aligning {{ Task.Param.sample }}\n");
        assertThat(align.fanOut()).containsExactly(Map.of("sample", "a"), Map.of("sample", "b"));
        assertThat(align.dependsOn()).containsExactly("fetch");
        assertThat(align.inputs()).containsExactly("data/{{ Task.Param.sample }}.fq");
        assertThat(align.labels()).containsExactly("big");
        ProcessSettings s = align.settings();
        assertThat(s.env()).containsExactly(Map.entry("THREADS", "4"));
        assertThat(s.cpus()).isEqualTo(2);
        assertThat(s.memoryBytes()).isEqualTo(4L << 30);
        assertThat(s.time()).isEqualTo(Duration.ofHours(1));
        assertThat(s.accelerators()).isEqualTo(1);
        assertThat(s.acceleratorType()).isEqualTo("nvidia-h100");
        assertThat(s.hints()).containsExactly(Map.entry("files/maxWait", "10m"));
        assertThat(s.executor()).isEqualTo("local");
        assertThat(s.errorStrategy()).isEqualTo(ErrorStrategy.RETRY);
        assertThat(s.maxRetries()).isEqualTo(2);
        assertThat(s.retryBackoff()).isEqualTo(new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 2));
        assertThat(s.queueSize()).isEqualTo(4);
        assertThat(s.submitRateLimit()).isEqualTo(new RateLimit(10, Duration.ofSeconds(1)));
        assertThat(s.pollInterval()).isNull();
    }

    @Test
    void nameInTheFileWinsOverTheFileName() throws Exception {
        Path file = write(dir, "p.yaml", """
                name: genomes
                processes:
                  a: {command: [true]}
                """);

        assertThat(PipelineLoader.load(file).name()).isEqualTo("genomes");
    }

    @Test
    void nameDefaultsToTheFileNameWithoutItsLastExtension() throws Exception {
        Path file = write(dir, "nightly.run.yml", "processes: {a: {command: [true]}}\n");

        assertThat(PipelineLoader.load(file).name()).isEqualTo("nightly.run");
    }

    @Test
    void matrixIsTheCrossProductWithTheFirstParamVaryingSlowest() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  a:
                    command: [echo, "{{ Task.Param.sample }}", "{{Task.Param.ref}}"]
                    matrix: {sample: [x, y], ref: [hg38, t2t, 1]}
                """);

        ProcessDef a = PipelineLoader.load(file).processes().get("a");

        assertThat(a.fanOut()).containsExactly(
                Map.of("sample", "x", "ref", "hg38"), Map.of("sample", "x", "ref", "t2t"),
                Map.of("sample", "x", "ref", "1"), Map.of("sample", "y", "ref", "hg38"),
                Map.of("sample", "y", "ref", "t2t"), Map.of("sample", "y", "ref", "1"));
        assertThat(a.fanOut().get(0).keySet()).containsExactly("sample", "ref");
        assertThat(a.paramNames()).containsExactly("sample", "ref");
        assertThat(a.taskCount()).isEqualTo(6);
    }

    @Test
    void eachOfPlainValuesSetsTheParamItem() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  a:
                    command: [echo, "{{ Task.Param.item }}"]
                    each: [one, 2, "three"]
                """);

        ProcessDef a = PipelineLoader.load(file).processes().get("a");

        assertThat(a.fanOut()).containsExactly(Map.of("item", "one"), Map.of("item", "2"), Map.of("item", "three"));
    }

    @Test
    void eachOfMapsKeepsTheFirstEntrysParamOrder() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  a:
                    command: [echo]
                    each:
                      - {sample: a, ref: r1}
                      - {ref: r2, sample: b}
                """);

        ProcessDef a = PipelineLoader.load(file).processes().get("a");

        assertThat(a.fanOut()).hasSize(2);
        assertThat(a.fanOut().get(1).keySet()).containsExactly("sample", "ref");
        assertThat(a.fanOut().get(1)).isEqualTo(Map.of("sample", "b", "ref", "r2"));
    }

    @Test
    void aProcessWithoutFanOutHasNoParamsAndOneTask() throws Exception {
        Path file = write(dir, "p.yaml", "processes: {a: {script: echo hi}}\n");

        ProcessDef a = PipelineLoader.load(file).processes().get("a");

        assertThat(a.fanOut()).isEmpty();
        assertThat(a.paramNames()).isEmpty();
        assertThat(a.taskCount()).isEqualTo(1);
    }

    @Test
    void scalarsKeepTheTextAsWrittenWhateverTheirYamlType() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  a:
                    command: [sleep, 5, true, 0x10, 1.50, yes]
                    env: {N: 4, ON: yes}
                    hints: {files/skip: true, files/maxWait: 10m}
                """);

        ProcessDef a = PipelineLoader.load(file).processes().get("a");

        assertThat(a.argv()).containsExactly("sleep", "5", "true", "0x10", "1.50", "yes");
        assertThat(a.settings().env()).containsExactly(Map.entry("N", "4"), Map.entry("ON", "yes"));
        assertThat(a.settings().hints()).containsExactly(Map.entry("files/skip", "true"),
                Map.entry("files/maxWait", "10m"));
    }

    @Test
    void partialRetryBackoffTakesTheBuiltInValuesForTheRest() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  a: {command: [x], retryBackoff: {initial: 5s}}
                """);

        Backoff b = PipelineLoader.load(file).processes().get("a").settings().retryBackoff();

        assertThat(b).isEqualTo(new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 2));
    }

    @Test
    void unknownTemplateExpressionsOtherThanTaskParamAreKeptAndAccepted() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  a: {command: [echo, "{{ Env.HOME }}", "{{ Task.Attempt }}"]}
                """);

        assertThat(PipelineLoader.load(file).processes().get("a").argv())
                .containsExactly("echo", "{{ Env.HOME }}", "{{ Task.Attempt }}");
    }

    @Test
    void processOrderPutsDependenciesFirstAndBreaksTiesByDeclarationOrder() throws Exception {
        Path file = write(dir, "p.yaml", """
                processes:
                  report: {command: [x], dependsOn: [align, qc]}
                  align:  {command: [x], dependsOn: [fetch]}
                  qc:     {command: [x], dependsOn: [fetch]}
                  fetch:  {command: [x]}
                  docs:   {command: [x]}
                """);

        Pipeline pipeline = PipelineLoader.load(file);

        assertThat(pipeline.processOrder()).containsExactly("fetch", "align", "qc", "report", "docs");
    }

    @Test
    void baseDirIsTheAbsoluteDirectoryOfThePipelineFile() throws Exception {
        Path file = write(dir, "p.yaml", "processes: {a: {command: [x]}}\n");

        assertThat(PipelineLoader.load(file).baseDir()).isEqualTo(dir.toAbsolutePath().normalize());
    }

    @Test
    void emptyListsAndMapsAreAllowedForOptionalFields() throws Exception {
        Path file = write(dir, "p.yaml", """
                plugins:
                processes:
                  a:
                    command: [x]
                    dependsOn: []
                    labels:
                    env: {}
                """);

        Pipeline pipeline = PipelineLoader.load(file);

        assertThat(pipeline.plugins()).isEmpty();
        ProcessDef a = pipeline.processes().get("a");
        assertThat(a.dependsOn()).isEmpty();
        assertThat(a.labels()).isEmpty();
        assertThat(a.settings().env()).isEmpty();
        assertThat(a.inputs()).isEqualTo(List.of());
    }
}
