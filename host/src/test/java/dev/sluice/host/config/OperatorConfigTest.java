package dev.sluice.host.config;

import static dev.sluice.host.pipeline.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.ErrorStrategy;
import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.host.pipeline.TestFiles;
import dev.sluice.spi.Resources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorConfigTest {
    @TempDir
    Path dir;

    private Pipeline pipeline(String yaml) throws Exception {
        return PipelineLoader.load(write(dir, "hello.yaml", yaml));
    }

    private OperatorConfig config(String yaml) throws Exception {
        return ConfigLoader.load(write(dir, "config.yaml", yaml));
    }

    @Test
    void withoutConfigTheBuiltInDefaultsApply() throws Exception {
        Pipeline p = pipeline("processes: {a: {command: [x]}}\n");

        EffectiveProcess a = OperatorConfig.empty().resolve(p.processes().get("a"));

        assertThat(a.executor()).isEqualTo("local");
        assertThat(a.resources()).isEqualTo(Resources.DEFAULT);
        assertThat(a.errorStrategy()).isEqualTo(ErrorStrategy.TERMINATE);
        assertThat(a.maxRetries()).isZero();
        assertThat(a.retryBackoff()).isEqualTo(new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 2));
        assertThat(a.queueSize()).isNull();
        assertThat(a.submitRateLimit()).isNull();
        assertThat(a.pollInterval()).isNull();
        assertThat(a.hints()).isEmpty();
        assertThat(a.env()).isEmpty();
        assertThat(a.origin()).isEqualTo("process 'a' (" + dir.resolve("hello.yaml") + ":1:13)");
    }

    @Test
    void layersStackDefaultsThenPipelineThenLabelsInConfigOrderThenName() throws Exception {
        Pipeline p = pipeline("""
                processes:
                  align:
                    command: [x]
                    labels: [big, gpu]
                    resources: {cpus: 2, memory: 2GB}
                    hints: {files/maxWait: 10m, files/skip: "false"}
                    env: {A: pipeline, B: pipeline}
                    errorStrategy: retry
                  other:
                    command: [x]
                """);
        OperatorConfig config = config("""
                process:
                  defaults:
                    executor: slurm
                    queueSize: 3
                    resources: {cpus: 4, time: 1h}
                    errorStrategy: finish
                    env: {A: defaults, C: defaults}
                  withLabel:
                    gpu: {resources: {accelerators: 1}, hints: {files/maxWait: 20m}, queueSize: 5}
                    big: {resources: {cpus: 8}, hints: {files/maxWait: 1h}, queueSize: 6}
                  withName:
                    align: {resources: {cpus: 16}, env: {B: name}}
                """);

        EffectiveProcess align = config.resolve(p.processes().get("align"));
        EffectiveProcess other = config.resolve(p.processes().get("other"));

        assertThat(align.executor()).as("from defaults").isEqualTo("slurm");
        assertThat(align.resources()).isEqualTo(new Resources(16, 2L << 30, Duration.ofHours(1), 1, null));
        assertThat(align.hints()).as("big comes after gpu in the config, so it wins")
                .containsExactly(Map.entry("files/maxWait", "1h"), Map.entry("files/skip", "false"));
        assertThat(align.env()).containsOnly(Map.entry("A", "pipeline"), Map.entry("B", "name"),
                Map.entry("C", "defaults"));
        assertThat(align.errorStrategy()).as("the pipeline beats defaults").isEqualTo(ErrorStrategy.RETRY);
        assertThat(align.maxRetries()).isEqualTo(1);
        assertThat(align.queueSize()).isEqualTo(6);
        assertThat(align.origin()).isEqualTo("process 'align' (" + p.file() + ":2:3; " + config.file()
                + " process.defaults, process.withLabel.gpu, process.withLabel.big, process.withName.align)");

        assertThat(other.executor()).isEqualTo("slurm");
        assertThat(other.resources()).isEqualTo(new Resources(4, 0, Duration.ofHours(1), 0, null));
        assertThat(other.errorStrategy()).isEqualTo(ErrorStrategy.FINISH);
        assertThat(other.maxRetries()).isZero();
        assertThat(other.env()).containsExactly(Map.entry("A", "defaults"), Map.entry("C", "defaults"));
        assertThat(other.queueSize()).isEqualTo(3);
    }

    @Test
    void thePipelineBeatsConfigDefaultsButNotSelectors() throws Exception {
        Pipeline p = pipeline("processes: {a: {command: [x], queueSize: 2, labels: [l]}}\n");

        assertThat(config("process: {defaults: {queueSize: 9}}\n").resolve(p.processes().get("a")).queueSize())
                .isEqualTo(2);
        assertThat(config("process: {withLabel: {l: {queueSize: 9}}}\n").resolve(p.processes().get("a")).queueSize())
                .isEqualTo(9);
        assertThat(config("process: {withName: {a: {queueSize: 9}}}\n").resolve(p.processes().get("a")).queueSize())
                .isEqualTo(9);
    }

    @Test
    void withNameBeatsWithLabel() throws Exception {
        Pipeline p = pipeline("processes: {a: {command: [x], labels: [l]}}\n");
        OperatorConfig config = config("process: {withName: {a: {executor: byname}}, withLabel: {l: {executor: bylabel}}}\n");

        assertThat(config.resolve(p.processes().get("a")).executor()).isEqualTo("byname");
    }

    @Test
    void maxRetriesDefaultsToOneUnderRetryAndIsZeroUnderOtherStrategies() throws Exception {
        Pipeline p = pipeline("""
                processes:
                  retrying: {command: [x], errorStrategy: retry}
                  retryingThrice: {command: [x], errorStrategy: retry, maxRetries: 3}
                  terminating: {command: [x], maxRetries: 3}
                """);
        OperatorConfig none = OperatorConfig.empty();

        assertThat(none.resolve(p.processes().get("retrying")).maxRetries()).isEqualTo(1);
        assertThat(none.resolve(p.processes().get("retryingThrice")).maxRetries()).isEqualTo(3);
        assertThat(none.resolve(p.processes().get("terminating")).maxRetries()).isZero();
    }

    @Test
    void maxRetriesFromConfigAppliesWhenThePipelineChoosesRetry() throws Exception {
        Pipeline p = pipeline("processes: {align: {command: [x], errorStrategy: retry}}\n");

        EffectiveProcess align = ConfigLoader.load(TestFiles.example("config.yaml")).resolve(p.processes().get("align"));

        assertThat(align.maxRetries()).isEqualTo(5);
    }

    @Test
    void pollIntervalFallsBackToTheExecutorsSetting() throws Exception {
        Pipeline p = pipeline("processes: {a: {command: [x]}, b: {command: [x]}}\n");
        OperatorConfig config = config("""
                executors: {local: {pollInterval: 3s}}
                process: {withName: {b: {pollInterval: 7s}}}
                """);

        assertThat(config.resolve(p.processes().get("a")).pollInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.resolve(p.processes().get("b")).pollInterval()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void theExamplesResolveAsTheGuidesDescribe() throws Exception {
        Pipeline p = PipelineLoader.load(TestFiles.example("hello.yaml"));
        OperatorConfig config = ConfigLoader.load(TestFiles.example("config.yaml"));

        EffectiveProcess align = config.resolve(p.processes().get("align"));
        EffectiveProcess fetch = config.resolve(p.processes().get("fetch"));

        assertThat(align.resources()).isEqualTo(new Resources(8, 4L << 30, Duration.ofHours(1), 1, "nvidia-h100"));
        assertThat(align.hints()).containsExactly(Map.entry("files/maxWait", "1h"));
        assertThat(align.errorStrategy()).isEqualTo(ErrorStrategy.RETRY);
        assertThat(align.maxRetries()).isEqualTo(5);
        assertThat(align.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(align.submitRateLimit()).isEqualTo(RateLimit.parse("10/s"));
        assertThat(fetch.resources()).isEqualTo(new Resources(1, 1L << 30, null, 0, null));
        assertThat(fetch.errorStrategy()).isEqualTo(ErrorStrategy.FINISH);
        assertThat(fetch.pollInterval()).as("the local executor's").isEqualTo(Duration.ofSeconds(1));
        assertThat(config.warnings(p)).isEmpty();
    }

    @Test
    void warnsOfAWithNameEntryMatchingNoProcessWithTheClosestName() throws Exception {
        Pipeline p = pipeline("processes: {fetch: {command: [x]}, align: {command: [x]}}\n");
        OperatorConfig config = config("""
                process:
                  withName:
                    algn: {queueSize: 2}
                    report: {queueSize: 2}
                """);

        assertThat(config.warnings(p)).containsExactly(
                config.file() + ":3:5: process.withName.algn matches no process of hello.yaml; did you mean 'align'?",
                config.file() + ":4:5: process.withName.report matches no process of hello.yaml; its processes are"
                        + " fetch, align");
    }

    @Test
    void warnsOfAWithLabelEntryMatchingNoLabel() throws Exception {
        Pipeline labelled = pipeline("processes: {a: {command: [x], labels: [big]}}\n");
        Pipeline unlabelled = PipelineLoader.load(write(dir, "plain.yaml", "processes: {a: {command: [x]}}\n"));
        OperatorConfig config = config("process: {withLabel: {bgi: {queueSize: 1}}}\n");

        assertThat(config.warnings(labelled)).containsExactly(config.file()
                + ":1:23: process.withLabel.bgi matches no label of hello.yaml; did you mean 'big'?");
        assertThat(config.warnings(unlabelled)).containsExactly(config.file()
                + ":1:23: process.withLabel.bgi matches no label of plain.yaml; its processes have no labels");
    }

    @Test
    void warnsOfConfigTemplatesNamingAParamTheProcessLacks() throws Exception {
        Pipeline p = pipeline("""
                processes:
                  a: {command: [x], each: [s1], labels: [big]}
                  b: {command: [x], matrix: {sample: [s1]}, labels: [big]}
                """);
        OperatorConfig config = config("""
                process:
                  withLabel:
                    big: {env: {SAMPLE: "{{ Task.Param.sample }}"}}
                """);

        assertThat(config.warnings(p)).containsExactly(config.file() + ":3:25: process.withLabel.big.env.SAMPLE"
                + " uses {{ Task.Param.sample }} but process 'a' has only the params item; the text stays as written"
                + " for its tasks");
    }

    @Test
    void anEmptyConfigWarnsOfNothing() throws Exception {
        assertThat(OperatorConfig.empty().warnings(pipeline("processes: {a: {command: [x]}}\n"))).isEmpty();
    }
}
